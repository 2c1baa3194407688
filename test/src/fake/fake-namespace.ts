/**
 * A namespace of the fake controller: logical blocks (and metadata) kept in memory, its LBA format,
 * and a one-host reservation state.
 * @module
 */

/** One LBA format the fake controller offers (Identify Namespace LBAF entry). */
export interface LbaFormat {
  /** Metadata bytes per block (MS). */
  readonly metadataSize: number;
  /** Data bytes per block, a power of two (2^LBADS). */
  readonly blockSize: number;
}

/** The formats every fake namespace lists, index = LBAF number; a namespace selects one with FLBAS. */
export const LBA_FORMATS: readonly LbaFormat[] = [
  { blockSize: 512, metadataSize: 0 },
  { blockSize: 512, metadataSize: 8 },
  { blockSize: 4096, metadataSize: 0 },
  { blockSize: 4096, metadataSize: 8 },
  { blockSize: 4096, metadataSize: 64 },
];

/** How to build a fake namespace. */
export interface FakeNamespaceOptions {
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
}

/** Picks the LBAF index of a block size / metadata size pair. */
export function formatIndexOf(blockSize: number, metadataSize: number): number {
  const i = LBA_FORMATS.findIndex((f) => f.blockSize === blockSize && f.metadataSize === metadataSize);
  if (i < 0)
    throw new RangeError(`no LBA format with ${blockSize}-byte blocks and ${metadataSize}-byte metadata`);
  return i;
}

/** One namespace: data, metadata, format and reservation state. */
export class FakeNamespace {
  /** Namespace identifier. */
  readonly nsid: number;
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
  /** Block data. */
  data: Uint8Array;
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

  /** @param options identifier, geometry and metadata */
  constructor(options: FakeNamespaceOptions) {
    this.nsid = options.nsid;
    this.formatIndex = formatIndexOf(options.blockSize ?? 512, options.metadataSize ?? 0);
    this.extendedLba = options.extendedLba ?? false;
    this.blocks = options.blocks ?? 16384;
    this.noiob = options.noiob ?? 0;
    this.attached = options.attached ?? true;
    this.data = new Uint8Array(this.blocks * this.blockSize);
    this.metadata = new Uint8Array(this.blocks * this.metadataSize);
  }

  /** Data bytes per block. */
  get blockSize(): number {
    return LBA_FORMATS[this.formatIndex]!.blockSize;
  }

  /** Metadata bytes per block. */
  get metadataSize(): number {
    return LBA_FORMATS[this.formatIndex]!.metadataSize;
  }

  /** Switches to LBA format `index` and erases everything (Format NVM). */
  format(index: number, extendedLba: boolean): void {
    this.formatIndex = index;
    this.extendedLba = extendedLba && this.metadataSize > 0;
    // Keep the capacity in bytes: a 4 KiB format of a 512-byte namespace has an eighth of the blocks.
    const bytes = this.data.length;
    this.blocks = Math.floor(bytes / this.blockSize);
    this.data = new Uint8Array(this.blocks * this.blockSize);
    this.metadata = new Uint8Array(this.blocks * this.metadataSize);
  }

  /** The data bytes of blocks [lba, lba + count). */
  blockData(lba: number, count: number): Uint8Array {
    return this.data.subarray(lba * this.blockSize, (lba + count) * this.blockSize);
  }

  /** The metadata bytes of blocks [lba, lba + count). */
  blockMetadata(lba: number, count: number): Uint8Array {
    return this.metadata.subarray(lba * this.metadataSize, (lba + count) * this.metadataSize);
  }
}
