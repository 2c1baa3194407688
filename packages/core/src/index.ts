/**
 * @nvmekit/core: the transport-agnostic NVMe host. Wire formats, transport IDs, the transport
 * plugin contract and registry, controllers, namespaces, queue pairs and request trackers.
 * Load {@link coreModule} and one or more transport modules into an inversify Container, then
 * get {@link NvmeDriver} from it.
 * @module
 */
import "reflect-metadata";

export * from "./ctrlr/controller.js";
export * from "./ctrlr/options.js";
export * from "./ctrlr/state.js";
export { WORKER_ACK_TIMEOUT_MS } from "./ctrlr/worker-queues.js";
export * from "./dataptr/prp.js";
export * from "./dataptr/sgl.js";
export * from "./dma.js";
export * from "./driver.js";
export * from "./errors.js";
export * from "./io/split.js";
export * from "./memdomain/index.js";
export * from "./module.js";
export { ENOMEM } from "./ns/io.js";
export type { ExtIoOptions } from "./ns/io-ext.js";
export * from "./ns/io-flags.js";
export * from "./ns/namespace.js";
export * from "./qpair/poller.js";
export * from "./qpair/queue-link.js";
export * from "./qpair/queue-pair.js";
export type { CommandCallback, NextSgeCallback, ResetSglCallback, SgeOut } from "./qpair/request.js";
export * from "./qpair/worker-handle.js";
export * from "./rq/pool.js";
export * from "./rq/tracker.js";
export * from "./spec/index.js";
export * from "./transport/contract.js";
export * from "./transport/registry.js";
export * from "./trid/pci-address.js";
export * from "./trid/transport-id.js";
