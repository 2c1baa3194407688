// Probe, asynchronous events, time-outs and abort, reset, hot removal, and the admin command set,
// through the in-thread transport: a plugin the core has never heard of.
import {
  type AsyncEvent,
  type Controller,
  ControllerState,
  ENXIO,
  PROBE_ATTACH_FAILED,
  type ProbeEvent,
  type QueuePair,
  TransportType,
} from "@nvmekit/core";
import { type Completion, FeatureId, LogPageId } from "@nvmekit/core/nvme-spec";
import { AsyncEventType, attachInThread, GenericSc, inThreadRig, NvmOpc } from "@nvmekit/softnvme";
import { firstValueFrom, lastValueFrom, take, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rejects } from "./harness.js";

test("probe calls probe/attach per controller with default options, and skips ones already attached", async () => {
  const { driver, transport } = inThreadRig();
  transport.addController("soft9", { serial: "NINE" });
  const seen: string[] = [];
  const attached: Controller[] = [];
  const n = await driver.probe(undefined, {
    probe: (trid, opts) => {
      seen.push(trid.traddr);
      opts.numIoQueues = 2;
      return trid.traddr !== "soft9";
    },
    attach: (_trid, c, opts) => {
      attached.push(c);
      assert.equal(opts.numIoQueues, 2, "the options the probe callback asked for, as negotiated");
    },
  });
  assert.equal(seen, ["soft0", "soft9"]);
  assert.equal(n, 1);
  assert.equal(attached[0]!.trid.trtype, TransportType.Custom);
  assert.equal(attached[0]!.trid.trstring, "SOFT");
  assert.equal(await driver.probe(undefined, {}), 1, "soft9 now; soft0 is already attached");
  await driver.detachAll();
});

test("probe reports a controller that fails to attach and goes on with the others", async () => {
  const { driver, transport } = inThreadRig();
  transport.addController("soft5", { serial: "FIVE" });
  transport.addController("soft9", { serial: "NINE" });
  // soft5 refuses Identify: its initialisation fails.
  transport.controller("soft5").failCommands({ qid: 0, opcode: 0x06 }, GenericSc.InvalidField);
  const attached: string[] = [];
  const failed: [string, string][] = [];
  const n = await driver.probe(undefined, {
    attach: (trid) => attached.push(trid.traddr),
    attachFail: (trid, error) => failed.push([trid.traddr, error.message]),
  });
  assert.is(n, 2);
  assert.equal(attached, ["soft0", "soft9"]);
  assert.equal(failed.length, 1);
  assert.is(failed[0]![0], "soft5");
  assert.match(failed[0]![1], /Invalid Field/i);
  assert.equal(
    driver.controllers.map((c) => c.trid.traddr),
    ["soft0", "soft9"],
    "nothing of the failed controller stays attached",
  );
  await driver.detachAll();

  // No attachFail: a process warning with its code, and the others still attach.
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    assert.is(await driver.probe(undefined), 2);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.off("warning", onWarning);
  }
  assert.equal(
    warnings.map((w) => (w as Error & { code?: string }).code),
    [PROBE_ATTACH_FAILED],
  );
  assert.match(warnings[0]!.message, /soft5/);

  // probe$: an attachFail event in the stream.
  await driver.detachAll();
  const events = await lastValueFrom(driver.probe$("trtype:SOFT").pipe(take(3), toArray()));
  assert.equal(
    events.map((e) => [e.type, e.trid.traddr]),
    [
      ["attach", "soft0"],
      ["attachFail", "soft5"],
      ["attach", "soft9"],
    ],
  );
  await driver.detachAll();
});

