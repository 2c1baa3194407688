/**
 * DMA memory for the fake transport: one big ArrayBuffer carved by a first-fit free list, with a
 * made-up IOVA base above 4 GiB so that the high dword of every address the core encodes matters.
 * The host side uses it as the core's {@link DmaAllocator}; the fake controller reaches the same
 * bytes by IOVA through {@link DmaArena.resolve}, as a device would through an IOMMU.
 * @module
 */
import type { DmaAllocator, DmaBuffer } from "@nvmekit/core";

/** A device access to an IOVA that no live allocation covers: what an IOMMU would report as a fault. */
export class DmaFault extends Error {
  /** The first device address of the faulting access. */
  readonly iova: number;
  /** Length in bytes of the faulting access. */
  readonly length: number;

  /** @param iova faulting address  @param length access length  @param why what is wrong with it */
  constructor(iova: number, length: number, why: string) {
    super(`DMA fault: ${length} bytes at IOVA 0x${iova.toString(16)}: ${why}`);
    this.name = "DmaFault";
    this.iova = iova;
    this.length = length;
  }
}

/** Options of {@link DmaArena}. */
export interface DmaArenaOptions {
  /** Total bytes of DMA memory (default 64 MiB). */
  size?: number;
  /** Device address of the arena's first byte (default 0x1_0000_0000, above 4 GiB). */
  iovaBase?: number;
  /** Memory page size, CC.MPS (default 4096). */
  pageSize?: number;
}

// One live allocation: [offset, offset + size) of the arena's buffer.
interface Block {
  offset: number;
  size: number;
}

// Smallest unit the arena hands out; keeps 64-byte queue entries and 16-byte SGL descriptors aligned.
const GRANULE = 64;

/** A {@link DmaAllocator} over one ArrayBuffer, with device-side address resolution. */
export class DmaArena implements DmaAllocator {
  /** Memory page size in bytes. */
  readonly pageSize: number;
  /** IOVA of the arena's first byte. */
  readonly iovaBase: number;
  /** Total size of the arena in bytes. */
  readonly size: number;
  /** The whole arena as bytes (device and host share it). */
  readonly memory: Uint8Array;
  // Free ranges sorted by offset, coalesced on free.
  private readonly freeList: Block[];
  // Live allocations sorted by offset, for iovaOf/resolve lookups.
  private readonly live: Block[] = [];

  /** @param options arena size, IOVA base and page size */
  constructor(options: DmaArenaOptions = {}) {
    this.size = options.size ?? 64 * 1024 * 1024;
    this.iovaBase = options.iovaBase ?? 0x1_0000_0000;
    this.pageSize = options.pageSize ?? 4096;
    if (this.iovaBase % this.pageSize !== 0) throw new RangeError("iovaBase must be page aligned");
    this.memory = new Uint8Array(this.size);
    this.freeList = [{ offset: 0, size: this.size }];
  }

  /** Bytes currently handed out. */
  get bytesInUse(): number {
    let n = 0;
    for (const b of this.live) n += b.size;
    return n;
  }

  /** Number of live allocations (tests use it to check that the core frees what it allocates). */
  get allocationCount(): number {
    return this.live.length;
  }

  /** Allocates `size` zeroed bytes aligned to `align` (a power of two; default: the page size). */
  alloc(size: number, align: number = this.pageSize): DmaBuffer {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`DmaArena.alloc: bad size ${size}`);
    if (!Number.isInteger(align) || align <= 0 || (align & (align - 1)) !== 0) {
      throw new RangeError(`DmaArena.alloc: alignment ${align} is not a power of two`);
    }
    const want = Math.ceil(size / GRANULE) * GRANULE;
    const a = Math.max(align, GRANULE);
    for (let i = 0; i < this.freeList.length; i++) {
      const f = this.freeList[i]!;
      // Align the device address, which is what the controller checks (the base is page aligned).
      const start = Math.ceil(f.offset / a) * a;
      const pad = start - f.offset;
      if (pad + want > f.size) continue;
      const rest = f.size - pad - want;
      const replacement: Block[] = [];
      if (pad > 0) replacement.push({ offset: f.offset, size: pad });
      if (rest > 0) replacement.push({ offset: start + want, size: rest });
      this.freeList.splice(i, 1, ...replacement);
      this.insertLive({ offset: start, size: want });
      const bytes = this.memory.subarray(start, start + size);
      bytes.fill(0);
      return { bytes, iova: this.iovaBase + start };
    }
    throw new RangeError(`DmaArena.alloc: out of DMA memory for ${size} bytes (arena ${this.size} bytes)`);
  }

  /** Returns a buffer to the free list; throws on a buffer this arena did not hand out or already freed. */
  free(buffer: DmaBuffer): void {
    const offset = buffer.iova - this.iovaBase;
    const i = this.live.findIndex((b) => b.offset === offset);
    if (i < 0) throw new Error(`DmaArena.free: IOVA 0x${buffer.iova.toString(16)} is not a live allocation`);
    const [block] = this.live.splice(i, 1);
    this.insertFree(block!);
  }

  /** IOVA of `view[0]` when the whole view lies inside one live allocation of this arena, else -1. */
  iovaOf(view: ArrayBufferView): number {
    if (view.buffer !== this.memory.buffer) return -1;
    const block = this.blockAt(view.byteOffset);
    if (block === undefined || view.byteOffset + view.byteLength > block.offset + block.size) return -1;
    return this.iovaBase + view.byteOffset;
  }

  /**
   * Device side: the bytes at `[iova, iova + length)`, which must lie inside one live allocation.
   * @throws DmaFault when they do not (a wild pointer in a command, a freed buffer, a bad PRP).
   */
  resolve(iova: number, length: number): Uint8Array {
    const offset = iova - this.iovaBase;
    if (!Number.isInteger(iova) || offset < 0 || offset >= this.size) {
      throw new DmaFault(iova, length, "outside the DMA arena");
    }
    const block = this.blockAt(offset);
    if (block === undefined) throw new DmaFault(iova, length, "not inside allocated DMA memory");
    if (offset + length > block.offset + block.size) {
      throw new DmaFault(iova, length, "runs past the end of its allocation");
    }
    return this.memory.subarray(offset, offset + length);
  }

  // The live block containing arena offset `offset`, by binary search.
  private blockAt(offset: number): Block | undefined {
    let lo = 0;
    let hi = this.live.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.live[mid]!;
      if (offset < b.offset) hi = mid - 1;
      else if (offset >= b.offset + b.size) lo = mid + 1;
      else return b;
    }
    return undefined;
  }

  private insertLive(block: Block): void {
    let i = 0;
    while (i < this.live.length && this.live[i]!.offset < block.offset) i++;
    this.live.splice(i, 0, block);
  }

  private insertFree(block: Block): void {
    let i = 0;
    while (i < this.freeList.length && this.freeList[i]!.offset < block.offset) i++;
    this.freeList.splice(i, 0, { ...block });
    // Coalesce with the right neighbour, then the left one.
    const cur = this.freeList[i]!;
    const next = this.freeList[i + 1];
    if (next !== undefined && cur.offset + cur.size === next.offset) {
      cur.size += next.size;
      this.freeList.splice(i + 1, 1);
    }
    const prev = this.freeList[i - 1];
    if (prev !== undefined && prev.offset + prev.size === cur.offset) {
      prev.size += cur.size;
      this.freeList.splice(i, 1);
    }
  }
}
