/**
 * Choosing IOVAs for DMA regions inside the ranges the IOMMU allows. Regions are only added while
 * a device is open and all go at close, so a bump pointer through the ranges is enough. IOVA 0 is
 * never handed out, so a zero address in a command is always a bug the IOMMU catches.
 * @module
 */
import { TransportError } from "@nvmekit/core";

/** A half-open IOVA range [start, end). */
export interface IovaWindow {
  /** First IOVA. */
  readonly start: number;
  /** One past the last. */
  readonly end: number;
}

/** Hands out aligned, non-overlapping IOVA blocks from low to high. */
export class IovaSpace {
  readonly #ranges: readonly IovaWindow[];
  #range = 0;
  #next: number;

  /** Allocates from `ranges` (ascending, non-overlapping). */
  constructor(ranges: readonly IovaWindow[]) {
    this.#ranges = ranges;
    this.#next = ranges[0]?.start ?? 0;
  }

  /** An IOVA for `size` bytes aligned to `align` (a power of two); throws when the space is exhausted. */
  take(size: number, align: number): number {
    while (this.#range < this.#ranges.length) {
      const range = this.#ranges[this.#range]!;
      const start = Math.max(Math.ceil(Math.max(this.#next, range.start, 1) / align) * align, align);
      if (start + size <= range.end) {
        this.#next = start + size;
        return start;
      }
      this.#range++;
    }
    throw new TransportError(`no IOVA space left for ${size} more bytes of DMA memory`);
  }
}
