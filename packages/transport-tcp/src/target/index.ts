/**
 * The built-in NVMe/TCP target (for tests and development): {@link NvmeTcpTarget} and its events.
 * @module
 */
export type {
  ConnectionClosedEvent,
  ConnectionOpenedEvent,
  ConnectRejectedEvent,
  ControllerCreatedEvent,
  ControllerDestroyedEvent,
  ProtocolErrorEvent,
  QueueConnectedEvent,
  TargetErrorEvent,
  TargetEvent,
} from "./events.js";
export {
  DEFAULT_IN_CAPSULE_DATA_SIZE,
  DEFAULT_MAX_H2C_DATA,
  DEFAULT_MAX_IO_QUEUES,
  DEFAULT_MAX_QUEUE_ENTRIES,
  DEFAULT_TARGET_SUBNQN,
  NvmeTcpTarget,
  type NvmeTcpTargetOptions,
  type TargetAddress,
} from "./target.js";
