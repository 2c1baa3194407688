// perf --verify against a software controller whose disk misbehaves on purpose: a write that is
// acknowledged but never stored (lost), an old write's data landing over newer ones (stale), half of
// a write stored (torn), a write stored at another LBA (misdirected) and a read that moves no data.
// Each is reported under its own name, and a write that fails with a media error is not one of them.
import {
  BlockViews,
  checkWorkload,
  runWorkloads,
  type VerifyModel,
  verifyModelFor,
  type WorkloadResult,
} from "@nvmekit/cli";
import type { Namespace, QueuePair } from "@nvmekit/core";
import { attachInThread, MediaSc, NvmOpc, nvmeStatus, Sct } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";

const UNIT = 4096; // bytes per I/O: 8 blocks of 512
const UNITS = 64;
const VICTIM = 37; // the unit the disk misbehaves on
const OTHER = 12;

/** A write or read of the disk, as the controller stores or loads a command's blocks. */
type DiskHook = (offset: number, data: Uint8Array, real: (offset: number, data: Uint8Array) => void) => void;

/** A controller with one 512-byte-block namespace whose disk writes and reads go through hooks. */
async function faultyDisk() {
  const { driver, ctrlr, device } = await attachInThread({
    namespaces: [{ nsid: 1, blockSize: 512, blocks: (UNITS * UNIT) / 512 }],
    recordCommands: false,
  });
  const disk = device.namespaces.get(1)!.storage;
  const realWrite = disk.write.bind(disk);
  const realRead = disk.read.bind(disk);
  const hooks: { write?: DiskHook; read?: DiskHook } = {};
  disk.write = (offset, data) => (hooks.write ?? ((o, d, real) => real(o, d)))(offset, data, realWrite);
  disk.read = (offset, into) => (hooks.read ?? ((o, d, real) => real(o, d)))(offset, into, realRead);
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  return { driver, ctrlr, device, ns, qp, hooks };
}

/** Runs one sequential pass over every unit (each once, one at a time) against `model`. */
async function pass(
  ns: Namespace,
  qp: QueuePair,
  model: VerifyModel,
  pattern: "write" | "read",
): Promise<WorkloadResult> {
  const spec = checkWorkload(
    { pattern, readPercent: 0, ioSize: UNIT, queueDepth: 1, seconds: 60, maxIos: UNITS, verify: true },
    ns,
  );
  const [r] = await runWorkloads([{ ns, qp, spec, model }]);
  assert.equal(r!.ios, UNITS, "one I/O per unit");
  return r!;
}

/** The counts of a read pass that are not 0, by name. */
function failures(r: WorkloadResult): Record<string, number> {
  const { checked: _c, acknowledged: _a, failedWrites: _f, ...kinds } = r.verify;
  return Object.fromEntries(Object.entries(kinds).filter(([, n]) => n > 0));
}

/** A fresh model over the whole namespace, pre-filled by a first write pass. */
async function filledModel(ns: Namespace, qp: QueuePair): Promise<VerifyModel> {
  const spec = checkWorkload(
    { pattern: "write", readPercent: 0, ioSize: UNIT, queueDepth: 1, seconds: 60, verify: true },
    ns,
  );
  const model = verifyModelFor(ns, spec);
  await pass(ns, qp, model, "write");
  return model;
}

test("a clean disk: every read of every unit is checked and right", async () => {
  const { driver, ctrlr, ns, qp } = await faultyDisk();
  const model = await filledModel(ns, qp);
  await pass(ns, qp, model, "write");
  const r = await pass(ns, qp, model, "read");
  assert.equal(r.verify.checked, UNITS);
  assert.equal([r.verifyFailures, r.errors, failures(r)], [0, 0, {}]);
  await driver.detach(ctrlr);
});

test("a write acknowledged but never stored is reported lost, at its LBA", async () => {
  const { driver, ctrlr, ns, qp, hooks } = await faultyDisk();
  const model = await filledModel(ns, qp);
  hooks.write = (offset, data, real) => {
    if (offset !== VICTIM * UNIT) real(offset, data);
  };
  const w = await pass(ns, qp, model, "write");
  assert.equal(w.errors, 0, "the device acknowledged every write");
  hooks.write = undefined;
  const r = await pass(ns, qp, model, "read");
  assert.equal(failures(r), { lost: 1 });
  assert.equal(r.verifyFailures, 1);
  assert.match(r.firstVerifyFailure ?? "", `lost read of 8 blocks at LBA ${VICTIM * 8}`);
  await driver.detach(ctrlr);
});

