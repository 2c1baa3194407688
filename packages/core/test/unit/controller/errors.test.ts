// Bad input is rejected before anything reaches the device; NVMe errors arrive typed, with names;
// a full queue is back-pressure; retryable statuses are retried per transportRetryCount.

import { ENOMEM, InvalidArgumentError, NvmeStatusError, StateError } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { attachInThread, GenericSc, MediaSc, NvmOpc, nvmeStatus, Sct } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pattern, rejects } from "./harness.js";

test("bad input is a typed error and nothing is submitted", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(4096);
  const cases: [() => unknown, string, RegExp][] = [
    [() => ns.cmdRead(qp, buf.bytes, ns.numSectors - 1, 2, null, null), "lba", /past the end of namespace 1/],
    [() => ns.cmdRead(qp, buf.bytes, -1, 1, null, null), "lba", /non-negative/],
    [() => ns.cmdRead(qp, buf.bytes, 0, 0, null, null), "count", /whole number/],
    [() => ns.cmdRead(qp, buf.bytes, 0, 1.5, null, null), "count", /whole number/],
    [() => ns.cmdRead(qp, new Uint8Array(4096), 0, 8, null, null), "buffer", /not in DMA memory/],
    [
      () => ns.cmdRead(qp, buf.bytes.subarray(0, 1000), 0, 2, null, null),
      "buffer",
      /holds 1000 bytes, the command needs 1024/,
    ],
    [() => ns.cmdRead(qp, buf.bytes.subarray(2, 514), 0, 1, null, null), "buffer", /4-byte boundary/],
    [() => ns.cmdRead(qp, buf.bytes, 0, 1, null, null, 0x1), "ioFlags", /outside 31:26/],
    [
      () => ns.cmdWriteWithMd(qp, buf.bytes, buf.bytes, 0, 1, null, null, 0, 0, 0),
      "metadata",
      /no separate metadata/,
    ],
    [() => ns.cmdDatasetManagement(qp, 4, [], null, null), "ranges", /1 to 256/],
    [
      () => ns.cmdReservationReport(qp, buf.bytes.subarray(0, 10), false, null, null),
      "payload",
      /at least 24/,
    ],
  ];
  device.clearLogs();
  for (const [fn, argument, message] of cases) {
    try {
      fn();
      assert.unreachable(`accepted bad ${argument}`);
    } catch (e) {
      assert.instance(e, InvalidArgumentError);
      assert.equal((e as InvalidArgumentError).argument, argument);
      assert.match((e as Error).message, message);
    }
  }
  assert.equal(device.commands.length, 0, "nothing reached the device");
  assert.equal(qp.freeRequests, ctrlr.options.ioQueueRequests, "no request leaked");
  await rejects(() => ctrlr.updateFirmware(new Uint8Array(5), 1), /multiple of 4/);
  await rejects(() => driver.connect("trtype:SOFT traddr:soft0", { ioQueueSize: 0 }), /ioQueueSize/);
  await driver.detach(ctrlr);
});

test("a closed qpair and a detached controller refuse commands with StateError", async () => {
  const { driver, ctrlr } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  await ctrlr.freeIoQpair(qp);
  assert.throws(
    () => ns.cmdRead(qp, buf.bytes, 0, 1, null, null),
    (e: unknown) => e instanceof StateError && /closed/.test((e as Error).message),
  );
  const qp2 = await ctrlr.allocIoQpair();
  await driver.detach(ctrlr);
  assert.throws(
    () => ns.cmdRead(qp2, buf.bytes, 0, 1, null, null),
    (e: unknown) => e instanceof StateError && /detached/.test((e as Error).message),
  );
  await rejects(() => ctrlr.allocIoQpair(), /detached/);
});

test("a full request pool is back-pressure: -ENOMEM, then success once completions free requests", async () => {
  const { driver, ctrlr } = await attachInThread({}, { ioQueueSize: 4, ioQueueRequests: 4 });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  let done = 0;
  const cb = (): void => {
    done++;
  };
  for (let i = 0; i < 4; i++) assert.equal(ns.cmdRead(qp, buf.bytes, 0, 1, cb, null), 0);
  assert.equal(ns.cmdRead(qp, buf.bytes, 0, 1, cb, null), -ENOMEM);
  while (done < 4) qp.processCompletions();
  assert.equal(ns.cmdRead(qp, buf.bytes, 0, 1, cb, null), 0);
  while (done < 5) qp.processCompletions();
  // The Promise face waits for a free request instead of failing.
  const many = Array.from({ length: 20 }, (_, i) => ns.read(qp, buf.bytes, i, 1));
  await Promise.all(many);
  await driver.detach(ctrlr);
});

