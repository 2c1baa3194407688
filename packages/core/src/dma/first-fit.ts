/**
 * A first-fit free-list allocator over offsets [0, capacity), with alignment and coalescing. Pure
 * bookkeeping: it hands out offsets, the caller owns the memory. Allocation is O(free blocks);
 * this runs when buffers are allocated, not per I/O.
 * @module
 */

/** Granule every block is rounded to (a cache line), so neighbours never share a line. */
export const GRANULE = 64;

/** A range of the region: `size` bytes from `offset`. */
export interface Block {
  /** First byte. */
  offset: number;
  /** Length in bytes. */
  size: number;
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** Free-list allocator of one region. */
export class FirstFitAllocator {
  /** Bytes managed. */
  readonly capacity: number;
  /** Free blocks, sorted by offset, never adjacent (coalesced). */
  readonly #free: Block[];
  /** Allocated offset -> rounded size. */
  readonly #used = new Map<number, number>();

  /** Manages `capacity` bytes (a multiple of {@link GRANULE}). */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#free = [{ offset: 0, size: capacity }];
  }

  /** Bytes currently allocated (rounded sizes). */
  get usedBytes(): number {
    let total = 0;
    for (const size of this.#used.values()) total += size;
    return total;
  }

  /** Offset of `size` bytes aligned to `align` (a power of two), or -1 when nothing fits. */
  alloc(size: number, align: number): number {
    const need = roundUp(Math.max(size, 1), GRANULE);
    const alignment = Math.max(align, GRANULE);
    for (let i = 0; i < this.#free.length; i++) {
      const block = this.#free[i]!;
      const start = roundUp(block.offset, alignment);
      const end = start + need;
      if (end > block.offset + block.size) continue;
      // Split into the aligned-away head (stays free), the allocation, and the tail (stays free).
      const tail: Block = { offset: end, size: block.offset + block.size - end };
      const replacement: Block[] = [];
      if (start > block.offset) replacement.push({ offset: block.offset, size: start - block.offset });
      if (tail.size > 0) replacement.push(tail);
      this.#free.splice(i, 1, ...replacement);
      this.#used.set(start, need);
      return start;
    }
    return -1;
  }

  /** Returns the allocation at `offset`; returns its rounded size, or -1 when none starts there. */
  free(offset: number): number {
    const size = this.#used.get(offset);
    if (size === undefined) return -1;
    this.#used.delete(offset);
    let i = 0;
    while (i < this.#free.length && this.#free[i]!.offset < offset) i++;
    this.#free.splice(i, 0, { offset, size });
    // Coalesce with the next block, then with the previous one.
    const next = this.#free[i + 1];
    if (next && offset + size === next.offset) {
      this.#free[i]!.size += next.size;
      this.#free.splice(i + 1, 1);
    }
    const prev = this.#free[i - 1];
    if (prev && prev.offset + prev.size === offset) {
      prev.size += this.#free[i]!.size;
      this.#free.splice(i, 1);
    }
    return size;
  }

  /** The free blocks (for tests and diagnostics). */
  freeBlocks(): Block[] {
    return this.#free.map((b) => ({ ...b }));
  }
}
