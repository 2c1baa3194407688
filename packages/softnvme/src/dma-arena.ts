/**
 * DMA memory carved from one {@link DmaRegion} by a first-fit free list, with a made-up IOVA base
 * above 4 GiB so that the high dword of every address the host encodes matters. The host uses it as
 * the core's {@link DmaAllocator}; the controller model reaches the same bytes by IOVA through
 * {@link DmaArena.resolve}, as a device would through an IOMMU.
 * @module
 */
import type { DmaAllocator, DmaBuffer } from "@nvmekit/core";
import { DmaViewMarks } from "@nvmekit/core/transport";
import { DMA_GRANULE, DmaRegion } from "./dma-region.js";
import type { DmaSpace } from "./dma-space.js";

/** Options of {@link DmaArena}. */
export interface DmaArenaOptions {
  /** Total bytes of DMA memory (default 64 MiB). */
  size?: number;
  /** Device address of the arena's first byte (default 0x1_0000_0000, above 4 GiB). */
  iovaBase?: number;
  /** Memory page size, CC.MPS (default 4096). */
  pageSize?: number;
  /** Put the memory in a SharedArrayBuffer, so a controller in a worker thread can reach it (default false). */
  shared?: boolean;
}

// A free range of the region: [offset, offset + size).
interface Block {
  offset: number;
  size: number;
}

/** A {@link DmaAllocator} over one region, with device-side address resolution. */
export class DmaArena implements DmaAllocator, DmaSpace {
  /** Memory page size in bytes. */
  readonly pageSize: number;
  /** IOVA of the arena's first byte. */
  readonly iovaBase: number;
  /** Total size of the arena in bytes. */
  readonly size: number;
  /** The region the arena carves (memory and ownership tags). */
  readonly region: DmaRegion;
  private readonly freeList: Block[];
  // Sizes of live allocations by region offset.
  private readonly live = new Map<number, number>();
  // The IOVA on each view handed out (FREED once returned): iovaOf's common case is a property load.
  private readonly marks = new DmaViewMarks();

  /** @param options arena size, IOVA base, page size and sharing */
  constructor(options: DmaArenaOptions = {}) {
    this.iovaBase = options.iovaBase ?? 0x1_0000_0000;
    this.pageSize = options.pageSize ?? 4096;
    if (this.iovaBase % this.pageSize !== 0) throw new RangeError("iovaBase must be page aligned");
    this.region = DmaRegion.create(this.iovaBase, options.size ?? 64 * 1024 * 1024, options.shared ?? false);
    this.size = this.region.size;
    this.freeList = [{ offset: 0, size: this.size }];
  }

  /** The whole arena as bytes (device and host share it). */
  get memory(): Uint8Array {
    return this.region.memory;
  }

  /** Bytes currently handed out. */
  get bytesInUse(): number {
    let n = 0;
    for (const size of this.live.values()) n += size;
    return n;
  }

  /** Number of live allocations (tests use it to check that the host frees what it allocates). */
  get allocationCount(): number {
    return this.live.size;
  }

  /** Allocates `size` zeroed bytes aligned to `align` (a power of two; default: the page size). */
  alloc(size: number, align: number = this.pageSize): DmaBuffer {
    const buffer = this.tryAlloc(size, align);
    if (buffer === undefined) {
      throw new RangeError(`DmaArena.alloc: out of DMA memory for ${size} bytes (arena ${this.size} bytes)`);
    }
    return buffer;
  }

  /** Like {@link alloc}, but undefined instead of an error when no free range fits. */
  tryAlloc(size: number, align: number = this.pageSize): DmaBuffer | undefined {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`DmaArena.alloc: bad size ${size}`);
    if (!Number.isInteger(align) || align <= 0 || (align & (align - 1)) !== 0) {
      throw new RangeError(`DmaArena.alloc: alignment ${align} is not a power of two`);
    }
    const want = Math.ceil(size / DMA_GRANULE) * DMA_GRANULE;
    const a = Math.max(align, DMA_GRANULE);
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
      this.live.set(start, want);
      const bytes = this.region.memory.subarray(start, start + size);
      bytes.fill(0);
      // Tag last: a device thread must never see the tags before the zeroing.
      this.region.claim(start, want);
      this.marks.mark(bytes, this.iovaBase + start);
      return { bytes, iova: this.iovaBase + start };
    }
    return undefined;
  }

  /** Returns a buffer to the free list; throws on a buffer this arena did not hand out or already freed. */
  free(buffer: DmaBuffer): void {
    const offset = buffer.iova - this.iovaBase;
    const size = this.live.get(offset);
    if (size === undefined || buffer.bytes.buffer !== this.region.memory.buffer) {
      throw new Error(`DmaArena.free: IOVA 0x${buffer.iova.toString(16)} is not a live allocation`);
    }
    this.live.delete(offset);
    this.region.release(offset, size);
    this.insertFree({ offset, size });
    this.marks.markFreed(buffer.bytes);
  }

  /** IOVA of `view[0]` when the whole view lies inside one live allocation of this arena, else -1. */
  iovaOf(view: ArrayBufferView): number {
    const marked = this.marks.iovaOf(view);
    if (marked >= 0) return marked;
    if (marked === DmaViewMarks.FREED || view.buffer !== this.region.memory.buffer) return -1;
    const offset = view.byteOffset - this.region.memory.byteOffset;
    return this.region.covers(offset, view.byteLength) ? this.iovaBase + offset : -1;
  }

  /**
   * Device side: the bytes at `[iova, iova + length)`, which must lie inside one live allocation.
   * @throws DmaFault when they do not (a wild pointer in a command, a freed buffer, a bad PRP).
   */
  resolve(iova: number, length: number): Uint8Array {
    return this.region.resolve(iova, length);
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