test("probe$ emits attach events, and a remove event when the device disappears", async () => {
  const { driver, transport } = inThreadRig();
  const events: ProbeEvent[] = [];
  const sub = driver.probe$("trtype:SOFT").subscribe((e) => events.push(e));
  while (events.length < 1) await new Promise((r) => setTimeout(r, 5));
  const first = events[0]!;
  if (first.type === "attachFail") throw first.error;
  const ctrlr = first.controller;
  const qp = await ctrlr.allocIoQpair();
  const ns = ctrlr.getNamespace(1)!;
  const buf = ctrlr.allocBuffer(512);
  transport.controller("soft0").holdCompletions(qp.id);
  const pending = ns.read(qp, buf.bytes, 0, 1);
  transport.controller("soft0").surpriseRemove();
  await rejects(() => pending, /Abort/);
  assert.equal(events[1]?.type, "remove");
  assert.equal(ctrlr.state, ControllerState.Removed);
  assert.throws(() => ns.cmdRead(qp, buf.bytes, 0, 1, null, null), /closed|removed/);
  sub.unsubscribe();
  await driver.detachAll();
});

test("an asynchronous event reaches the AER callback and aer$, and the request is re-armed", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const before = device.outstandingAsyncEventRequests;
  const viaCallback: number[] = [];
  ctrlr.registerAerCallback((_a: null, cpl: Completion) => viaCallback.push(cpl.cdw0), null);
  const next = firstValueFrom(ctrlr.aer$);
  device.raiseAsyncEvent(AsyncEventType.SmartHealth, 0x01, LogPageId.SmartHealth);
  ctrlr.processAdminCompletions();
  const event: AsyncEvent = await next;
  assert.equal([event.type, event.info, event.logPageId], [1, 1, 2]);
  assert.equal(viaCallback, [event.cdw0]);
  assert.equal(device.outstandingAsyncEventRequests, before, "re-armed");
  await driver.detach(ctrlr);
});

test("callback-face admin and AER callbacks run only inside processAdminCompletions; the Promise face needs no polling", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const calls: string[] = [];
  const note = (what: string): void => void calls.push(what);
  ctrlr.registerAerCallback((_a: null, cpl: Completion) => note(`aer ${cpl.cdw0 & 7}`), null);
  assert.is(ctrlr.cmdGetFeature(FeatureId.Arbitration, 0, null, note, "get"), 0);
  // The Promise face completes from its own polling, which also finds the callback-face completion.
  assert.is(await ctrlr.setFeature(FeatureId.TemperatureThreshold, 310), 0);
  let emitted = 0;
  const sub = ctrlr.aer$.subscribe(() => emitted++);
  device.raiseAsyncEvent(AsyncEventType.SmartHealth, 0x01, LogPageId.SmartHealth);
  // Found by the admin poller's idle tick (unref'd: this loop keeps the process up meanwhile).
  while (emitted === 0) await new Promise((r) => setTimeout(r, 10));
  sub.unsubscribe();
  await new Promise((r) => setTimeout(r, 150)); // another idle tick or more
  assert.equal(calls, [], "no callback-face callback ran outside processAdminCompletions");
  const before = device.outstandingAsyncEventRequests;
  assert.is(ctrlr.processAdminCompletions(), 2, "the two kept callbacks count as processed");
  assert.equal(calls, ["get", "aer 1"], "in completion order");
  assert.is(device.outstandingAsyncEventRequests, before, "the AER was re-armed before, by the timer");
  assert.is(ctrlr.processAdminCompletions(), 0);
  // A kept callback runs from detach when the application never polls again.
  assert.is(ctrlr.cmdGetFeature(FeatureId.Arbitration, 0, null, note, "last"), 0);
  await ctrlr.getFeature(FeatureId.Arbitration);
  assert.equal(calls.length, 2);
  await driver.detach(ctrlr);
  assert.equal(calls, ["get", "aer 1", "last"]);
});

test("an AER the controller completes with an error is reported to the AER callback and aer$, and re-armed", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const before = device.outstandingAsyncEventRequests;
  const viaCallback: [boolean, number][] = [];
  ctrlr.registerAerCallback((_a: null, cpl: Completion) => viaCallback.push([cpl.isError, cpl.sc]), null);
  const events = firstValueFrom(ctrlr.aer$.pipe(take(2), toArray()));
  // The next AER the controller fetches (the re-armed one) fails with Internal Error.
  device.failCommands({ qid: 0, opcode: 0x0c }, GenericSc.InternalError, 1);
  device.raiseAsyncEvent(AsyncEventType.SmartHealth, 0x01, LogPageId.SmartHealth);
  while (viaCallback.length < 2) ctrlr.processAdminCompletions();
  assert.equal(viaCallback, [
    [false, 0],
    [true, GenericSc.InternalError],
  ]);
  assert.equal(
    (await events).map((e) => e.status),
    [0, GenericSc.InternalError],
  );
  assert.equal(device.outstandingAsyncEventRequests, before, "re-armed after the error too");
  await driver.detach(ctrlr);
  assert.equal(viaCallback.length, 2, "the AERs detach aborts are not reported");
});

