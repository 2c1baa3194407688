/**
 * One contiguous piece of DMA memory at a fixed IOVA, with an ownership tag per 64-byte granule that
 * says which allocation covers it. The host's allocator writes the tags; the device checks them on
 * every access. Both sides may live in different threads: over SharedArrayBuffers the tags are shared
 * too, so an allocation is visible to the device as soon as the host has made it.
 * @module
 */
import { DmaFault, type DmaSpace } from "./dma-space.js";

/** Smallest unit handed out and tagged; keeps 64-byte queue entries and 16-byte SGL descriptors aligned. */
export const DMA_GRANULE = 64;

/** What another thread needs to reach a shared region: postMessage-able. */
export interface DmaRegionShare {
  /** IOVA of the region's first byte. */
  readonly iovaBase: number;
  /** The region's bytes. */
  readonly memory: SharedArrayBuffer;
  /** Its ownership tags, one Int32 per granule. */
  readonly owners: SharedArrayBuffer;
}

/**
 * A region of DMA memory. Tag of a granule: 0 when free, else 1 + the first granule of the allocation
 * covering it, so a range lies inside one allocation exactly when its first and last granules carry
 * the same non-zero tag (allocations are contiguous): an O(1), allocation-free check.
 */
export class DmaRegion implements DmaSpace {
  /** Size in bytes (a multiple of the granule). */
  readonly size: number;

  /**
   * @param iovaBase IOVA of `memory[0]`
   * @param memory the region's bytes
   * @param owners one tag per granule of `memory`
   */
  constructor(
    readonly iovaBase: number,
    readonly memory: Uint8Array,
    readonly owners: Int32Array,
  ) {
    this.size = memory.length;
    if (owners.length * DMA_GRANULE < this.size) throw new RangeError("DmaRegion: too few ownership tags");
  }

  /** A new zeroed region of `size` bytes, in shared memory when `shared`. */
  static create(iovaBase: number, size: number, shared: boolean): DmaRegion {
    const bytes = Math.ceil(size / DMA_GRANULE) * DMA_GRANULE;
    const tags = (bytes / DMA_GRANULE) * 4;
    const memory = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const owners = shared ? new SharedArrayBuffer(tags) : new ArrayBuffer(tags);
    return new DmaRegion(iovaBase, new Uint8Array(memory), new Int32Array(owners));
  }

  /** The region another thread shared with {@link DmaRegion.share}. */
  static fromShare(share: DmaRegionShare): DmaRegion {
    return new DmaRegion(share.iovaBase, new Uint8Array(share.memory), new Int32Array(share.owners));
  }

  /** What to post to another thread so it sees the same memory and tags; shared regions only. */
  share(): DmaRegionShare {
    const { buffer } = this.memory;
    if (!(buffer instanceof SharedArrayBuffer) || !(this.owners.buffer instanceof SharedArrayBuffer)) {
      throw new Error("DmaRegion.share: the region is not in shared memory");
    }
    return { iovaBase: this.iovaBase, memory: buffer, owners: this.owners.buffer };
  }

  /** Whether `iova` falls inside the region (allocated or not). */
  contains(iova: number): boolean {
    return iova >= this.iovaBase && iova < this.iovaBase + this.size;
  }

  /** Tags `[offset, offset + size)` (granule aligned) as one allocation. */
  claim(offset: number, size: number): void {
    const first = offset / DMA_GRANULE;
    this.owners.fill(first + 1, first, first + Math.ceil(size / DMA_GRANULE));
  }

  /** Tags `[offset, offset + size)` free again. */
  release(offset: number, size: number): void {
    const first = offset / DMA_GRANULE;
    this.owners.fill(0, first, first + Math.ceil(size / DMA_GRANULE));
  }

  /** Whether the allocation starting at region offset `offset` is live. */
  isAllocationStart(offset: number): boolean {
    return offset % DMA_GRANULE === 0 && this.owners[offset / DMA_GRANULE] === offset / DMA_GRANULE + 1;
  }

  /** Whether `[offset, offset + length)` lies inside one live allocation. */
  covers(offset: number, length: number): boolean {
    if (offset < 0 || offset + length > this.size) return false;
    const tag = this.owners[Math.floor(offset / DMA_GRANULE)]!;
    const last = Math.floor((offset + Math.max(length, 1) - 1) / DMA_GRANULE);
    return tag !== 0 && this.owners[last] === tag;
  }

  /** Device side: the bytes at `[iova, iova + length)`; see {@link DmaSpace.resolve}. */
  resolve(iova: number, length: number): Uint8Array {
    const offset = iova - this.iovaBase;
    if (!Number.isInteger(iova) || offset < 0 || offset >= this.size) {
      throw new DmaFault(iova, length, "outside the DMA region");
    }
    if (this.owners[Math.floor(offset / DMA_GRANULE)] === 0) {
      throw new DmaFault(iova, length, "not inside allocated DMA memory");
    }
    if (!this.covers(offset, length)) throw new DmaFault(iova, length, "runs past the end of its allocation");
    return this.memory.subarray(offset, offset + length);
  }
}
