/**
 * @nvmekit/core/transport: what a transport plugin is written against (SPDK's nvme_internal.h to
 * the application API's nvme.h). Everything the application entry point exports, plus the plugin
 * contract and its injection token, the transport registry, libvfn-shaped request trackers, the
 * payload descriptor and the PRP/SGL data pointer builders, I/O splitting, the IOVA marks a DMA allocator puts on its views, a first-fit allocator over one region of DMA memory, and the pieces a
 * transport uses to open a queue pair in a worker thread (`attachQueuePair`, the queue link, and on
 * fabrics `connectQueue`). API layers built on core (the compat packages) take from here the
 * submission that trusts their own checks (`submitPrechecked`).
 * @module
 */
export * from "./dataptr/payload.js";
export * from "./dataptr/prp.js";
export { PrpSglBuilder } from "./dataptr/prp-sgl-builder.js";
export * from "./dataptr/sgl.js";
export { DmaViewMarks } from "./dma/dma-memory.js";
export { type Block, FirstFitAllocator, GRANULE } from "./dma/first-fit.js";
export { LiveAllocations } from "./dma/live-allocations.js";
export { RegionDmaAllocator } from "./dma/region-allocator.js";
export {
  type ConnectParams,
  connectQueue,
  connectWorkerQueue,
  type WorkerConnectIdentity,
  whileQueueIdBusy,
} from "./fabrics/queue-connect.js";
export * from "./index.js";
export { submitPrechecked } from "./ns/io.js";
export * from "./ns/split.js";
export { CompletionRing } from "./qpair/completion-ring.js";
export * from "./qpair/queue-link.js";
export * from "./rq/pool.js";
export * from "./rq/tracker.js";
export * from "./transport/contract.js";
export * from "./transport/registry.js";
export { attachQueuePair } from "./worker/worker-handle.js";