test("processCompletions and processAdminCompletions return -ENXIO while resetting, once failed, once removed", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const qp = await ctrlr.allocIoQpair();
  assert.is(qp.processCompletions(), 0);
  assert.is(ctrlr.processAdminCompletions(), 0);
  const reset = ctrlr.reset();
  assert.is(qp.processCompletions(), -ENXIO, "resetting");
  assert.is(ctrlr.processAdminCompletions(), -ENXIO, "resetting");
  await reset;
  assert.is(qp.processCompletions(), 0, "ready again");
  assert.is(ctrlr.processAdminCompletions(), 0);
  // A reset whose re-initialisation fails leaves the controller failed.
  device.failCommands({ qid: 0, opcode: 0x06 }, GenericSc.InternalError, 1);
  await rejects(() => ctrlr.reset(), /Internal Error/i);
  assert.is(ctrlr.state, ControllerState.Failed);
  assert.is(qp.processCompletions(), -ENXIO, "failed");
  assert.is(ctrlr.processAdminCompletions(), -ENXIO, "failed");
  await driver.detach(ctrlr);

  const other = await attachInThread();
  const qp2 = await other.ctrlr.allocIoQpair();
  other.device.surpriseRemove();
  assert.is(qp2.processCompletions(), -ENXIO, "removed");
  assert.is(other.ctrlr.processAdminCompletions(), -ENXIO, "removed");
  await other.driver.detach(other.ctrlr);
});

test("a command held past the time limit reaches the timeout callback and timeout$; abort completes it", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const timeouts: [QueuePair | null, number][] = [];
  const record = (_a: null, _c: Controller, q: QueuePair | null, cid: number): void => {
    timeouts.push([q, cid]);
  };
  // The limit is in seconds, as the seed's timeout_sec: 1 is a second, not a millisecond.
  ctrlr.registerTimeoutCallback(1, record, null);
  const viaRx = firstValueFrom(ctrlr.timeout$);
  device.injectFault({ qid: qp.id, opcode: NvmOpc.Read }, { kind: "hold" }, 1);
  const read = ns.read(qp, buf.bytes, 0, 1);
  await new Promise((r) => setTimeout(r, 100)); // the read's poller scans for timeouts meanwhile
  assert.equal(timeouts, [], "not timed out after 100 ms of a 1 s limit");
  ctrlr.registerTimeoutCallback(0.02, record, null);
  const t = await viaRx;
  assert.equal(t.qpair, qp);
  assert.equal(timeouts, [[qp, t.cid]]);
  const result = await ctrlr.abort(qp, t.cid);
  assert.equal(result & 1, 0, "DW0 bit 0 clear: the command was aborted");
  await rejects(() => read, /Abort Requested|Command Abort/i);
  assert.throws(() => ctrlr.registerTimeoutCallback(-1, record, null), /timeoutSec/);
  assert.throws(() => ctrlr.registerTimeoutCallback(Number.NaN, record, null), /timeoutSec/);
  await driver.detach(ctrlr);
});

test("reset: in-flight I/O completes once with an abort status; the qpair works afterwards", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const states = lastValueFrom(ctrlr.state$.pipe(take(4), toArray()));
  device.holdCompletions(qp.id);
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++)
    ns.cmdRead(qp, buf.bytes, i, 1, (_a: null, cpl: Completion) => statuses.push(cpl.status), null);
  await ctrlr.reset();
  assert.equal(statuses.length, 3, "each in-flight command completed exactly once");
  assert.ok(statuses.every((s) => (s & 0xff) === GenericSc.AbortedSqDeletion));
  assert.equal((await states).slice(0, 2), [ControllerState.Ready, ControllerState.Resetting]);
  assert.equal(ctrlr.state, ControllerState.Ready);
  await ns.write(qp, buf.bytes, 9, 1);
  await ns.read(qp, buf.bytes, 9, 1);
  qp.processCompletions();
  assert.equal(statuses.length, 3, "nothing completed twice");
  assert.equal(device.diagnostics, []);
  await driver.detach(ctrlr);
});

