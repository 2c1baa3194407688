/**
 * The namespace command set and the queue engine's I/O paths, on whichever controller the entry
 * attaches: transfers through PRP lists and split at MDTS with doorbells batched or not, zeroing
 * commands, compare failure, firmware's error path, reset with I/O in flight, bad input rejected
 * before submission, scattered payloads as SGLs, and MSI-X-driven completions.
 * @module
 */
import { InvalidArgumentError, NvmeStatusError, StateError } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import type { Test } from "uvu";
import * as assert from "uvu/assert";
import { randomFill } from "./seeded-bytes.js";
import type { ScenarioTarget } from "./target.js";

/** Where the split-transfer test writes, and what it expects of the controller. */
export interface SplitOptions {
  /** Namespace (default 1, 512-byte blocks). */
  nsid?: number;
  /** First LBA (default 17). */
  lba?: number;
  /** Blocks per transfer; more than MDTS allows in one command (default 1200: 600 KiB). */
  blocks?: number;
  /** The controller's maximum transfer size in bytes, when the suite knows it. */
  maxTransferSize?: number;
}

/** Registers the split-transfer test: larger than MDTS, through PRP lists, doorbells batched or not. */
export function splitTransfersScenario(test: Test, target: ScenarioTarget, options: SplitOptions = {}): void {
  const nsid = options.nsid ?? 1;
  const lba = options.lba ?? 17;
  const blocks = options.blocks ?? 1200;

  test("writes larger than MDTS go out through PRP lists as split commands, byte-exact; doorbells batched or not", async () => {
    const { driver, ctrlr } = await target.attach();
    if (options.maxTransferSize !== undefined) assert.equal(ctrlr.maxTransferSize, options.maxTransferSize);
    const ns = ctrlr.getNamespace(nsid)!;
    assert.ok(
      blocks * ns.sectorSize > ctrlr.maxTransferSize,
      `${blocks} blocks exceed MDTS (${ctrlr.maxTransferSize} bytes)`,
    );
    for (const delayDoorbell of [false, true]) {
      const qp = await ctrlr.allocIoQpair({ delayDoorbell });
      const out = ctrlr.allocBuffer(blocks * ns.sectorSize);
      const back = ctrlr.allocBuffer(blocks * ns.sectorSize);
      randomFill(out.bytes, delayDoorbell ? 12 : 11);
      await ns.write(qp, out.bytes, lba, blocks);
      await ns.read(qp, back.bytes, lba, blocks);
      assert.equal(Buffer.compare(out.bytes, back.bytes), 0, `delayDoorbell ${delayDoorbell}`);
      ctrlr.freeBuffer(out);
      ctrlr.freeBuffer(back);
      await ctrlr.freeIoQpair(qp);
    }
    await driver.detach(ctrlr);
    target.afterDetach?.();
  });
}

/**
 * Registers the commands scenario's tests on `test`, each attaching through `target`. The controller
 * has namespace 1 with 512-byte blocks and namespace 2 with 4096-byte blocks, both without metadata.
 */
export function commandsScenario(test: Test, target: ScenarioTarget): void {
  const afterDetach = (): void => target.afterDetach?.();

  splitTransfersScenario(test, target);

  test("write zeroes and deallocate read back as zeroes where the namespace says so", async () => {
    const { driver, ctrlr } = await target.attach();
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
    afterDetach();
  });

  test("compare that mismatches completes with Compare Failure", async () => {
    const { driver, ctrlr } = await target.attach();
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
    afterDetach();
  });

  test("firmware update's error path surfaces as a typed error; bad images never reach the device", async () => {
    const { driver, ctrlr } = await target.attach();
    try {
      await ctrlr.updateFirmware(new Uint8Array(3), 1);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, InvalidArgumentError);
    }
    try {
      await ctrlr.updateFirmware(new Uint8Array(8192), 1);
    } catch (e) {
      // A controller without firmware commands (QEMU 7.2's) answers with its own status, named.
      assert.instance(e, NvmeStatusError);
      assert.match((e as Error).message, /Firmware Image Download|Firmware Commit/);
    }
    await driver.detach(ctrlr);
    afterDetach();
  });

  test("reset: commands in flight complete exactly once with an abort status; I/O works after", async () => {
    const { driver, ctrlr } = await target.attach();
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
    afterDetach();
  });

  test("bad input is rejected before submission", async () => {
    const { driver, ctrlr } = await target.attach();
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
    afterDetach();
  });

  test("scattered payloads (readv/writev) go out as SGLs when the controller supports them", async () => {
    const { driver, ctrlr } = await target.attach();
    assert.ok(ctrlr.sglSupported, "the controller reports SGL support");
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
    afterDetach();
  });

  test("interrupt-driven queue pair: the Promise face sleeps on MSI-X and still completes", async () => {
    const { driver, ctrlr } = await target.attach();
    const ns = ctrlr.getNamespace(2)!;
    const qp = await ctrlr.allocIoQpair({ interrupts: true });
    assert.type(qp.transportQueue.waitForInterrupt, "function");
    const buf = ctrlr.allocBuffer(4096);
    for (let i = 0; i < 50; i++) await ns.read(qp, buf.bytes, i, 1);
    await driver.detach(ctrlr);
    afterDetach();
  });
}
