// Health while running: a controller fatal status (CSTS.CFS) or a device that reads all ones is
// noticed by polling alone (no removal event, no timeout), and every Promise-face command settles.
import { ControllerState, NvmeStatusError } from "@nvmekit/core";
import { attachInThread, GenericSc } from "@nvmekit/softnvme";
import { filter, firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("CSTS.CFS while I/O waits: the controller is disabled, fails, and every Promise settles with an abort", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(4096);
  device.holdCompletions(qp.id);
  const reads = [0, 1, 2, 3].map((lba) =>
    ns.read(qp, buf.bytes.subarray(lba * 512, lba * 512 + 512), lba, 1),
  );
  const adminCall = ctrlr.getFeature(0x07); // number of queues: completes normally before the failure
  await adminCall;
  device.fatal("injected by the test");
  const results = await Promise.allSettled(reads);
  assert.is(ctrlr.state, ControllerState.Failed);
  for (const r of results) {
    assert.is(r.status, "rejected");
    const e = (r as PromiseRejectedResult).reason as NvmeStatusError;
    assert.instance(e, NvmeStatusError);
    assert.is(e.sc, GenericSc.AbortedSqDeletion);
  }
  const ccWrites = device.registerWrites.filter((w) => w.offset === 0x14);
  assert.is(Number(ccWrites.at(-1)!.value & 1n), 0, "CC.EN was cleared: the device was stopped");
  assert.not.ok(device.isHalted, "the disable ended the fatal state on the device");
  // A reset brings it back.
  await ctrlr.reset();
  assert.is(ctrlr.state, ControllerState.Ready);
  await ns.write(qp, buf.bytes, 0, 1);
  await driver.detach(ctrlr);
});

test("autoReset: a controller fatal status is followed by a reset back to Ready", async () => {
  const { driver, ctrlr, device } = await attachInThread({}, { autoReset: true });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  device.holdCompletions(qp.id);
  const read = ns.read(qp, buf.bytes, 0, 1).catch((e: unknown) => e);
  const failed = firstValueFrom(ctrlr.state$.pipe(filter((s) => s === ControllerState.Failed)));
  device.fatal("injected by the test");
  await failed;
  assert.instance(await read, NvmeStatusError);
  await firstValueFrom(ctrlr.state$.pipe(filter((s) => s === ControllerState.Ready)));
  await ns.write(qp, buf.bytes, 0, 1);
  await driver.detach(ctrlr);
});

test("a device that reads all ones, with no removal event, is found removed by polling", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair({ delayDoorbell: false }); // the first read reaches the device before the hold
  const buf = ctrlr.allocBuffer(512);
  const read = ns.read(qp, buf.bytes, 0, 1);
  device.holdCompletions(qp.id);
  await read; // the first one completes: the device works
  const stuck = ns.read(qp, buf.bytes, 1, 1).catch((e: unknown) => e);
  device.surpriseRemove(false); // gone without the system telling
  const error = await stuck;
  assert.instance(error, NvmeStatusError);
  assert.is((error as NvmeStatusError).sc, GenericSc.AbortRequested);
  assert.is(ctrlr.state, ControllerState.Removed);
  await driver.detach(ctrlr);
});

test.run();