test("log pages, features, namespace management and the firmware error path", async () => {
  const { driver, ctrlr, device } = await attachInThread({ temperature: 321 });
  const smart = await ctrlr.getLogPage(LogPageId.SmartHealth, 0xffffffff, 512);
  assert.equal(smart[1]! | (smart[2]! << 8), 321, "composite temperature in Kelvin at bytes 2:1");
  const get = device.commandsOn(0).at(-1)!;
  assert.equal(get.dwords[10], (LogPageId.SmartHealth | (127 << 16)) >>> 0, "LID 02h, NUMDL = 512/4 - 1");
  await ctrlr.setFeature(FeatureId.TemperatureThreshold, 300);
  assert.equal((await ctrlr.getFeature(FeatureId.TemperatureThreshold)) & 0xffff, 300);
  await ctrlr.setFeature(FeatureId.VolatileWriteCache, 0);
  assert.equal(await ctrlr.getFeature(FeatureId.VolatileWriteCache), 0);
  const nsid = await ctrlr.createNamespace({
    nsze: 256n,
    ncap: 200n,
    flbas: 0,
    dps: 0,
    nmic: 1,
    anagrpid: 0x01020304,
    nvmsetid: 0x0506,
    endgid: 0x0708,
  });
  const created = device
    .commandsOn(0)
    .filter((c) => c.opcode === 0x0d)
    .at(-1)!;
  const sent = new DataView(created.data!.buffer, created.data!.byteOffset, 4096);
  assert.equal(
    [
      sent.getBigUint64(0, true),
      sent.getBigUint64(8, true),
      sent.getUint8(30),
      sent.getUint32(92, true),
      sent.getUint16(100, true),
      sent.getUint16(102, true),
    ],
    [256n, 200n, 1, 0x01020304, 0x0506, 0x0708],
    "NSZE, NCAP, NMIC, ANAGRPID, NVMSETID, ENDGID at their Identify Namespace offsets",
  );
  // The whole structure, as SPDK's caller gives a struct spdk_nvme_ns_data: sent byte for byte.
  const whole = new Uint8Array(4096);
  new DataView(whole.buffer).setBigUint64(0, 64n, true);
  new DataView(whole.buffer).setBigUint64(8, 64n, true);
  whole[384] = 0xa5; // a byte no field above covers
  const second = await ctrlr.createNamespace(whole);
  assert.equal(
    device
      .commandsOn(0)
      .filter((c) => c.opcode === 0x0d)
      .at(-1)!.data,
    whole,
  );
  await ctrlr.deleteNamespace(second);
  await rejects(() => ctrlr.createNamespace(new Uint8Array(4100)), /at most 4096/);
  await ctrlr.attachNamespace(nsid);
  assert.ok(ctrlr.activeNamespaceIds().includes(nsid));
  await ctrlr.detachNamespace(nsid);
  assert.ok(!ctrlr.activeNamespaceIds().includes(nsid));
  await ctrlr.deleteNamespace(nsid);
  await ctrlr.format(1, { lbaf: ctrlr.getNamespace(2)!.data.formattedLbaIndex });
  assert.equal(ctrlr.getNamespace(1)!.sectorSize, 4096, "re-identified after format");
  await rejects(() => ctrlr.updateFirmware(new Uint8Array(4096), 9), /slot/);
  const states: ControllerState[] = [];
  const sub = ctrlr.state$.subscribe((st) => states.push(st));
  await ctrlr.updateFirmware(new Uint8Array(8192).fill(0x5a), 2);
  sub.unsubscribe();
  // As SPDK: the commit (activate at next reset) is followed by a reset, so the new image runs.
  assert.ok(states.includes(ControllerState.Resetting), `reset after the commit: ${states}`);
  assert.is(states.at(-1), ControllerState.Ready);
  assert.is(device.activeFirmwareSlot, 2);
  assert.is(
    ctrlr.data.fr.trim(),
    "ZZZZZZZZ",
    "the identify data read after the reset shows the new revision",
  );
  const fw = device.commandsOn(0).filter((c) => c.opcode === 0x11 || c.opcode === 0x10);
  assert.equal(
    fw.map((c) => [c.opcode, c.dwords[10], c.dwords[11]]),
    [
      [0x11, 1023, 0],
      [0x11, 1023, 1024],
      [0x10, 2 | (1 << 3), 0],
    ],
    "NUMD 0's based, OFST in dwords; commit slot 2 action 001b",
  );
  await driver.detach(ctrlr);
});

