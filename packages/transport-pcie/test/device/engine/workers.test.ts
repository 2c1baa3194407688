// rig-config: default
// Queue pairs driven from worker threads on QEMU's controller through VFIO: two workers view the rings,
// BAR0 and their DMA memory by address and write and read back random data through their own queue
// pairs while the main thread does I/O on its own, byte-exact, with no DMAR fault; a controller reset
// while workers have I/O in flight aborts it exactly once and their queues come back.
import { Worker } from "node:worker_threads";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { QueueWorkerJob } from "./queue-worker.js";
import type { ResetWorkerJob, ResetWorkerReport } from "./reset-worker.js";
import { attachVfio, dmarFaults, releaseControllers } from "./rig.js";
import { randomFill } from "./seeded-bytes.js";

const BLOCKS = 16;
const ROUNDS = 30;

function runWorker(job: QueueWorkerJob): Promise<{ qid: number; mismatches: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./queue-worker.js", import.meta.url), { workerData: job });
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

test("two workers and the main thread do I/O at once through VFIO, byte-exact, no DMAR fault", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  const bytes = BLOCKS * ns.sectorSize;
  const exported = [
    await ctrlr.allocIoQpairForWorker({ ioQueueSize: 8, bufferBytes: 2 * bytes }),
    await ctrlr.allocIoQpairForWorker({ ioQueueSize: 8, bufferBytes: 2 * bytes }),
  ];
  const mainQp = await ctrlr.allocIoQpair();
  const jobs = exported.map((e, i) => ({
    handle: e.handle,
    firstLba: (i + 1) * BLOCKS * ROUNDS,
    blocks: BLOCKS,
    rounds: ROUNDS,
    seed: 1000 * (i + 1),
  }));
  const workers = jobs.map(runWorker);
  const out = ctrlr.allocBuffer(bytes);
  const back = ctrlr.allocBuffer(bytes);
  let mainMismatches = 0;
  for (let r = 0; r < ROUNDS; r++) {
    randomFill(out.bytes, 5 + r);
    await ns.write(mainQp, out.bytes, r * BLOCKS, BLOCKS);
    await ns.read(mainQp, back.bytes, r * BLOCKS, BLOCKS);
    if (Buffer.compare(out.bytes, back.bytes) !== 0) mainMismatches++;
  }
  const reports = await Promise.all(workers);
  assert.equal(mainMismatches, 0);
  assert.equal(
    reports.map((r) => r.mismatches),
    [0, 0],
  );
  assert.equal(new Set([...reports.map((r) => r.qid), mainQp.id]).size, 3);
  for (const e of exported) await e.release();
  for (const job of jobs) {
    const lba = job.firstLba + (ROUNDS - 1) * BLOCKS;
    await ns.read(mainQp, back.bytes, lba, BLOCKS);
    randomFill(out.bytes, job.seed + lba);
    assert.equal(Buffer.compare(out.bytes, back.bytes), 0, `what worker wrote at LBA ${lba}`);
  }
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

/** Starts a reset worker; `running` resolves once it has I/O going, `report` when it is done. */
function runResetWorker(job: ResetWorkerJob): { running: Promise<void>; report: Promise<ResetWorkerReport> } {
  const w = new Worker(new URL("./reset-worker.js", import.meta.url), { workerData: job });
  const failed = new Promise<never>((_, reject) => {
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
  const message = (type: string) =>
    Promise.race([
      new Promise<{ report?: ResetWorkerReport }>((resolve) =>
        w.on("message", (m: { type: string; report?: ResetWorkerReport }) => m.type === type && resolve(m)),
      ),
      failed,
    ]);
  return {
    running: message("running").then(() => undefined),
    report: message("report").then((m) => m.report!),
  };
}

test("reset with workers' I/O in flight: each command completes once, aborted ones are redone, queues come back", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  const depth = 6;
  const exported = [
    await ctrlr.allocIoQpairForWorker({ ioQueueSize: 16, bufferBytes: 2 * depth * BLOCKS * ns.sectorSize }),
    await ctrlr.allocIoQpairForWorker({ ioQueueSize: 16, bufferBytes: 2 * depth * BLOCKS * ns.sectorSize }),
  ];
  const workers = exported.map((e, i) =>
    runResetWorker({ handle: e.handle, firstLba: (i + 1) * 1000, blocks: BLOCKS, depth, afterReset: 100 }),
  );
  await Promise.all(workers.map((w) => w.running));
  await ctrlr.reset();
  const reports = await Promise.all(workers.map((w) => w.report));
  for (const r of reports) {
    assert.equal(
      r.aborted,
      depth,
      `the reset aborted each of the worker's commands once: ${JSON.stringify(r)}`,
    );
    assert.equal(r.callbacks, r.submitted, "every command called back");
    assert.equal(r.duplicates, 0, "none twice");
    assert.equal(r.otherErrors, 0);
    assert.equal(r.mismatches, 0);
    assert.ok(r.roundTripsAfterReset >= 100);
  }
  // The queues exist on the controller again: releasing sends Delete I/O SQ/CQ, which would fail otherwise.
  for (const e of exported) await e.release();
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(BLOCKS * ns.sectorSize);
  const back = ctrlr.allocBuffer(BLOCKS * ns.sectorSize);
  randomFill(out.bytes, 77);
  await ns.write(qp, out.bytes, 0, BLOCKS);
  await ns.read(qp, back.bytes, 0, BLOCKS);
  assert.equal(Buffer.compare(out.bytes, back.bytes), 0);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
