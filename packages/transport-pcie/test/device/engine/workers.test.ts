// rig-config: default
// Queue pairs driven from worker threads on QEMU's controller through VFIO: two workers view the rings,
// BAR0 and their DMA memory by address and write and read back random data through their own queue
// pairs while the main thread does I/O on its own, byte-exact, with no DMAR fault.
import { Worker } from "node:worker_threads";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { QueueWorkerJob } from "./queue-worker.js";
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

test.after.each(releaseControllers);
test.run();
