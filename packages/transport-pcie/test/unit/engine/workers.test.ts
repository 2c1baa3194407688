// Queue pairs driven from worker threads on the software controller: two workers each write and read
// back patterns through their own queue pair while the main thread does I/O on its own, byte-exact;
// then the main thread reads what the workers wrote, and releases (deletes) their queues.
import { Worker } from "node:worker_threads";
import { StateError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachSoft } from "./harness.js";
import { fillPattern } from "./pattern.js";
import type { PatternJob } from "./pattern-worker.js";

const BLOCKS = 16;
const ROUNDS = 40;

function runWorker(job: PatternJob): Promise<{ qid: number; mismatches: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./pattern-worker.js", import.meta.url), { workerData: job });
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

test("two workers and the main thread do I/O at once, each on its own queue pair, byte-exact", async () => {
  const { driver, ctrlr } = await attachSoft();
  const ns = ctrlr.getNamespace(1)!;
  const exported = [
    await ctrlr.allocIoQpairForWorker({ ioQueueSize: 8, bufferBytes: 2 * BLOCKS * 512 }),
    await ctrlr.allocIoQpairForWorker({ ioQueueSize: 8, bufferBytes: 2 * BLOCKS * 512 }),
  ];
  const mainQp = await ctrlr.allocIoQpair();
  const jobs = exported.map((e, i) => ({
    handle: e.handle,
    nsid: 1,
    firstLba: (i + 1) * BLOCKS * ROUNDS,
    blocks: BLOCKS,
    rounds: ROUNDS,
    seed: 100 * (i + 1),
  }));
  const workers = jobs.map(runWorker);
  // Meanwhile the main thread's own queue pair, at LBAs of its own.
  const out = ctrlr.allocBuffer(BLOCKS * ns.sectorSize);
  const back = ctrlr.allocBuffer(BLOCKS * ns.sectorSize);
  let mainMismatches = 0;
  for (let r = 0; r < ROUNDS; r++) {
    fillPattern(out.bytes, 7 + r);
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
  const qids = [...reports.map((r) => r.qid), mainQp.id];
  assert.equal(new Set(qids).size, 3, `three distinct queues: ${qids}`);
  for (const e of exported) await e.release();
  // The workers' data is on the device: the main thread reads it back with the same patterns.
  for (const job of jobs) {
    for (const r of [0, ROUNDS - 1]) {
      const lba = job.firstLba + r * BLOCKS;
      await ns.read(mainQp, back.bytes, lba, BLOCKS);
      fillPattern(out.bytes, job.seed + lba);
      assert.equal(Buffer.compare(out.bytes, back.bytes), 0, `LBA ${lba}`);
    }
  }
  // Released queues are free again: a new export gets a queue without exhausting them.
  const again = await ctrlr.allocIoQpairForWorker();
  await again.release();
  await again.release(); // idempotent
  ctrlr.freeBuffer(out);
  ctrlr.freeBuffer(back);
  await driver.detach(ctrlr);
});

test("detach releases queues still exported; a transport without the hook refuses", async () => {
  const { driver, ctrlr } = await attachSoft();
  await ctrlr.allocIoQpairForWorker();
  await driver.detach(ctrlr);
  const fake = Object.create(ctrlr, {
    connection: { value: { ...ctrlr.connection, exportIoQueue: undefined } },
  });
  try {
    await fake.allocIoQpairForWorker();
    assert.unreachable("exported without the transport's hook");
  } catch (e) {
    assert.instance(e, StateError);
    assert.match((e as Error).message, /cannot hand queue pairs to other threads/);
  }
});

test.run();
