/**
 * NVMe over Fabrics on RDMA for nvmekit: the host transport (trtype RDMA) over libibverbs and
 * librdmacm, bound with koffi (no compiled addon). Load {@link rdmaTransportModule} next to core's
 * module and connect with `trtype:RDMA traddr:<address> trsvcid:4420 subnqn:<nqn>`.
 * @module
 */
export { RDMA_ADMIN_QUEUE_MAX, RdmaConnection, type RdmaConnectionSettings } from "./host/rdma-connection.js";
export { type PortVerbs, RdmaQueuePort, type RdmaQueueSettings } from "./host/rdma-queue-port.js";
export {
  DEFAULT_RDMA_MEMORY_BYTES,
  NVME_RDMA_PORT,
  RdmaTransport,
  type RdmaTransportOptions,
} from "./host/rdma-transport.js";
export {
  RegisteredMemory,
  RegisteredRange,
  type RegisteredRangeHandle,
} from "./host/registered-memory.js";
export { attachRdmaWorkerQueuePair, type RdmaQueueHandle, workerQueueBytes } from "./host/worker-queue.js";
export { rdmaTransportModule } from "./module.js";
export { type CallCounter, channelWaits, dataPathCalls } from "./native/data-path.js";
export { NativeBlock } from "./native/native-block.js";
export type { DeviceLimits } from "./native/verbs.js";
export {
  deregisterMemory,
  type MemoryRegion,
  RDMA_ACCESS_LOCAL_AND_REMOTE,
  registerMemory,
} from "./native/verbs.js";
