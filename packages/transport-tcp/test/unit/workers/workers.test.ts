// NVMe/TCP queue pairs in worker threads: each worker opens its own connection for the queue the
// controller's thread exported, does verified I/O on it, keeps going across a controller reset and
// a reconnect (its connection re-opened and re-Connected from the worker), and closes cleanly.
import { Worker } from "node:worker_threads";
import type { Controller } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startRig, until } from "../host/helper.js";
import type { IoWorkerJob, IoWorkerReport } from "./io-worker.js";

const WORKER = new URL("./io-worker.js", import.meta.url);
const WAIT_MS = 10_000;

/** Starts one I/O worker on a queue pair exported from `ctrlr`. */
async function startWorker(
  ctrlr: Controller,
  index: number,
  stop: Int32Array,
): Promise<{ worker: Worker; rounds: Int32Array; report: Promise<IoWorkerReport> }> {
  const exported = await ctrlr.allocIoQpairForWorker({ ioQueueSize: 8 });
  const rounds = new Int32Array(new SharedArrayBuffer(4));
  const job: IoWorkerJob = {
    handle: exported.handle,
    nsid: 1,
    firstLba: 1000 + index * 256,
    blocks: 8,
    stop: stop.buffer as SharedArrayBuffer,
    rounds: rounds.buffer as SharedArrayBuffer,
  };
  const worker = new Worker(WORKER, { workerData: job });
  const report = new Promise<IoWorkerReport>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return { worker, rounds, report };
}

test("a worker's queue pair survives the target going away and coming back (the controller reconnects)", async () => {
  const rig = await startRig();
  const ctrlr = await rig.connect({ reconnectDelayMs: 50, ctrlLossTimeoutMs: 10_000 });
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const w = await startWorker(ctrlr, 0, stop);
  try {
    assert.ok(await until(() => Atomics.load(w.rounds, 0) >= 5, WAIT_MS), "the worker's first rounds");
    await rig.target.close();
    assert.ok(await until(() => ctrlr.state === "failed", WAIT_MS), "the controller fails");
    await rig.restartTarget();
    assert.ok(await until(() => ctrlr.state === "ready", WAIT_MS), "the reconnect");
    const after = Atomics.load(w.rounds, 0);
    assert.ok(
      await until(() => Atomics.load(w.rounds, 0) >= after + 5, WAIT_MS),
      "the worker's rounds after the reconnect",
    );
    Atomics.store(stop, 0, 1);
    const r = await w.report;
    assert.is(r.mismatches, 0);
  } finally {
    Atomics.store(stop, 0, 1);
    await w.worker.terminate();
    await rig.stop();
  }
});

test("two workers on their own TCP queue pairs, byte-exact, through a controller reset", async () => {
  const rig = await startRig();
  const ctrlr = await rig.connect({ reconnectDelayMs: 20 });
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const workers: { worker: Worker; rounds: Int32Array; report: Promise<IoWorkerReport> }[] = [];
  try {
    for (let w = 0; w < 2; w++) workers.push(await startWorker(ctrlr, w, stop));
    assert.ok(
      await until(() => workers.every((w) => Atomics.load(w.rounds, 0) >= 5), WAIT_MS),
      "every worker's first rounds",
    );
    await ctrlr.reset();
    const after = workers.map((w) => Atomics.load(w.rounds, 0));
    assert.ok(
      await until(() => workers.every((w, i) => Atomics.load(w.rounds, 0) >= after[i]! + 5), WAIT_MS),
      "rounds after the reset",
    );
    Atomics.store(stop, 0, 1);
    const reports = await Promise.all(workers.map((w) => w.report));
    const qids = reports.map((r) => r.qid);
    assert.is(new Set(qids).size, 2, `each worker has its own queue: ${qids}`);
    for (const r of reports) {
      assert.is(r.mismatches, 0, `queue ${r.qid}: every round read back what it wrote`);
      assert.ok(r.rounds >= 10, `queue ${r.qid}: ${r.rounds} rounds`);
    }
  } finally {
    Atomics.store(stop, 0, 1);
    await Promise.all(workers.map((w) => w.worker.terminate()));
    await rig.stop();
  }
});

test.run();
