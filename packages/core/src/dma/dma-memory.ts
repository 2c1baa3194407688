/**
 * Memory a controller can reach by DMA. Device addresses (IOVAs) are JavaScript numbers, not
 * bigints: every IOVA we hand out is below 2^53, and number arithmetic allocates nothing on the
 * per-I/O path where bigint arithmetic would.
 * @module
 */

/** A buffer in DMA-able memory: a view for the CPU and the address the device uses for byte 0. */
export interface DmaBuffer {
  /** The CPU's view of the whole buffer. */
  readonly bytes: Uint8Array;
  /** The device address (IOVA) of `bytes[0]`. */
  readonly iova: number;
}

/** Hands out DMA-able memory; each transport connection has one. */
export interface DmaAllocator {
  /** Memory page size the controller is configured for (CC.MPS), in bytes; PRPs are built with it. */
  readonly pageSize: number;
  /**
   * True when the transport copies data between buffers and its wire (NVMe/TCP): there are no device
   * addresses, every view is usable, and memory-domain translations have nothing to translate into.
   */
  readonly byCopy?: boolean;
  /** Allocates `size` bytes aligned to `align` (default: pageSize), zero-filled. */
  alloc(size: number, align?: number): DmaBuffer;
  /** Returns a buffer; the allocator may reuse its memory once nothing can reach it. */
  free(buffer: DmaBuffer): void;
  /**
   * The IOVA of `view[0]` when `view` lies inside memory this allocator handed out, else -1.
   * This is how the core rejects a buffer that does not come from DMA memory.
   */
  iovaOf(view: ArrayBufferView): number;
}

/** One element of a scatter list: `length` bytes at device address `iova`. */
export interface IoVec {
  /** Device address of the first byte. */
  iova: number;
  /** Length in bytes. */
  length: number;
  /** The CPU's view of the same `length` bytes, when there is one: transports that copy data (TCP) use it. */
  view?: Uint8Array;
  /**
   * The remote key of memory registered with an RDMA adapter outside the controller's own DMA memory,
   * when a memory-domain translation into the controller's RDMA domain gave one (its `rdma.rkey`).
   */
  rkey?: number;
}

/**
 * Remembers, on each view an allocator hands out, where the device sees it, under a key of that
 * allocator's own (so another controller's allocator does not recognise it). Finding a view's memory
 * through `view.buffer` is a runtime call in V8, and every I/O looks its buffer up; a property load
 * is not a call. Views made from a marked one (`subarray`) carry no mark: allocators still find
 * those through their buffer.
 */
export class DmaViewMarks {
  readonly #key = Symbol("nvmekit.iova");

  /** Marks `view`, just allocated, as reaching the device at `iova`. */
  mark(view: ArrayBufferView, iova: number): void {
    (view as unknown as Record<symbol, number>)[this.#key] = iova;
  }

  /** Marks `view`, just freed, so that {@link iovaOf} answers {@link DmaViewMarks.FREED} for it. */
  markFreed(view: ArrayBufferView): void {
    (view as unknown as Record<symbol, number>)[this.#key] = DmaViewMarks.FREED;
  }

  /** What {@link iovaOf} answers for a view freed since: not an IOVA, and not "unmarked" (look it up). */
  static readonly FREED = -2;

  /** The IOVA `view` was marked with by this allocator, {@link DmaViewMarks.FREED}, or -1 (unmarked). */
  iovaOf(view: ArrayBufferView): number {
    const iova = (view as unknown as Record<symbol, number | undefined>)[this.#key];
    return iova === undefined ? -1 : iova;
  }
}
