/**
 * @nvmekit/core: the transport-agnostic NVMe host, as an application uses it (SPDK's nvme.h).
 * Load {@link coreModule} and one or more transport modules into an inversify Container, get
 * {@link NvmeDriver} from it, connect or probe controllers, allocate queue pairs and do I/O through
 * {@link Namespace}. Wire formats (commands, completions, Identify, log pages, features, status
 * codes) are at `@nvmekit/core/nvme-spec`; what a transport plugin needs is at
 * `@nvmekit/core/transport`.
 * @module
 */
import "reflect-metadata";

export * from "./ctrlr/controller.js";
export * from "./ctrlr/state.js";
export type { NextSgeCallback, ResetSglCallback, SgeOut } from "./dataptr/payload.js";
export type { DmaAllocator, DmaBuffer, IoVec } from "./dma/dma-memory.js";
export * from "./driver.js";
export * from "./errors/errno.js";
export * from "./errors/errors.js";
export { ConnectRejectedError } from "./fabrics/queue-connect.js";
export * from "./memdomain/index.js";
export * from "./module.js";
export type { ExtIoOptions } from "./ns/io-ext.js";
export * from "./ns/io-flags.js";
export * from "./ns/namespace.js";
export type { DiscoveryLog, DiscoveryLogEntry } from "./nvme-spec/discovery-log.js";
export { NvmeStatusError } from "./nvme-spec/status-error.js";
export type { ZnsIdentifyNamespace, ZoneDescriptor, ZoneReport, ZoneReportOptions } from "./nvme-spec/zns.js";
export { ZoneReportFilter, ZoneSendAction, ZoneState, zoneAppendResultLba } from "./nvme-spec/zns.js";
export * from "./options/controller-options.js";
export * from "./options/host-identity.js";
export * from "./qpair/poller.js";
export * from "./qpair/queue-pair.js";
export type { CommandCallback } from "./rq/request.js";
export * from "./shared-controllers.js";
export { QueuePriority } from "./transport/contract.js";
export * from "./trid/namespace-path.js";
export * from "./trid/pci-address.js";
export * from "./trid/transport-id.js";
export type { AttachedQueuePair, ExportedQueuePair, WorkerQueuePairHandle } from "./worker/worker-handle.js";
export { WORKER_ACK_TIMEOUT_MS } from "./worker/worker-queues.js";
