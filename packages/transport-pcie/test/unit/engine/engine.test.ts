// The PCIe queue engine's edge cases that need the software controller: a held completion's time-out
// and abort, reset with I/O held in the controller, surprise removal (fault injection), and an event
// loop that keeps running while the poller works (it counts 1 ms timer ticks, which the rig's
// emulated guest clock cannot promise). What
// runs on QEMU's controller as well is in the commands and workers scenarios (../../scenarios/).

import { ControllerState, NvmeStatusError } from "@nvmekit/core";
import { type Completion, GenericStatus } from "@nvmekit/core/nvme-spec";
import { firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachSoft } from "./harness.js";

test("a held completion times out, the timeout callback fires, and Abort ends it with Abort Requested", async () => {
  const { driver, ctrlr, device } = await attachSoft();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  ctrlr.registerTimeoutCallback(0.03, () => undefined, null); // seconds
  await device.control.holdCompletions(qp.id);
  // Settle into a value at once: the rejection arrives while the test awaits the abort.
  const read = ns.read(qp, buf.bytes, 0, 1).then(
    () => null,
    (e: unknown) => e,
  );
  const timedOut = await firstValueFrom(ctrlr.timeout$);
  assert.equal(timedOut.qpair, qp);
  await ctrlr.abort(qp, timedOut.cid);
  const error = await read;
  assert.instance(error, NvmeStatusError);
  assert.equal((error as NvmeStatusError).sc, GenericStatus.AbortRequested);
  await driver.detach(ctrlr);
});

test("reset with I/O held in the controller: each completes once with an abort status, then I/O resumes", async () => {
  const { driver, ctrlr, device } = await attachSoft();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  await device.control.holdCompletions(qp.id);
  const seen: number[] = [];
  for (let i = 0; i < 8; i++)
    ns.cmdRead(qp, buf.bytes, i, 1, (lba: number, _c: Completion) => seen.push(lba), i);
  await ctrlr.reset();
  qp.processCompletions();
  assert.equal(
    [...seen].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  await ns.read(qp, buf.bytes, 9, 1);
  assert.equal(ctrlr.state, ControllerState.Ready);
  await driver.detach(ctrlr);
});

test("surprise removal: outstanding I/O fails, the controller is Removed, new I/O is refused", async () => {
  const { driver, ctrlr, device } = await attachSoft();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  await device.control.holdCompletions(qp.id);
  const read = ns.read(qp, buf.bytes, 0, 1).then(
    () => null,
    (e: unknown) => e,
  );
  const removed = firstValueFrom(ctrlr.connection.removed$);
  await device.control.surpriseRemove();
  await removed;
  assert.instance(await read, NvmeStatusError, "the read failed with the removal");
  assert.equal(ctrlr.state, ControllerState.Removed);
  assert.throws(() => ns.cmdRead(qp, buf.bytes, 0, 1, null, null), /removed|closed/);
  await driver.detach(ctrlr);
});

test("the event loop keeps running while 32 I/Os stay in flight through the Promise face", async () => {
  const { driver, ctrlr } = await attachSoft();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(32 * 4096);
  // The lanes run until a chain of 20 timers has fired: a poller that starved the event loop would
  // never let the chain finish (the file's time limit would end it), and I/O must go on meanwhile.
  let ios = 0;
  const iosAtHop: number[] = [];
  const hops = new Promise<void>((resolve) => {
    const hop = () => {
      iosAtHop.push(ios);
      if (iosAtHop.length === 20) resolve();
      else setTimeout(hop, 1);
    };
    setTimeout(hop, 1);
  });
  let stop = false;
  void hops.then(() => {
    stop = true;
  });
  const lane = async (i: number): Promise<void> => {
    while (!stop) await ns.read(qp, buf.bytes.subarray(i * 4096, (i + 1) * 4096), (ios++ * 8) % 8000, 8);
  };
  await Promise.all(Array.from({ length: 32 }, (_, i) => lane(i)));
  assert.ok(iosAtHop[19]! > iosAtHop[0]! + 32, `I/O went on while the timers fired: ${iosAtHop.join(" ")}`);
  await driver.detach(ctrlr);
});

test.run();
