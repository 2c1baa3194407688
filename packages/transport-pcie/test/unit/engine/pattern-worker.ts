// A worker thread for workers.test.ts: opens the queue pair it was given, writes seeded patterns at
// its own LBAs and reads them back through that queue pair, then reports and closes.
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerQueuePairHandle } from "@nvmekit/core";
import { attachWorkerQueuePair } from "@nvmekit/transport-pcie";
import { fillPattern } from "./pattern.js";

/** What the test posts as workerData. */
export interface PatternJob {
  handle: WorkerQueuePairHandle;
  nsid: number;
  firstLba: number;
  blocks: number;
  rounds: number;
  seed: number;
}

const job = workerData as PatternJob;
const { qpair, namespaces, dma, close } = attachWorkerQueuePair(job.handle);
const ns = namespaces.get(job.nsid)!;
const out = dma.alloc(job.blocks * ns.sectorSize);
const back = dma.alloc(job.blocks * ns.sectorSize);
let mismatches = 0;
for (let r = 0; r < job.rounds; r++) {
  const lba = job.firstLba + r * job.blocks;
  fillPattern(out.bytes, job.seed + lba);
  await ns.write(qpair, out.bytes, lba, job.blocks);
  await ns.read(qpair, back.bytes, lba, job.blocks);
  if (Buffer.compare(out.bytes, back.bytes) !== 0) mismatches++;
}
const qid = qpair.id;
dma.free(out);
dma.free(back);
close();
parentPort!.postMessage({ qid, mismatches });
