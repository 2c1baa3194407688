// Keeps docs/transports.md's worked example honest: the third-party transport of
// test/examples/loopback-transport.ts, loaded next to coreModule, reached by its custom trtype and
// used through the Promise face and the callback face, down to the bytes the controller stored.
import "reflect-metadata";
import {
  ControllerState,
  coreModule,
  type Namespace,
  NvmeDriver,
  type QueuePair,
  TransportIdError,
  TransportType,
} from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { NvmOpcode } from "@nvmekit/core/nvme-spec";
import { Container } from "inversify";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LOOPBACK_NAME, LoopbackTransport, loopbackTransportModule } from "../examples/loopback-transport.js";

/** A container with the core and the example transport, as an application would build it. */
function compose(): { driver: NvmeDriver; loop: LoopbackTransport } {
  const container = new Container();
  container.load(coreModule, loopbackTransportModule);
  return { driver: container.get(NvmeDriver), loop: container.get(LoopbackTransport) };
}

/** Bytes that differ per position and per seed, never all zero. */
function pattern(bytes: Uint8Array, seed: number): Uint8Array {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + seed * 31 + (i >> 9)) & 0xff || 1;
  return bytes;
}

/** The callback face's completion callback: records each status in the caller's array (no closure). */
function onDone(statuses: number[], cpl: Completion): void {
  statuses.push(cpl.status);
}

test("the registry knows trtype LOOP only once the example's module is loaded", () => {
  const { driver, loop } = compose();
  const trid = driver.parseTransportId("trtype:loop traddr:loop0");
  assert.is(trid.trtype, TransportType.Custom);
  assert.is(trid.trstring, LOOPBACK_NAME);
  assert.is(driver.registry.get(trid), loop, "the registry hands out the bound plugin");

  const bare = new Container();
  bare.load(coreModule);
  const driverAlone = bare.get(NvmeDriver);
  // SPDK's rule: an unknown name parses as a custom transport; finding its plugin is what fails.
  const unknown = driverAlone.parseTransportId("trtype:LOOP traddr:loop0");
  assert.equal([unknown.trtype, unknown.trstring], [TransportType.Custom, LOOPBACK_NAME]);
  assert.throws(() => driverAlone.registry.get(unknown), /no transport plugin for trtype LOOP/);
  assert.throws(
    () => driverAlone.parseTransportId("trtype:LOOP traddr:loop0", { strict: true }),
    (e: unknown) => e instanceof TransportIdError,
  );
  assert.is(driver.parseTransportId("trtype:loop traddr:loop0", { strict: true }).trstring, LOOPBACK_NAME);
});

test("probe finds loop0 through the example's probe, and nothing at another address", async () => {
  const { driver } = compose();
  assert.is(await driver.probe("trtype:LOOP traddr:loop9"), 0);
  assert.is(await driver.probe(undefined), 1, "a probe of every available transport attaches loop0");
  assert.is(driver.controllers[0]?.trid.traddr, "loop0");
  await driver.detachAll();
  assert.is(driver.controllers.length, 0);
});

test("connect, identify, write and read back through both faces, detach", async () => {
  const { driver, loop } = compose();
  const ctrlr = await driver.connect("trtype:LOOP traddr:loop0");
  assert.is(ctrlr.state, ControllerState.Ready);
  assert.is(ctrlr.data.sn, "LOOPBACK-0", "Identify Controller came from the model behind the transport");
  const ns = ctrlr.getNamespace(1) as Namespace;
  assert.is(ns.isActive, true);
  assert.is(ns.sectorSize, 512);
  // Four-entry rings, so that the I/O below goes round them several times (phase tag flips, wrap).
  const qp: QueuePair = await ctrlr.allocIoQpair({ ioQueueSize: 4, delayDoorbell: false });
  assert.is(qp.id, 1);
  assert.ok(loop.device.sqs.has(1), "the example's Create I/O SQ reached the controller");

  // Promise face: 8 blocks at LBA 16, written and read back.
  const out = ctrlr.allocBuffer(8 * 512);
  const back = ctrlr.allocBuffer(8 * 512);
  pattern(out.bytes, 1);
  await ns.write(qp, out.bytes, 16, 8);
  await ns.read(qp, back.bytes, 16, 8);
  assert.equal(back.bytes, out.bytes);

  // Callback face: twelve one-block writes at LBA 40.., each completed by processCompletions (its
  // callback never runs before), then one 12-block read back.
  const out2 = ctrlr.allocBuffer(12 * 512);
  const back2 = ctrlr.allocBuffer(12 * 512);
  pattern(out2.bytes, 2);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const block = out2.bytes.subarray(i * 512, (i + 1) * 512);
    assert.is(ns.cmdWrite(qp, block, 40 + i, 1, onDone, statuses), 0);
    assert.is(statuses.length, i, "no callback from inside cmdWrite");
    assert.is(qp.processCompletions(), 1);
  }
  assert.equal(statuses, new Array(12).fill(0));
  assert.is(ns.cmdRead(qp, back2.bytes, 40, 12, onDone, statuses), 0);
  assert.is(qp.processCompletions(), 1);
  assert.is(statuses.length, 13);
  assert.is(statuses[12], 0);
  assert.equal(back2.bytes, out2.bytes);

  // Every I/O went through the example's queue 1, with the core's Read/Write dwords.
  const io = loop.device.commandsOn(1).map((c) => [c.opcode, c.dwords[10], (c.dwords[12]! & 0xffff) + 1]);
  const writes = Array.from({ length: 12 }, (_, i) => [NvmOpcode.Write, 40 + i, 1]);
  assert.equal(io, [[NvmOpcode.Write, 16, 8], [NvmOpcode.Read, 16, 8], ...writes, [NvmOpcode.Read, 40, 12]]);

  for (const b of [out, back, out2, back2]) ctrlr.freeBuffer(b);
  await driver.detach(ctrlr);
  assert.is(ctrlr.state, ControllerState.Detached);
  assert.is(driver.controllers.length, 0);
  assert.is(loop.dma.allocationCount, 0, "rings, tracker pages and identify buffers all freed");
  assert.not.ok(loop.device.sqs.has(1), "the example's Delete I/O SQ reached the controller");
});

test("after detach the transport connects again and the data is still there", async () => {
  const { driver } = compose();
  const first = await driver.connect("trtype:LOOP traddr:loop0");
  const qp = await first.allocIoQpair();
  const out = first.allocBuffer(512);
  const written = pattern(out.bytes, 3).slice();
  await first.getNamespace(1)!.write(qp, out.bytes, 7, 1);
  first.freeBuffer(out);
  await driver.detach(first);

  const again = await driver.connect("trtype:LOOP traddr:loop0");
  const back = again.allocBuffer(512);
  await again.getNamespace(1)!.read(await again.allocIoQpair(), back.bytes, 7, 1);
  assert.equal(back.bytes, written);
  again.freeBuffer(back);
  await driver.detach(again);
});

test.run();
