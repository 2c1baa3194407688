/**
 * A namespace of the soft controller: logical blocks in a {@link BlockStorage} (memory or file),
 * metadata in memory, its LBA format, a one-host reservation state, and its zones when zoned.
 * @module
 */
import { type BlockStorage, FileStorage, MemoryStorage } from "./block-storage.js";
import { ZoneStateFile } from "./zone-state-file.js";
import { type ZonedOptions, ZoneSet } from "./zones.js";

/** One LBA format the soft controller offers (Identify Namespace LBAF entry). */
export interface LbaFormat {
  /** Metadata bytes per block (MS). */
  readonly metadataSize: number;
  /** Data bytes per block, a power of two (2^LBADS). */
  readonly blockSize: number;
}

/** The formats every soft namespace lists, index = LBAF number; a namespace selects one with FLBAS. */
export const LBA_FORMATS: readonly LbaFormat[] = [
  { blockSize: 512, metadataSize: 0 },
  { blockSize: 512, metadataSize: 8 },
  { blockSize: 4096, metadataSize: 0 },
  { blockSize: 4096, metadataSize: 8 },
  { blockSize: 4096, metadataSize: 64 },
];

/** How to build a soft namespace. */
export interface SoftNamespaceOptions {
  /** Namespace identifier. */
  nsid: number;
  /** Data bytes per block: 512 or 4096 (default 512). */
  blockSize?: number;
  /** Number of blocks (NSZE; default 16384). */
  blocks?: number;
  /** Metadata bytes per block: 0, 8 (512 or 4096 blocks) or 64 (4096 blocks); default 0. */
  metadataSize?: number;
  /** Metadata interleaved with data (extended LBA, FLBAS bit 4) rather than in a separate MPTR buffer. */
  extendedLba?: boolean;
  /** Namespace Optimal I/O Boundary in blocks (NOIOB; 0: none). */
  noiob?: number;
  /** Whether the namespace is attached to the controller (default true). */
  attached?: boolean;
  /**
   * Keep the blocks in this file (created or grown to size) instead of memory; a zoned namespace keeps
   * its zone state next to it, in `<file>.zones`.
   */
  file?: string;
  /**
   * Keep the blocks in this memory, at least `blocks * blockSize` bytes (a SharedArrayBuffer lets the
   * host thread keep the data across controller restarts). Default: fresh memory.
   */
  memory?: ArrayBufferLike;
  /**
   * Make it a zoned namespace of the Zoned Namespace command set (CSI 2) with this geometry; the size
   * is trimmed to whole zones. Default: not zoned (NVM command set).
   */
  zoned?: ZonedOptions;
}

/**
 * The namespaces a controller has when its options name none: 8 MiB of 512-byte and 16 MiB of 4 KiB
 * blocks, and a zoned one (so the embedded default shows the Zoned Namespace command set): eight
 * 1 MiB zones of 4 KiB blocks, each writable for 768 KiB (capacity below the zone size, as real ZNS
 * drives have), at most 4 open and 6 active, the limits of the rig's zoned QEMU namespace.
 */
export const DEFAULT_NAMESPACES: readonly SoftNamespaceOptions[] = [
  { nsid: 1, blockSize: 512, blocks: 16384 },
  { nsid: 2, blockSize: 4096, blocks: 4096 },
  {
    nsid: 3,
    blockSize: 4096,
    blocks: 8 * 256,
    zoned: { zoneSize: 256, zoneCapacity: 192, maxOpen: 4, maxActive: 6 },
  },
];

/** Picks the LBAF index of a block size / metadata size pair. */
export function formatIndexOf(blockSize: number, metadataSize: number): number {
  const i = LBA_FORMATS.findIndex((f) => f.blockSize === blockSize && f.metadataSize === metadataSize);
  if (i < 0)
    throw new RangeError(`no LBA format with ${blockSize}-byte blocks and ${metadataSize}-byte metadata`);
  return i;
}

// The storage options select: a file, given memory, or fresh memory.
function openStorage(options: SoftNamespaceOptions, bytes: number): BlockStorage {
  if (options.file !== undefined) return new FileStorage(options.file, bytes);
  if (options.memory !== undefined) {
    if (options.memory.byteLength < bytes) {
      throw new RangeError(
        `namespace ${options.nsid}: memory of ${options.memory.byteLength} < ${bytes} bytes`,
      );
    }
    return new MemoryStorage(new Uint8Array(options.memory, 0, bytes));
  }
  return new MemoryStorage(bytes);
}

