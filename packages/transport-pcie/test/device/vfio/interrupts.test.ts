// rig-config: default
/**
 * MSI-X through VFIO: vectors routed to eventfds, InterruptVector.wait resolving when the
 * controller posts a completion (admin queue on vector 0, an I/O completion queue on vector 1),
 * without blocking the event loop. Prints the measured wake-up cost (not asserted).
 */
import { InvalidArgumentError, StateError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { HandDriver, QueuePair } from "./nvme-by-hand.js";
import { bind, dmarFaults } from "./rig.js";

const address = bind("vfio");
const device = VfioPciDevice.open(address);
const driver = new HandDriver(device);

const identify = (iova: number) => {
  const cmd = new Array<number>(16).fill(0);
  cmd[0] = 0x06;
  cmd[6] = iova;
  cmd[10] = 1;
  return cmd;
};

test("asking for more vectors than the function offers is rejected", () => {
  assert.throws(
    () => device.enableInterrupts(device.msixVectors + 1),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
  assert.throws(
    () => device.enableInterrupts(0),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test("vector 0 fires when the admin queue completes a command", async () => {
  const [v0] = device.enableInterrupts(2);
  await driver.enable();
  await v0!.wait(0); // drop anything from bring-up
  const data = device.dma.alloc(4096);
  driver.admin.submit(identify(data.iova));
  assert.is(await v0!.wait(10_000), true, "interrupt");
  assert.ok(driver.admin.poll(), "the completion is there");
  assert.is(await v0!.wait(50), false, "nothing more pending");
});

test("an I/O completion queue created with IEN on vector 1 interrupts on vector 1", async () => {
  const [v0, v1] = device.enableInterrupts(2);
  await driver.enable();
  const entries = 16;
  const cq = device.dma.alloc(entries * 16);
  const sq = device.dma.alloc(entries * 64);
  const createCq = new Array<number>(16).fill(0);
  createCq[0] = 0x05;
  createCq[6] = cq.iova;
  createCq[10] = ((entries - 1) << 16) | 1;
  createCq[11] = (1 << 16) | (1 << 1) | 1; // IV 1, IEN, PC
  assert.is((await driver.adminCommand(createCq)).status, 0, "Create I/O CQ");
  const createSq = new Array<number>(16).fill(0);
  createSq[0] = 0x01;
  createSq[6] = sq.iova;
  createSq[10] = ((entries - 1) << 16) | 1;
  createSq[11] = (1 << 16) | 1; // CQID 1, PC
  assert.is((await driver.adminCommand(createSq)).status, 0, "Create I/O SQ");
  // Drop the admin commands' interrupts, late ones included: a loaded host delivers them after the
  // completion was already polled, and one landing after the Flush would look like the I/O's.
  while (await v0!.wait(50));
  while (await v1!.wait(0));
  const io = new QueuePair(driver.bar, 1, driver.dstrd, sq, cq, entries);
  const flush = new Array<number>(16).fill(0);
  flush[1] = 1; // NSID 1, opcode 0 (Flush)
  io.submit(flush);
  assert.is(await v1!.wait(10_000), true, "vector 1 fired");
  const c = await io.next();
  assert.is(c.status, 0, "Flush succeeded");
  assert.is(await v0!.wait(0), false, "vector 0 did not fire for the I/O queue");
});

test("a wait does not block the event loop, and disabling wakes it with false", async () => {
  const [v0] = device.enableInterrupts(1);
  await driver.enable();
  await v0!.wait(0);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const waiting = v0!.wait(60_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  device.disableInterrupts();
  assert.is(await waiting, false);
  clearInterval(timer);
  assert.ok(ticks > 10, `the loop ran ${ticks} timer callbacks meanwhile`);
  try {
    await v0!.wait(0);
    assert.unreachable("wait after disable");
  } catch (e) {
    assert.ok(e instanceof StateError);
  }
});

test("wake-up cost, measured (printed, not asserted)", async () => {
  const [v0] = device.enableInterrupts(1);
  await driver.enable();
  await v0!.wait(0);
  const data = device.dma.alloc(4096);
  const rounds = 100;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    driver.admin.submit(identify(data.iova));
    await v0!.wait(10_000);
    while (!driver.admin.poll());
  }
  const irqUs = Number(process.hrtime.bigint() - t0) / 1e3 / rounds;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    driver.admin.submit(identify(data.iova));
    while (!driver.admin.poll());
  }
  const pollUs = Number(process.hrtime.bigint() - t0) / 1e3 / rounds;
  await v0!.wait(0);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await v0!.wait(0);
  const emptyUs = Number(process.hrtime.bigint() - t0) / 1e3 / rounds;
  console.log(
    `identify round trip: ${irqUs.toFixed(1)} us waiting on MSI-X, ${pollUs.toFixed(1)} us busy-polling ` +
      `(interrupt path costs ${(irqUs - pollUs).toFixed(1)} us); wait(0) with nothing pending: ${emptyUs.toFixed(2)} us`,
  );
});

test.after(async () => {
  await driver.disable();
  await device.close();
  assert.equal(dmarFaults(), []);
  bind("nvme", address);
});

test.run();