test("Get Log Page and Get/Set Features take ordinary memory through a copy; DMA memory stays zero-copy", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const lastGetLog = () =>
    device
      .commandsOn(0)
      .filter((c) => c.opcode === 0x02)
      .at(-1)!;
  const prp1 = (): number => lastGetLog().dwords[6]! + lastGetLog().dwords[7]! * 0x1_0000_0000;
  const done = { n: 0 };
  const count = (d: typeof done): void => void d.n++;
  const runAdmin = (submit: () => number): void => {
    const before = done.n;
    assert.is(submit(), 0);
    while (done.n === before) ctrlr.processAdminCompletions();
  };

  // Firmware Slot log: the device's bytes land in an ordinary Uint8Array, and in DMA memory in place.
  const plain = new Uint8Array(512).fill(0xee);
  runAdmin(() => ctrlr.cmdGetLogPage(LogPageId.FirmwareSlot, 0xffffffff, plain, 0, count, done));
  const fromDevice = lastGetLog().data!;
  assert.equal(plain, fromDevice, "copied back into the caller's memory");
  const dma = ctrlr.allocBuffer(512);
  runAdmin(() => ctrlr.cmdGetLogPage(LogPageId.FirmwareSlot, 0xffffffff, dma.bytes, 0, count, done));
  assert.is(prp1(), dma.iova, "DMA memory: PRP1 is the caller's buffer");
  assert.equal(dma.bytes, plain);
  // DMA memory that is not dword-aligned is copied rather than refused.
  const unaligned = ctrlr.allocBuffer(520).bytes.subarray(2, 514);
  runAdmin(() => ctrlr.cmdGetLogPage(LogPageId.FirmwareSlot, 0xffffffff, unaligned, 0, count, done));
  assert.equal(unaligned, plain);

  // Host Identifier: Set copies the caller's bytes in at submission, Get copies the result out.
  const hostId = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.is(ctrlr.cmdSetFeature(FeatureId.HostIdentifier, 0, 0, hostId, count, done), 0);
  hostId.fill(0); // the copy was taken in the call: this does not reach the device
  while (done.n < 4) ctrlr.processAdminCompletions();
  assert.equal([...device.features.hostId], [1, 2, 3, 4, 5, 6, 7, 8]);
  const back = new Uint8Array(new ArrayBuffer(12), 4, 8); // any view, at any offset
  runAdmin(() => ctrlr.cmdGetFeature(FeatureId.HostIdentifier, 0, back, count, done));
  assert.equal([...back], [1, 2, 3, 4, 5, 6, 7, 8]);
  // The Promise face takes ordinary memory too.
  assert.is(await ctrlr.setFeature(FeatureId.HostIdentifier, 0, 0, new Uint16Array([0x0a09, 0, 0, 0])), 0);
  assert.equal([...device.features.hostId], [9, 10, 0, 0, 0, 0, 0, 0]);
  await driver.detach(ctrlr);
});

test("keep-alive: Keep Alive commands flow while the application does nothing", async () => {
  const { driver, ctrlr, device } = await attachInThread({}, { keepAliveTimeoutMs: 200 });
  assert.equal(ctrlr.options.keepAliveTimeoutMs, 200);
  await new Promise((r) => setTimeout(r, 350));
  assert.ok(device.keepAlives >= 2, `saw ${device.keepAlives} keep-alives in 350 ms`);
  await driver.detach(ctrlr);
});

test.run();