test("an old write's data landing over two newer ones is reported stale", async () => {
  const { driver, ctrlr, ns, qp, hooks } = await faultyDisk();
  const model = await filledModel(ns, qp);
  let old: Uint8Array | undefined;
  let writes = 0;
  hooks.write = (offset, data, real) => {
    real(offset, data);
    if (offset !== VICTIM * UNIT) return;
    writes++;
    if (writes === 1) old = data.slice();
    if (writes === 3) real(offset, old!); // the first pass's write lands again, late
  };
  for (let i = 0; i < 3; i++) await pass(ns, qp, model, "write");
  hooks.write = undefined;
  const r = await pass(ns, qp, model, "read");
  assert.equal(failures(r), { stale: 1 });
  await driver.detach(ctrlr);
});

test("half of a write stored, and a block mixing two writes, are reported torn", async () => {
  const { driver, ctrlr, ns, qp, hooks } = await faultyDisk();
  const model = await filledModel(ns, qp);
  hooks.write = (offset, data, real) => {
    if (offset === VICTIM * UNIT)
      real(offset, data.subarray(0, UNIT / 2)); // blocks 0-3 of 8
    else if (offset === OTHER * UNIT)
      real(offset, data.subarray(0, 256)); // half of block 0
    else real(offset, data);
  };
  await pass(ns, qp, model, "write");
  hooks.write = undefined;
  const r = await pass(ns, qp, model, "read");
  assert.equal(failures(r), { torn: 2 });
  await driver.detach(ctrlr);
});

test("a write stored at another LBA is reported misdirected there and lost where it belonged", async () => {
  const { driver, ctrlr, ns, qp, hooks } = await faultyDisk();
  const model = await filledModel(ns, qp);
  let redirected = false;
  hooks.write = (offset, data, real) => {
    // The victim's write goes to OTHER, after OTHER's own write was stored (units go in order).
    if (offset === VICTIM * UNIT && !redirected) {
      redirected = true;
      real(OTHER * UNIT, data);
    } else real(offset, data);
  };
  await pass(ns, qp, model, "write");
  hooks.write = undefined;
  const r = await pass(ns, qp, model, "read");
  assert.equal(failures(r), { misdirected: 1, lost: 1 });
  assert.match(r.firstVerifyFailure ?? "", `misdirected read of 8 blocks at LBA ${OTHER * 8}`);
  await driver.detach(ctrlr);
});

test("a read buffer is poisoned before the read: one the device leaves untouched is reported unfilled", async () => {
  const { driver, ctrlr, ns, qp } = await faultyDisk();
  const model = await filledModel(ns, qp);
  // The buffer last held the unit's own right data: without the poison, a read that moved nothing would pass.
  const buffer = ctrlr.dma.alloc(UNIT);
  const blocks = new BlockViews(buffer.bytes, 512);
  await ns.read(qp, buffer.bytes, VICTIM * 8, 8);
  assert.ok(model.check(blocks, VICTIM * 8, 8), "the unit reads back right");
  model.poison(blocks);
  assert.not.ok(model.check(blocks, VICTIM * 8, 8));
  assert.equal(model.counts.unfilled, 1);
  ctrlr.dma.free(buffer);
  await driver.detach(ctrlr);
});

test("a write failed with a media error is reported as an error, and its unit still verifies", async () => {
  const { driver, ctrlr, device, ns, qp } = await faultyDisk();
  const model = await filledModel(ns, qp);
  device.failCommands(
    { nsid: 1, lba: VICTIM * 8, opcode: NvmOpc.Write },
    nvmeStatus(Sct.Media, MediaSc.WriteFault, { dnr: true }),
    1,
  );
  const w = await pass(ns, qp, model, "write");
  assert.equal([w.errors, w.verify.failedWrites], [1, 1]);
  const r = await pass(ns, qp, model, "read");
  assert.equal([r.verifyFailures, r.verify.checked], [0, UNITS]);
  await driver.detach(ctrlr);
});

test("verified jobs on one namespace need parts of their own; a part too small for the depth is refused", async () => {
  const { driver, ctrlr, ns, qp } = await faultyDisk();
  const spec = {
    pattern: "randrw",
    readPercent: 50,
    ioSize: UNIT,
    queueDepth: 4,
    seconds: 1,
    verify: true,
  } as const;
  const qp2 = await ctrlr.allocIoQpair();
  const refused = await runWorkloads([
    { ns, qp, spec },
    { ns, qp: qp2, spec },
  ]).then(
    () => "ran",
    (e: Error) => e.message,
  );
  assert.match(refused, /share part/);
  assert.throws(() => checkWorkload({ ...spec, part: { index: 0, count: 32 } }, ns), /need as many/);
  await driver.detach(ctrlr);
});

test.run();
