/**
 * PCIe queue pairs driven from worker threads, one owner each (the SPDK model). The controller's
 * thread creates the queue as usual and describes it with {@link describeWorkerQueue}: the rings,
 * BAR0 (for the doorbells) and a chunk of DMA memory for the worker, all as shared memory. The worker
 * opens that with {@link attachWorkerQueuePair} and submits and completes with no FFI call per I/O,
 * exactly as the controller's thread would. The queue is polled: no interrupts reach a worker.
 * @module
 */
import {
  type AttachedQueuePair,
  attachQueuePair,
  RegionDmaAllocator,
  type WorkerQueuePairHandle,
} from "@nvmekit/core/transport";
import type { PciDevice } from "@nvmekit/pci-port";
import { PcieQueuePort } from "./queue-port.js";
import type { ShadowDoorbellPages } from "./shadow-doorbells.js";
import { asWords, openSharedMemory, type SharedMemoryHandle, shareView } from "./shared-memory.js";

/** The PCIe transport's part of a {@link WorkerQueuePairHandle}. */
export interface PcieQueueHandle {
  /** Queue identifier. */
  readonly qid: number;
  /** Entries per ring. */
  readonly depth: number;
  /** Doorbell stride exponent, CAP.DSTRD. */
  readonly dstrd: number;
  /** The submission ring. */
  readonly sq: SharedMemoryHandle;
  /** The completion ring. */
  readonly cq: SharedMemoryHandle;
  /** BAR0. */
  readonly bar: SharedMemoryHandle;
  /** The controller's shadow doorbell pages, when it uses them. */
  readonly shadow: SharedShadowPages | null;
  /** The worker's DMA memory: its PRP list pages and I/O buffers. */
  readonly dma: {
    /** The chunk. */
    readonly memory: SharedMemoryHandle;
    /** Device address of its first byte. */
    readonly iova: number;
    /** Controller memory page size. */
    readonly pageSize: number;
  };
}

/** The shadow doorbell pages as shared memory. */
export interface SharedShadowPages {
  /** The Shadow Doorbell page. */
  readonly doorbells: SharedMemoryHandle;
  /** The EventIdx page. */
  readonly eventIdx: SharedMemoryHandle;
}

/** Describes `port`, `chunk` (DMA memory of `device`) and the shadow doorbell pages for the worker, as shared memory. */
export function describeWorkerQueue(
  port: PcieQueuePort,
  device: PciDevice,
  chunk: { bytes: Uint8Array; iova: number },
  pageSize: number,
  shadow: ShadowDoorbellPages | null,
): PcieQueueHandle {
  const { qid, depth, dstrd, sq, cq, bar } = port.rings;
  return {
    qid,
    depth,
    dstrd,
    sq: shareView(sq, device),
    cq: shareView(cq, device),
    bar: shareView(bar, device),
    shadow:
      shadow === null
        ? null
        : {
            doorbells: shareView(shadow.doorbells.bytes, device),
            eventIdx: shareView(shadow.eventIdx.bytes, device),
          },
    dma: { memory: shareView(chunk.bytes, device), iova: chunk.iova, pageSize },
  };
}

/**
 * Opens, in this (worker) thread, the queue pair the controller's thread exported with
 * `Controller.allocIoQpairForWorker`. Call `close()` when done, then tell the controller's thread,
 * which releases the queue; stop using every view of it before the device is closed.
 */
export function attachWorkerQueuePair(handle: WorkerQueuePairHandle): AttachedQueuePair {
  const t = handle.transport as PcieQueueHandle;
  const rings = {
    qid: t.qid,
    depth: t.depth,
    dstrd: t.dstrd,
    sq: asWords(openSharedMemory(t.sq)),
    cq: asWords(openSharedMemory(t.cq)),
    bar: asWords(openSharedMemory(t.bar)),
    shadow:
      t.shadow === null
        ? undefined
        : {
            doorbells: asWords(openSharedMemory(t.shadow.doorbells)),
            eventIdx: asWords(openSharedMemory(t.shadow.eventIdx)),
          },
  };
  const port = new PcieQueuePort(rings, async () => {});
  const dma = new RegionDmaAllocator(openSharedMemory(t.dma.memory), t.dma.iova, t.dma.pageSize);
  return attachQueuePair(handle, port, dma);
}
