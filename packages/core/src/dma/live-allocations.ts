/**
 * Which byte ranges of one DMA region are handed out right now, so the allocator can refuse a view of
 * freed memory or one that runs from one allocation into the next: the device would otherwise be
 * told to write into memory its caller no longer owns. Sorted parallel arrays: insert and remove are
 * O(allocations) (they run when buffers are allocated), the lookup a view needs is a binary search
 * that allocates nothing (it runs per I/O for views cut from a buffer). Both DMA allocators over fixed regions use it: the VFIO one and RegionDmaAllocator.
 * @module
 */

/** The live allocations of one region, as half-open byte ranges [start, end). */
export class LiveAllocations {
  /** First byte of each allocation, ascending. */
  readonly #starts: number[] = [];
  /** One past the last byte of the allocation at the same index. */
  readonly #ends: number[] = [];

  /** Allocations currently live. */
  get count(): number {
    return this.#starts.length;
  }

  /** Records `[offset, offset + size)` as handed out (the caller guarantees it overlaps nothing live). */
  add(offset: number, size: number): void {
    const i = this.#firstAfter(offset);
    this.#starts.splice(i, 0, offset);
    this.#ends.splice(i, 0, offset + size);
  }

  /**
   * Forgets the allocation that is exactly `[offset, offset + size)`; false when there is none (a
   * view that is not a whole buffer, or one already freed).
   */
  remove(offset: number, size: number): boolean {
    const i = this.#firstAfter(offset) - 1;
    if (i < 0 || this.#starts[i] !== offset || this.#ends[i] !== offset + size) return false;
    this.#starts.splice(i, 1);
    this.#ends.splice(i, 1);
    return true;
  }

  /** Whether `[offset, offset + length)` lies inside one live allocation (an empty view counts as one byte). */
  covers(offset: number, length: number): boolean {
    const i = this.#firstAfter(offset) - 1;
    return i >= 0 && offset + Math.max(length, 1) <= this.#ends[i]!;
  }

  /** Index of the first allocation starting after `offset`. */
  #firstAfter(offset: number): number {
    let lo = 0;
    let hi = this.#starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#starts[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
