/**
 * `nvmekit perf --workers N` on the controller's thread: exports one queue pair per job to each
 * worker thread (SPDK's model: a core per worker, its own queue pairs), feeds the progress display
 * from their messages, collects their figures, and deletes the queues once each worker has exited.
 * @module
 */
import { Worker } from "node:worker_threads";
import type {
  Controller,
  ExportedQueuePair,
  Namespace,
  TransportType,
  WorkerQueuePairHandle,
} from "@nvmekit/core";
import { perfQueueOptions } from "./queue-sizing.js";
import { type PostedResult, receivedResult } from "./result-transfer.js";
import type { RunOptions, WorkloadResult } from "./workload.js";
import type { WorkloadSpec } from "./workload-spec.js";

/** One job of a worker: a workload on a namespace through a queue pair of its own. */
export interface WorkerJob {
  /** The namespace (of the controller's thread; the worker opens its twin). */
  ns: Namespace;
  /** The workload, checked against `ns`. */
  spec: WorkloadSpec;
}

/** What a perf worker thread is started with. */
export interface PerfWorkerData {
  /** Its jobs, each with the queue pair exported for it. */
  jobs: { handle: WorkerQueuePairHandle; nsid: number; spec: WorkloadSpec }[];
  /** Int32 flag: non-zero asks every worker to stop (Ctrl-C). */
  stop: SharedArrayBuffer;
  /** Progress interval in milliseconds. */
  progressMs: number;
  /** The controller's transport: it says how the worker opens its queues (fabrics connect their own). */
  trtype: TransportType;
}

/** What a perf worker thread posts. */
export type PerfWorkerMessage =
  | {
      /** Its queue pairs are open: it waits for "go", so that every worker starts at once. */
      type: "ready";
    }
  | {
      /** I/Os completed so far. */
      type: "progress";
      /** Count. */
      ios: number;
    }
  | {
      /** The run is over. */
      type: "done";
      /** Figures per job, in order. */
      results: PostedResult[];
    };

/** What the controller's thread posts to a perf worker: start the run. */
export const GO_MESSAGE = "go";

const WORKER_URL = new URL("./perf-worker.js", import.meta.url);

/** One started worker thread. */
interface StartedWorker {
  /** Resolves once its queue pairs are open. */
  ready: Promise<void>;
  /** Resolves with its figures once it has exited (by then it holds no view of the queues). */
  finished: Promise<WorkloadResult[]>;
  /** Starts its run. */
  go(): void;
}

function startWorker(data: PerfWorkerData, onProgress: (ios: number) => void): StartedWorker {
  const worker = new Worker(WORKER_URL, { workerData: data });
  let results: WorkloadResult[] | null = null;
  let isReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    isReady = resolve;
  });
  worker.on("message", (m: PerfWorkerMessage) => {
    if (m.type === "ready") isReady();
    else if (m.type === "progress") onProgress(m.ios);
    else results = m.results.map(receivedResult);
  });
  const finished = new Promise<WorkloadResult[]>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) =>
      results !== null ? resolve(results) : reject(new Error(`perf worker exited with code ${code}`)),
    );
  });
  return {
    ready: Promise.race([ready, finished.then(() => undefined)]),
    finished,
    go: () => worker.postMessage(GO_MESSAGE),
  };
}

/**
 * Runs `jobsPerWorker[w]` in worker thread `w`, all started at once, and returns every job's figures
 * in order (workers, then jobs). Each worker measures the whole process's CPU time over its run, and
 * the runs coincide, so each worker's share of it is 1/N.
 */
export async function runInWorkers(
  ctrlr: Controller,
  jobsPerWorker: readonly (readonly WorkerJob[])[],
  options: RunOptions = {},
): Promise<WorkloadResult[]> {
  const exported: ExportedQueuePair[] = [];
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const progressMs = options.progressMs ?? 1000;
  let watch: ReturnType<typeof setInterval> | undefined;
  try {
    const data: PerfWorkerData[] = [];
    for (const jobs of jobsPerWorker) {
      const posted: PerfWorkerData["jobs"] = [];
      for (const { ns, spec } of jobs) {
        const depth = spec.queueDepth;
        const e = await ctrlr.allocIoQpairForWorker({
          ...perfQueueOptions(ctrlr, depth),
          bufferBytes: depth * spec.ioSize,
        });
        exported.push(e);
        posted.push({ handle: e.handle, nsid: ns.id, spec });
      }
      data.push({
        jobs: posted,
        stop: stop.buffer as SharedArrayBuffer,
        progressMs,
        trtype: ctrlr.trid.trtype,
      });
    }
    const progress = data.map(() => 0);
    const workers = data.map((d, w) =>
      startWorker(d, (ios) => {
        progress[w] = ios;
      }),
    );
    // One failed: stop the others.
    const finished = workers.map((w) =>
      w.finished.catch((e) => {
        Atomics.store(stop, 0, 1);
        throw e;
      }),
    );
    await Promise.all(workers.map((w) => w.ready));
    const started = performance.now();
    for (const w of workers) w.go();
    // Progress and Ctrl-C on this thread's clock: the sum of every worker's latest count.
    watch = setInterval(() => {
      if (options.shouldStop?.()) Atomics.store(stop, 0, 1);
      options.onProgress?.(
        progress.reduce((a, b) => a + b, 0),
        performance.now() - started,
      );
    }, progressMs);
    const results = (await Promise.all(finished)).flat();
    return results.map((r) => ({ ...r, cpuUsPerIo: r.cpuUsPerIo / workers.length }));
  } finally {
    clearInterval(watch);
    for (const e of exported) await e.release();
  }
}
