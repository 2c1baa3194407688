/**
 * NVMe/TCP for nvmekit: the host transport (trtype TCP) over node:net, and a built-in target that
 * serves a controller's namespaces over NVMe/TCP for tests and first tries.
 * @module
 */
export { PlainMemory } from "./host/plain-memory.js";
export { TcpConnection } from "./host/tcp-connection.js";
export { TcpQueuePort, type TcpQueueSettings } from "./host/tcp-queue-port.js";
export { TcpTransport } from "./host/tcp-transport.js";
export { attachTcpWorkerQueuePair, type TcpQueueHandle } from "./host/worker-queue.js";
export { tcpTransportModule } from "./module.js";
export * from "./pdu/index.js";
export * from "./target/index.js";
