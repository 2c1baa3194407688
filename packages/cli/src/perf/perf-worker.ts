/**
 * The body of one `nvmekit perf --workers` thread: opens the queue pairs the controller's thread
 * exported to it, waits for every other worker to be ready, runs the perf engine on them (its own polling loop, on its own core), posts
 * progress as it goes and the figures at the end, then closes its queue pairs so the controller's
 * thread can delete them.
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { TransportType, type WorkerQueuePairHandle } from "@nvmekit/core";
import { attachWorkerQueuePair } from "@nvmekit/transport-pcie";
import { attachRdmaWorkerQueuePair } from "@nvmekit/transport-rdma";
import { attachTcpWorkerQueuePair } from "@nvmekit/transport-tcp";
import { postableResult } from "./result-transfer.js";
import type { PerfWorkerData, PerfWorkerMessage } from "./worker-pool.js";
import { runWorkloads } from "./workload.js";

const data = workerData as PerfWorkerData;
const post = (m: PerfWorkerMessage) => parentPort!.postMessage(m);
const stop = new Int32Array(data.stop);
// Each transport opens its exported queues its own way (fabrics connect from this thread).
const attach: Record<number, (handle: WorkerQueuePairHandle) => ReturnType<typeof attachTcpWorkerQueuePair>> =
  {
    [TransportType.TCP]: attachTcpWorkerQueuePair,
    [TransportType.RDMA]: attachRdmaWorkerQueuePair,
  };
const attached = await Promise.all(
  data.jobs.map((job) => attach[data.trtype]?.(job.handle) ?? attachWorkerQueuePair(job.handle)),
);
post({ type: "ready" });
await new Promise((resolve) => parentPort!.once("message", resolve)); // GO_MESSAGE
try {
  const results = await runWorkloads(
    data.jobs.map((job, i) => ({
      ns: attached[i]!.namespaces.get(job.nsid)!,
      qp: attached[i]!.qpair,
      spec: job.spec,
    })),
    {
      progressMs: data.progressMs,
      onProgress: (ios) => post({ type: "progress", ios }),
      shouldStop: () => Atomics.load(stop, 0) !== 0,
    },
  );
  post({ type: "done", results: results.map(postableResult) });
} finally {
  for (const a of attached) a.close();
}
