// A worker thread for the workers scenario: opens the queue pair it was given (rings, doorbells and
// DMA memory viewed by address, on the software controller or through VFIO alike), writes seeded
// random data at its own LBAs and reads it back through that queue pair, then reports and closes.
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerQueuePairHandle } from "@nvmekit/core";
import { attachWorkerQueuePair } from "../../src/index.js";
import { randomFill } from "./seeded-bytes.js";

/** What the suite posts as workerData. */
export interface QueueWorkerJob {
  handle: WorkerQueuePairHandle;
  nsid: number;
  firstLba: number;
  blocks: number;
  rounds: number;
  seed: number;
}

/** What the worker reports. */
export interface QueueWorkerReport {
  qid: number;
  mismatches: number;
}

if (parentPort !== null) {
  const job = workerData as QueueWorkerJob;
  const { qpair, namespaces, dma, close } = attachWorkerQueuePair(job.handle);
  const ns = namespaces.get(job.nsid)!;
  const out = dma.alloc(job.blocks * ns.sectorSize);
  const back = dma.alloc(job.blocks * ns.sectorSize);
  let mismatches = 0;
  for (let r = 0; r < job.rounds; r++) {
    const lba = job.firstLba + r * job.blocks;
    randomFill(out.bytes, job.seed + lba);
    await ns.write(qpair, out.bytes, lba, job.blocks);
    await ns.read(qpair, back.bytes, lba, job.blocks);
    if (Buffer.compare(out.bytes, back.bytes) !== 0) mismatches++;
  }
  const qid = qpair.id;
  dma.free(out);
  dma.free(back);
  close();
  parentPort.postMessage({ qid, mismatches } satisfies QueueWorkerReport);
}
