/**
 * The software controller in this thread, reached through the core's transport-plugin contract
 * (`trtype:SOFT`): no worker, no PCI-device port, every command and register write recorded, with
 * fault injection. For tests of the host side that want to see exactly what the controller saw.
 *
 * ```ts
 * const transport = new InThreadTransport(); // hosts "soft0" and "soft1"
 * container.load(coreModule, inThreadTransportModule(transport));
 * const ctrl = await container.get(NvmeDriver).connect("trtype:SOFT traddr:soft0");
 * const soft = transport.controller("soft0");
 * soft.commands;        // every command: { qid, dwords, opcode, cid, nsid, data, completion, ... }
 * soft.registerWrites;  // every register write: { offset, value, width }
 * soft.failLba(1, 8, nvmeStatus(Sct.Media, MediaSc.UnrecoveredReadError), 1);
 * soft.raiseAsyncEvent(AsyncEventType.Notice, 0x00, Lid.ChangedNamespaceList);
 * ```
 * @module
 */
export {
  type AttachedInThreadRig,
  attachInThread,
  EMBEDDED_SOFT_TRID,
  embeddedSoftRig,
  type InThreadRig,
  inThreadRig,
} from "./attach.js";
export { InThreadConnection } from "./in-thread-connection.js";
export { InThreadController, type InThreadControllerOptions } from "./in-thread-controller.js";
export { InThreadQueuePort, type QueueRings } from "./in-thread-queue-port.js";
export {
  type ConnectCall,
  IN_THREAD_TRANSPORT_NAME,
  InThreadTransport,
  type InThreadTransportOptions,
  inThreadTransportModule,
} from "./in-thread-transport.js";