/** One namespace: data, metadata, format and reservation state. */
export class SoftNamespace {
  /** Namespace identifier. */
  readonly nsid: number;
  /** Where the block data lives; its size stays fixed across formats. */
  readonly storage: BlockStorage;
  /** Current LBA format index (FLBAS bits 3:0). */
  formatIndex: number;
  /** Metadata transferred at the end of each block's data (FLBAS bit 4). */
  extendedLba: boolean;
  /** Size in blocks (NSZE = NCAP). */
  blocks: number;
  /** NOIOB in blocks. */
  noiob: number;
  /** Attached to the controller: appears in the active namespace list and accepts I/O. */
  attached: boolean;
  /** Metadata, `metadataSize` bytes per block. */
  metadata: Uint8Array;
  /** Registration key of the (single) host, if registered. */
  reservationKey: bigint | undefined;
  /** Reservation type held (1-6), 0 when no reservation is held. */
  reservationType = 0;
  /** Reservation generation counter (bumped by register, unregister, preempt, clear). */
  reservationGeneration = 0;
  /** Persist Through Power Loss state set by Reservation Register CPTPL. */
  ptpl = false;
  /** The zone geometry asked for, when zoned. */
  readonly zonedOptions: ZonedOptions | undefined;
  /** Zones and their state when the namespace is zoned, else undefined. */
  zones: ZoneSet | undefined;
  // Where a zoned namespace in a file keeps its zone state.
  private readonly zoneFile: ZoneStateFile | undefined;

  /** @param options identifier, geometry, metadata and storage */
  constructor(options: SoftNamespaceOptions) {
    this.nsid = options.nsid;
    this.formatIndex = formatIndexOf(options.blockSize ?? 512, options.metadataSize ?? 0);
    this.extendedLba = options.extendedLba ?? false;
    this.blocks = options.blocks ?? 16384;
    this.zonedOptions = options.zoned;
    if (options.zoned !== undefined) {
      this.zones = new ZoneSet(this.blocks, options.zoned);
      this.blocks = this.zones.blocks;
    }
    this.noiob = options.noiob ?? 0;
    this.attached = options.attached ?? true;
    this.storage = openStorage(options, this.blocks * this.blockSize);
    this.metadata = new Uint8Array(this.blocks * this.metadataSize);
    if (this.zones !== undefined && options.file !== undefined) {
      this.zoneFile = new ZoneStateFile(`${options.file}.zones`);
      this.zoneFile.load(this);
      this.watchZones();
    }
  }

  /** Data bytes per block. */
  get blockSize(): number {
    return LBA_FORMATS[this.formatIndex]!.blockSize;
  }

  /** Metadata bytes per block. */
  get metadataSize(): number {
    return LBA_FORMATS[this.formatIndex]!.metadataSize;
  }

  /** NVM capacity in bytes (block data only). */
  get capacity(): number {
    return this.storage.byteLength;
  }

  /** Switches to LBA format `index` and erases everything (Format NVM). */
  format(index: number, extendedLba: boolean): void {
    this.formatIndex = index;
    this.extendedLba = extendedLba && this.metadataSize > 0;
    // Keep the capacity in bytes: a 4 KiB format of a 512-byte namespace has an eighth of the blocks.
    this.blocks = Math.floor(this.storage.byteLength / this.blockSize);
    if (this.zonedOptions !== undefined) {
      // Zone sizes are in blocks and kept as given; every zone starts Empty again.
      this.zones = new ZoneSet(this.blocks, this.zonedOptions);
      this.blocks = this.zones.blocks;
    }
    this.storage.zero(0, this.storage.byteLength);
    this.metadata = new Uint8Array(this.blocks * this.metadataSize);
    this.watchZones();
    this.saveZones();
  }

  /** Saves the zone state, when the namespace keeps it in a file. */
  saveZones(): void {
    if (this.zoneFile !== undefined) this.zoneFile.save(this);
  }

  /** Controller shutdown: opened zones become Closed, and the zone state is saved. */
  shutdown(): void {
    this.zones?.closeOpenZones();
    this.saveZones();
  }

  /** Shuts down and releases the storage. */
  close(): void {
    this.shutdown();
    this.storage.close();
  }

  // The first zone change after a save marks the saved state stale.
  private watchZones(): void {
    const file = this.zoneFile;
    if (file !== undefined && this.zones !== undefined) this.zones.beforeChange = () => file.markStale(this);
  }

  /** Copies the data of blocks [lba, lba + into.length / blockSize) into `into`. */
  readBlocks(lba: number, into: Uint8Array): void {
    this.storage.read(lba * this.blockSize, into);
  }

  /** Stores `data` (whole blocks) from block `lba`. */
  writeBlocks(lba: number, data: Uint8Array): void {
    this.storage.write(lba * this.blockSize, data);
  }

  /** Zeroes the data and metadata of blocks [lba, lba + count). */
  zeroBlocks(lba: number, count: number): void {
    this.storage.zero(lba * this.blockSize, count * this.blockSize);
    this.blockMetadata(lba, count).fill(0);
  }

  /** The metadata bytes of blocks [lba, lba + count). */
  blockMetadata(lba: number, count: number): Uint8Array {
    return this.metadata.subarray(lba * this.metadataSize, (lba + count) * this.metadataSize);
  }
}
