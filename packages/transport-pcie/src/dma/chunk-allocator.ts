/**
 * A {@link DmaAllocator} over one piece of DMA memory another thread carved out for this one (a
 * worker's PRP lists and I/O buffers). Buffers are subarrays of the piece's single view, marked with
 * their IOVA (see DmaViewMarks); `iovaOf` reads the mark, or for other views checks the ArrayBuffer's
 * identity and takes `byteOffset`: O(1), no allocation.
 * @module
 */
import {
  type DmaAllocator,
  type DmaBuffer,
  DmaViewMarks,
  InvalidArgumentError,
} from "@nvmekit/core/transport";
import { FirstFitAllocator } from "./first-fit.js";

/** First-fit allocation inside one fixed chunk of DMA memory. */
export class ChunkDmaAllocator implements DmaAllocator {
  readonly #heap: FirstFitAllocator;
  readonly #marks = new DmaViewMarks();

  /**
   * @param memory the chunk, viewed in this thread
   * @param iova the device address of `memory[0]`
   * @param pageSize the controller's memory page size
   */
  constructor(
    private readonly memory: Uint8Array,
    private readonly iova: number,
    readonly pageSize: number,
  ) {
    this.#heap = new FirstFitAllocator(memory.byteLength);
  }

  /** @inheritdoc */
  alloc(size: number, align = this.pageSize): DmaBuffer {
    const offset = this.#heap.alloc(size, align);
    if (offset < 0)
      throw new InvalidArgumentError("size", `${size} bytes do not fit in this thread's DMA memory`);
    const bytes = this.memory.subarray(offset, offset + size);
    bytes.fill(0);
    this.#marks.mark(bytes, this.iova + offset);
    return { bytes, iova: this.iova + offset };
  }

  /** @inheritdoc */
  free(buffer: DmaBuffer): void {
    const offset = buffer.bytes.byteOffset - this.memory.byteOffset;
    if (buffer.bytes.buffer !== this.memory.buffer || this.#heap.free(offset) < 0)
      throw new InvalidArgumentError("buffer", "not a live buffer of this thread's DMA memory");
  }

  /** @inheritdoc */
  iovaOf(view: ArrayBufferView): number {
    const marked = this.#marks.iovaOf(view);
    if (marked >= 0) return marked;
    const offset = view.byteOffset - this.memory.byteOffset;
    if (view.buffer !== this.memory.buffer || offset < 0 || offset + view.byteLength > this.memory.byteLength)
      return -1;
    return this.iova + offset;
  }
}
