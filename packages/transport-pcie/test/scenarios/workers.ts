/**
 * Queue pairs driven from worker threads, on whichever controller the entry attaches: two workers
 * write and read back seeded data through their own queue pairs while the main thread does I/O on its
 * own, byte-exact; the main thread then reads what the workers wrote and releases (deletes) their
 * queues; detach releases queues still exported; and a controller reset while workers have I/O in
 * flight aborts each command exactly once and their queues come back.
 * @module
 */
import { Worker } from "node:worker_threads";
import { StateError } from "@nvmekit/core";
import type { Test } from "uvu";
import * as assert from "uvu/assert";
import type { QueueWorkerJob, QueueWorkerReport } from "./queue-worker.js";
import type { ResetWorkerJob, ResetWorkerReport } from "./reset-worker.js";
import { randomFill } from "./seeded-bytes.js";
import type { ScenarioTarget } from "./target.js";

/** What the workers scenario needs besides the target. */
export interface WorkersOptions {
  /** Namespace the I/O goes to (default 1, 512-byte blocks). */
  nsid?: number;
  /** Write-and-read-back rounds per thread (default 30). */
  rounds?: number;
}

const BLOCKS = 16;

function runWorker(job: QueueWorkerJob): Promise<QueueWorkerReport> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./queue-worker.js", import.meta.url), { workerData: job });
    w.once("message", resolve);
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`worker exited with ${code} before reporting`)));
  });
}

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

/** Registers the workers scenario's tests on `test`, each attaching through `target`. */
export function workersScenario(test: Test, target: ScenarioTarget, options: WorkersOptions = {}): void {
  const nsid = options.nsid ?? 1;
  const rounds = options.rounds ?? 30;
  const afterDetach = (): void => target.afterDetach?.();

  test("two workers and the main thread do I/O at once, each on its own queue pair, byte-exact", async () => {
    const { driver, ctrlr } = await target.attach();
    const ns = ctrlr.getNamespace(nsid)!;
    const bytes = BLOCKS * ns.sectorSize;
    const exported = [
      await ctrlr.allocIoQpairForWorker({ ioQueueSize: 8, bufferBytes: 2 * bytes }),
      await ctrlr.allocIoQpairForWorker({ ioQueueSize: 8, bufferBytes: 2 * bytes }),
    ];
    const mainQp = await ctrlr.allocIoQpair();
    const jobs = exported.map((e, i) => ({
      handle: e.handle,
      nsid,
      firstLba: (i + 1) * BLOCKS * rounds,
      blocks: BLOCKS,
      rounds,
      seed: 1000 * (i + 1),
    }));
    const workers = jobs.map(runWorker);
    // Meanwhile the main thread's own queue pair, at LBAs of its own.
    const out = ctrlr.allocBuffer(bytes);
    const back = ctrlr.allocBuffer(bytes);
    let mainMismatches = 0;
    for (let r = 0; r < rounds; r++) {
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
    const qids = [...reports.map((r) => r.qid), mainQp.id];
    assert.equal(new Set(qids).size, 3, `three distinct queues: ${qids}`);
    for (const e of exported) await e.release();
    // The workers' data is on the device: the main thread reads it back with the same seeds.
    for (const job of jobs) {
      for (const r of [0, rounds - 1]) {
        const lba = job.firstLba + r * BLOCKS;
        await ns.read(mainQp, back.bytes, lba, BLOCKS);
        randomFill(out.bytes, job.seed + lba);
        assert.equal(Buffer.compare(out.bytes, back.bytes), 0, `what worker wrote at LBA ${lba}`);
      }
    }
    // Released queues are free again: a new export gets a queue without exhausting them.
    const again = await ctrlr.allocIoQpairForWorker();
    await again.release();
    await again.release(); // idempotent
    ctrlr.freeBuffer(out);
    ctrlr.freeBuffer(back);
    await driver.detach(ctrlr);
    afterDetach();
  });

  test("detach releases queues still exported; a transport without the hook refuses", async () => {
    const { driver, ctrlr } = await target.attach();
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
    afterDetach();
  });

  test("reset with workers' I/O in flight: each command completes once, aborted ones are redone, queues come back", async () => {
    const { driver, ctrlr } = await target.attach();
    const ns = ctrlr.getNamespace(nsid)!;
    const depth = 6;
    const exported = [
      await ctrlr.allocIoQpairForWorker({ ioQueueSize: 16, bufferBytes: 2 * depth * BLOCKS * ns.sectorSize }),
      await ctrlr.allocIoQpairForWorker({ ioQueueSize: 16, bufferBytes: 2 * depth * BLOCKS * ns.sectorSize }),
    ];
    const workers = exported.map((e, i) =>
      runResetWorker({
        handle: e.handle,
        nsid,
        firstLba: (i + 1) * 1000,
        blocks: BLOCKS,
        depth,
        afterReset: 100,
      }),
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
    afterDetach();
  });
}
