/**
 * The fake NVMe transport for tests: an in-process controller model reached through the core's
 * transport-plugin contract, recording every command and register write, with fault injection.
 *
 * ```ts
 * const transport = new FakeTransport(); // hosts "fake0" and "fake1"
 * await container.load(coreModule, fakeTransportModule(transport));
 * const ctrl = await container.get(NvmeDriver).connect("trtype:FAKE traddr:fake0");
 * const fake = transport.controller("fake0");
 * fake.commands;        // every command: { qid, dwords, opcode, cid, nsid, data, completion, ... }
 * fake.registerWrites;  // every register write: { offset, value, width }
 * fake.failLba(1, 8, nvmeStatus(Sct.Media, MediaSc.UnrecoveredReadError), 1);
 * fake.raiseAsyncEvent(AsyncEventType.Notice, 0x00, Lid.ChangedNamespaceList);
 * ```
 * @module
 */

export type { CommandRecord, RegisterWrite } from "./command-log.js";
export { resolveData, resolvePrps, resolveSgl, type SglDescriptor, type Transfer } from "./data-pointer.js";
export { DmaArena, type DmaArenaOptions, DmaFault } from "./dma-arena.js";
export { FakeConnection } from "./fake-connection.js";
export { FakeController, type FakeControllerOptions } from "./fake-controller.js";
export { FakeNamespace, type FakeNamespaceOptions, LBA_FORMATS, type LbaFormat } from "./fake-namespace.js";
export { FakeQueuePort, type QueueRings } from "./fake-queue-port.js";
export {
  type ConnectCall,
  FAKE_TRANSPORT_NAME,
  FakeTransport,
  type FakeTransportOptions,
  fakeTransportModule,
} from "./fake-transport.js";
export type { FaultAction, FaultHandle, FaultMatch } from "./faults.js";
export {
  AdminOpc,
  AsyncEventType,
  Cns,
  Fid,
  GenericSc,
  Lid,
  MediaSc,
  NvmOpc,
  nvmeStatus,
  Reg,
  Sct,
  SpecificSc,
  statusDnr,
  statusSc,
  statusSct,
} from "./nvme-raw.js";
