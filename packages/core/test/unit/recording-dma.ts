/**
 * A DMA allocator over plain memory for engine-level unit tests: IOVAs from 4 GiB up, page by page,
 * and a record of what was allocated and freed, so a test can check that memory came back.
 * @module
 */
import type { DmaAllocator, DmaBuffer } from "../../src/dma/dma-memory.js";

/** The page size the allocator reports and rounds to. */
export const PAGE = 4096;

/** Allocates ordinary memory with made-up IOVAs and records every alloc and free. */
export class RecordingDma implements DmaAllocator {
  readonly pageSize = PAGE;
  /** Every buffer handed out, in order. */
  readonly allocated: DmaBuffer[] = [];
  /** Every buffer given back, in order. */
  readonly freed: DmaBuffer[] = [];
  private next = 0x1_0000_0000;

  alloc(size: number): DmaBuffer {
    const buf = { bytes: new Uint8Array(size), iova: this.next };
    this.next += Math.ceil(size / PAGE) * PAGE;
    this.allocated.push(buf);
    return buf;
  }

  free(buffer: DmaBuffer): void {
    this.freed.push(buffer);
  }

  iovaOf(view: ArrayBufferView): number {
    for (const b of this.allocated) {
      if (b.bytes.buffer === view.buffer) return b.iova + view.byteOffset - b.bytes.byteOffset;
    }
    return -1;
  }
}
