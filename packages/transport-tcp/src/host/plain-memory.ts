/**
 * The "DMA memory" of an NVMe/TCP controller: ordinary memory. The transport copies data between
 * the caller's buffers and PDUs, so every view is reachable and there are no device addresses.
 * @module
 */
import type { DmaAllocator, DmaBuffer } from "@nvmekit/core/transport";

/** Allocates plain zero-filled memory; `iovaOf` accepts any view (at address 0: TCP has none). */
export class PlainMemory implements DmaAllocator {
  /** NVMe's smallest memory page: the core sizes and aligns with it. */
  readonly pageSize = 4096;
  /** The transport copies data into and out of PDUs. */
  readonly byCopy = true;

  /** A new zero-filled buffer (alignment has no meaning without DMA). */
  alloc(size: number): DmaBuffer {
    return { bytes: new Uint8Array(size), iova: 0 };
  }

  /** Nothing to do: the garbage collector frees it once unreachable. */
  free(): void {}

  /** 0 for every view: the controller reaches any memory, through the socket. */
  iovaOf(): number {
    return 0;
  }
}