test("more requests than ring entries: the extra ones wait in software and all complete in order", async () => {
  const { driver, ctrlr, device } = await attachInThread({}, { ioQueueSize: 4, ioQueueRequests: 16 });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const order: number[] = [];
  const cb = (lba: number): void => {
    order.push(lba);
  };
  for (let i = 0; i < 16; i++) assert.equal(ns.cmdRead(qp, buf.bytes, i, 1, cb, i), 0);
  qp.flush(); // delayed doorbell (the default): the device sees the posted commands from here
  assert.equal(device.commandsOn(qp.id).length, 3, "depth 4 holds 3 commands");
  while (order.length < 16) qp.processCompletions();
  assert.equal(order, [...Array(16).keys()]);
  await driver.detach(ctrlr);
});

test("a media error arrives as NvmeStatusError with its spec name, and the queue keeps working", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  device.failLba(1, 77, nvmeStatus(Sct.Media, MediaSc.UnrecoveredReadError, { dnr: true }));
  const err = await rejects(() => ns.read(qp, buf.bytes, 77, 1), /Unrecovered Read Error/);
  assert.instance(err, NvmeStatusError);
  const s = err as NvmeStatusError;
  assert.equal([s.sct, s.sc, s.dnr, s.retryable], [2, 0x81, true, false]);
  await ns.read(qp, buf.bytes, 78, 1);
  await driver.detach(ctrlr);
});

test("compare that mismatches fails with Compare Failure (SCT 2h, SC 85h)", async () => {
  const { driver, ctrlr } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  pattern(buf.bytes, 1);
  await ns.write(qp, buf.bytes, 3, 1);
  buf.bytes[100]! ^= 0xff;
  const err = (await rejects(() => ns.compare(qp, buf.bytes, 3, 1), /Compare Failure/)) as NvmeStatusError;
  assert.equal([err.sct, err.sc], [2, 0x85]);
  await driver.detach(ctrlr);
});

test("a retryable status is retried up to transportRetryCount times; DNR is never retried", async () => {
  const { driver, ctrlr, device } = await attachInThread({}, { transportRetryCount: 2 });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const notReady = nvmeStatus(Sct.Generic, GenericSc.NamespaceNotReady);
  device.failLba(1, 5, notReady, 2);
  await ns.read(qp, buf.bytes, 5, 1);
  assert.equal(
    device.commandsOn(qp.id).filter((c) => c.opcode === NvmOpc.Read).length,
    3,
    "two failures, then success",
  );
  device.clearLogs();
  device.failLba(1, 6, notReady, 3);
  await rejects(() => ns.read(qp, buf.bytes, 6, 1), /Namespace Not Ready/);
  assert.equal(device.commandsOn(qp.id).length, 3, "first try plus 2 retries");
  device.clearLogs();
  device.failLba(1, 7, nvmeStatus(Sct.Generic, GenericSc.NamespaceNotReady, { dnr: true }), 1);
  await rejects(() => ns.read(qp, buf.bytes, 7, 1), /DNR/);
  assert.equal(device.commandsOn(qp.id).length, 1);
  await driver.detach(ctrlr);
});

test("one failed child fails its split parent once, with the child's status", async () => {
  const { driver, ctrlr, device } = await attachInThread({ mdts: 1 }); // 8 KiB
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(64 * 512);
  device.failLba(1, 40, nvmeStatus(Sct.Media, MediaSc.WriteFault, { dnr: true }));
  const calls: number[] = [];
  ns.cmdWrite(qp, buf.bytes, 0, 64, (_a: null, cpl: Completion) => calls.push(cpl.status), null);
  while (calls.length === 0) qp.processCompletions();
  qp.processCompletions();
  assert.equal(calls.length, 1, "the callback ran once");
  assert.equal(calls[0]! & 0xff, MediaSc.WriteFault);
  assert.equal(device.commandsOn(qp.id).length, 4, "64 blocks in 16-block children");
  assert.equal(qp.freeRequests, ctrlr.options.ioQueueRequests, "parent and children returned");
  await driver.detach(ctrlr);
});

test.run();
