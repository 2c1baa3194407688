// rig-config: default
// The namespace and admin command set against QEMU's controller through VFIO: zeroing commands,
// compare failure, features and log pages, an asynchronous event, firmware's error path, reset with
// I/O in flight, and bad input rejected before submission.
import { type AsyncEvent, InvalidArgumentError, NvmeStatusError, StateError } from "@nvmekit/core";
import { type Completion, FeatureId, LogPageId } from "@nvmekit/core/nvme-spec";
import { firstValueFrom, timeout } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "./rig.js";

test("write zeroes and deallocate read back as zeroes where the namespace says so", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(8 * 512);
  randomFill(buf.bytes, 3);
  await ns.write(qp, buf.bytes, 64, 8);
  await ns.writeZeroes(qp, 64, 4);
  await ns.read(qp, buf.bytes, 64, 8);
  assert.ok(
    buf.bytes.subarray(0, 2048).every((b) => b === 0),
    "write zeroes",
  );
  assert.ok(
    buf.bytes.subarray(2048).some((b) => b !== 0),
    "blocks after the range untouched",
  );
  randomFill(buf.bytes, 4);
  await ns.write(qp, buf.bytes, 128, 8);
  await ns.deallocate(qp, [{ lba: 128, count: 8 }]);
  await ns.read(qp, buf.bytes, 128, 8);
  if ((ns.data.dlfeat & 0x7) === 1)
    assert.ok(
      buf.bytes.every((b) => b === 0),
      "DLFEAT says deallocated blocks read zeroes",
    );
  await driver.detach(ctrlr);
});

test("compare that mismatches completes with Compare Failure", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(4096);
  randomFill(buf.bytes, 5);
  await ns.write(qp, buf.bytes, 10, 1);
  await ns.compare(qp, buf.bytes, 10, 1);
  buf.bytes[77]! ^= 1;
  try {
    await ns.compare(qp, buf.bytes, 10, 1);
    assert.unreachable("compare matched");
  } catch (e) {
    assert.instance(e, NvmeStatusError);
    assert.equal([(e as NvmeStatusError).sct, (e as NvmeStatusError).sc], [2, 0x85]);
  }
  await driver.detach(ctrlr);
});

test("features, log pages and a temperature-threshold asynchronous event", async () => {
  const { driver, ctrlr } = await attachVfio();
  const smart = await ctrlr.getLogPage(LogPageId.SmartHealth, 0xffffffff, 512);
  const kelvin = smart[1]! | (smart[2]! << 8);
  assert.ok(kelvin > 250 && kelvin < 400, `composite temperature ${kelvin} K`);
  await ctrlr.getLogPage(LogPageId.ErrorInformation, 0xffffffff, 64);
  const fw = await ctrlr.getLogPage(LogPageId.FirmwareSlot, 0xffffffff, 512);
  assert.ok(fw[0]! & 0x7, "an active firmware slot");
  const queues = await ctrlr.getFeature(FeatureId.NumberOfQueues);
  assert.ok((queues & 0xffff) + 1 >= ctrlr.options.numIoQueues);
  const event = firstValueFrom(ctrlr.aer$.pipe(timeout(5000)));
  // An over-temperature threshold below the current temperature raises a SMART/health event.
  await ctrlr.setFeature(FeatureId.TemperatureThreshold, kelvin - 10);
  const e: AsyncEvent = await event;
  assert.equal(e.type, 1, "SMART / health status");
  assert.equal(e.logPageId, LogPageId.SmartHealth);
  await ctrlr.getLogPage(LogPageId.SmartHealth, 0xffffffff, 512);
  await ctrlr.setFeature(FeatureId.TemperatureThreshold, 0xffff);
  await driver.detach(ctrlr);
});

test("firmware update's error path surfaces as a typed error; bad images never reach the device", async () => {
  const { driver, ctrlr } = await attachVfio();
  try {
    await ctrlr.updateFirmware(new Uint8Array(3), 1);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InvalidArgumentError);
  }
  try {
    await ctrlr.updateFirmware(new Uint8Array(8192), 1);
  } catch (e) {
    // QEMU 7.2 implements no firmware commands: the controller's own status comes back, named.
    assert.instance(e, NvmeStatusError);
    assert.match((e as Error).message, /Firmware Image Download|Firmware Commit/);
  }
  await driver.detach(ctrlr);
});

test("reset: commands in flight complete exactly once with an abort status; I/O works after", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(64 * 512);
  const seen = new Map<number, number>();
  for (let i = 0; i < 32; i++) {
    ns.cmdRead(
      qp,
      buf.bytes.subarray(0, 512),
      i,
      1,
      (lba: number, _cpl: Completion) => seen.set(lba, (seen.get(lba) ?? 0) + 1),
      i,
    );
  }
  await ctrlr.reset();
  qp.processCompletions();
  assert.equal(seen.size, 32, "every command completed");
  assert.ok(
    [...seen.values()].every((n) => n === 1),
    "none twice",
  );
  randomFill(buf.bytes, 9);
  await ns.write(qp, buf.bytes, 0, 64);
  const back = ctrlr.allocBuffer(64 * 512);
  await ns.read(qp, back.bytes, 0, 64);
  assert.equal(Buffer.compare(buf.bytes, back.bytes), 0);
  await driver.detach(ctrlr);
});

test("bad input is rejected before submission", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(4096);
  assert.throws(
    () => ns.cmdRead(qp, buf.bytes, ns.numSectors, 1, null, null),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
  assert.throws(() => ns.cmdRead(qp, new Uint8Array(4096), 0, 1, null, null), /not in DMA memory/);
  assert.throws(() => ns.cmdRead(qp, buf.bytes.subarray(0, 1000), 0, 2, null, null), /holds 1000 bytes/);
  await ctrlr.freeIoQpair(qp);
  assert.throws(
    () => ns.cmdRead(qp, buf.bytes, 0, 1, null, null),
    (e: unknown) => e instanceof StateError,
  );
  const qp2 = await ctrlr.allocIoQpair();
  await driver.detach(ctrlr);
  assert.throws(() => ns.cmdRead(qp2, buf.bytes, 0, 1, null, null), /detached/);
  assert.equal(dmarFaults(), []);
});

test("scattered payloads (readv/writev) go out as SGLs when the controller supports them", async () => {
  const { driver, ctrlr } = await attachVfio();
  assert.ok(ctrlr.sglSupported, "QEMU's controller reports SGL support");
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const parts = [ctrlr.allocBuffer(1536), ctrlr.allocBuffer(512), ctrlr.allocBuffer(2048)];
  for (const [i, p] of parts.entries()) randomFill(p.bytes, 30 + i);
  await ns.writev(
    qp,
    parts.map((p) => p.bytes),
    300,
    8,
  );
  const back = ctrlr.allocBuffer(4096);
  await ns.read(qp, back.bytes, 300, 8);
  assert.equal(Buffer.compare(back.bytes, Buffer.concat(parts.map((p) => p.bytes))), 0);
  const into = [ctrlr.allocBuffer(1024), ctrlr.allocBuffer(3072)];
  await ns.readv(
    qp,
    into.map((p) => p.bytes),
    300,
    8,
  );
  assert.equal(Buffer.compare(Buffer.concat(into.map((p) => p.bytes)), back.bytes), 0);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test("interrupt-driven queue pair: the Promise face sleeps on MSI-X and still completes", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair({ interrupts: true });
  const buf = ctrlr.allocBuffer(4096);
  for (let i = 0; i < 50; i++) await ns.read(qp, buf.bytes, i, 1);
  await driver.detach(ctrlr);
});

test.after.each(releaseControllers);
test.run();
