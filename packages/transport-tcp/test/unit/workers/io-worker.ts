// A worker thread for the TCP worker suite: opens the queue pair it was given over its own NVMe/TCP
// connection, writes and reads back random data at its own LBAs until told to stop, redoing any I/O
// a controller reset aborted, and reports what it saw.
import { randomFillSync } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { NvmeStatusError, type WorkerQueuePairHandle } from "@nvmekit/core";
import { attachTcpWorkerQueuePair } from "../../../src/host/worker-queue.js";

/** What the suite posts as workerData. */
export interface IoWorkerJob {
  handle: WorkerQueuePairHandle;
  nsid: number;
  firstLba: number;
  blocks: number;
  /** Int32: the suite sets it to 1 to stop the worker. */
  stop: SharedArrayBuffer;
  /** Int32: the worker counts its completed rounds here. */
  rounds: SharedArrayBuffer;
}

/** What the worker reports. */
export interface IoWorkerReport {
  qid: number;
  rounds: number;
  aborted: number;
  mismatches: number;
}

if (parentPort !== null) {
  const job = workerData as IoWorkerJob;
  const { qpair, namespaces, dma, close } = await attachTcpWorkerQueuePair(job.handle);
  const ns = namespaces.get(job.nsid)!;
  const out = dma.alloc(job.blocks * ns.sectorSize).bytes;
  const back = dma.alloc(job.blocks * ns.sectorSize).bytes;
  const stop = new Int32Array(job.stop);
  const rounds = new Int32Array(job.rounds);
  let aborted = 0;
  let mismatches = 0;
  for (let r = 0; Atomics.load(stop, 0) === 0; r++) {
    const lba = job.firstLba + (r % 16) * job.blocks;
    randomFillSync(out);
    try {
      await ns.write(qpair, out, lba, job.blocks);
      await ns.read(qpair, back, lba, job.blocks);
    } catch (e) {
      if (!(e instanceof NvmeStatusError)) throw e;
      aborted++; // a reset aborted it: do the round again
      continue;
    }
    if (Buffer.compare(out, back) !== 0) mismatches++;
    Atomics.add(rounds, 0, 1);
  }
  const qid = qpair.id;
  close();
  parentPort.postMessage({
    qid,
    rounds: Atomics.load(rounds, 0),
    aborted,
    mismatches,
  } satisfies IoWorkerReport);
}
