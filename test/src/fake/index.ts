/**
 * The fake NVMe transport for tests: the soft controller model of @nvmekit/softnvme, in this thread,
 * reached through the core's transport-plugin contract, recording every command and register write,
 * with fault injection. The model's spec vocabulary is re-exported for the tests' convenience.
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

export {
  AdminOpc,
  AsyncEventType,
  Cns,
  type CommandRecord,
  DmaArena,
  type DmaArenaOptions,
  DmaFault,
  type FaultAction,
  type FaultHandle,
  type FaultMatch,
  Fid,
  GenericSc,
  LBA_FORMATS,
  type LbaFormat,
  Lid,
  MediaSc,
  NvmOpc,
  nvmeStatus,
  Reg,
  type RegisterWrite,
  resolveData,
  resolvePrps,
  resolveSgl,
  Sct,
  type SglDescriptor,
  SoftNamespace as FakeNamespace,
  type SoftNamespaceOptions as FakeNamespaceOptions,
  SpecificSc,
  statusDnr,
  statusSc,
  statusSct,
  type Transfer,
} from "@nvmekit/softnvme";
export { FakeConnection } from "./fake-connection.js";
export { FakeController, type FakeControllerOptions } from "./fake-controller.js";
export { FakeQueuePort, type QueueRings } from "./fake-queue-port.js";
export {
  type ConnectCall,
  FAKE_TRANSPORT_NAME,
  FakeTransport,
  type FakeTransportOptions,
  fakeTransportModule,
} from "./fake-transport.js";
