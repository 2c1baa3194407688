/**
 * A {@link DmaAllocator} over one fixed piece of DMA memory: the chunk another thread carved out for a
 * worker (its PRP lists and I/O buffers), or a pool registered with an RDMA adapter. Buffers are subarrays of the piece's single view, marked with
 * their IOVA (see DmaViewMarks); `iovaOf` reads the mark, or for other views checks the ArrayBuffer's
 * identity and that the view lies inside one live allocation (see LiveAllocations), then takes
 * `byteOffset`: no allocation either way. A view of freed memory, or one spanning two allocations,
 * gets -1, so the core refuses it instead of pointing the device at memory its caller gave back.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import { type DmaAllocator, type DmaBuffer, DmaViewMarks } from "./dma-memory.js";
import { FirstFitAllocator } from "./first-fit.js";
import { LiveAllocations } from "./live-allocations.js";

/** First-fit allocation inside one fixed region of DMA memory. */
export class RegionDmaAllocator implements DmaAllocator {
  readonly #heap: FirstFitAllocator;
  readonly #marks = new DmaViewMarks();
  readonly #live = new LiveAllocations();

  /**
   * @param memory the region, viewed in this thread
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
      throw new InvalidArgumentError(
        "size",
        `${size} bytes do not fit in this region of DMA memory (${this.memory.byteLength} bytes)`,
      );
    const bytes = this.memory.subarray(offset, offset + size);
    bytes.fill(0);
    this.#live.add(offset, size);
    this.#marks.mark(bytes, this.iova + offset);
    return { bytes, iova: this.iova + offset };
  }

  /** @inheritdoc */
  free(buffer: DmaBuffer): void {
    const { bytes } = buffer;
    const offset = bytes.byteOffset - this.memory.byteOffset;
    if (bytes.buffer !== this.memory.buffer || !this.#live.remove(offset, bytes.byteLength))
      throw new InvalidArgumentError(
        "buffer",
        "not a live buffer of this region of DMA memory (freed twice?)",
      );
    this.#heap.free(offset);
    this.#marks.markFreed(bytes);
  }

  /** @inheritdoc */
  iovaOf(view: ArrayBufferView): number {
    const marked = this.#marks.iovaOf(view);
    return marked >= 0 ? marked : this.#unmarked(view, marked);
  }

  /** {@link iovaOf} of a view without a mark (or freed): apart, so the marked case inlines. */
  #unmarked(view: ArrayBufferView, marked: number): number {
    if (marked === DmaViewMarks.FREED || view.buffer !== this.memory.buffer) return -1;
    const offset = view.byteOffset - this.memory.byteOffset;
    return this.#live.covers(offset, view.byteLength) ? this.iova + offset : -1;
  }
}
