// A worker thread for the workers scenario's reset test: keeps `depth` write-then-read-back I/Os in flight
// on the queue pair it was given, through the callback API, until a controller reset (which the main
// thread starts once told "running") has aborted some and `afterReset` more have completed. It books
// every callback against what it submitted, so a lost or duplicated completion shows in the report.
import { parentPort, workerData } from "node:worker_threads";
import type { WorkerQueuePairHandle } from "@nvmekit/core";
import { type Completion, GenericStatus, StatusCodeType } from "@nvmekit/core/nvme-spec";
import { attachWorkerQueuePair } from "../../src/index.js";
import { randomFill } from "./seeded-bytes.js";

/** What the suite posts as workerData. */
export interface ResetWorkerJob {
  handle: WorkerQueuePairHandle;
  nsid: number;
  firstLba: number;
  blocks: number;
  depth: number;
  /** Successful round trips to see after the first abort before reporting. */
  afterReset: number;
}

/** What the worker reports. */
export interface ResetWorkerReport {
  submitted: number;
  callbacks: number;
  aborted: number;
  duplicates: number;
  otherErrors: number;
  mismatches: number;
  roundTripsAfterReset: number;
}

/** One in-flight I/O: a write of its pattern, then a read of it back. */
interface Slot {
  lba: number;
  seed: number;
  reading: boolean;
  inFlight: boolean;
  out: Uint8Array;
  back: Uint8Array;
}

if (parentPort !== null) {
  const port = parentPort;
  const job = workerData as ResetWorkerJob;
  const { qpair, namespaces, dma, close } = attachWorkerQueuePair(job.handle);
  const ns = namespaces.get(job.nsid)!;
  const bytes = job.blocks * ns.sectorSize;
  const report: ResetWorkerReport = {
    submitted: 0,
    callbacks: 0,
    aborted: 0,
    duplicates: 0,
    otherErrors: 0,
    mismatches: 0,
    roundTripsAfterReset: 0,
  };
  let roundTrips = 0;
  let announced = false;

  const submit = (slot: Slot): void => {
    slot.inFlight = true;
    report.submitted++;
    const rc = slot.reading
      ? ns.cmdRead(qpair, slot.back, slot.lba, job.blocks, onComplete, slot)
      : ns.cmdWrite(qpair, slot.out, slot.lba, job.blocks, onComplete, slot);
    if (rc !== 0) throw new Error(`submission refused (${rc}) with ${job.depth} slots on the queue`);
  };
  function onComplete(slot: Slot, cpl: Completion): void {
    report.callbacks++;
    if (!slot.inFlight) report.duplicates++;
    slot.inFlight = false;
    if (cpl.sct === StatusCodeType.Generic && cpl.sc === GenericStatus.AbortedSqDeletion) {
      report.aborted++;
      slot.reading = false; // the write may not have happened: write again
    } else if (cpl.isError) {
      report.otherErrors++;
    } else if (!slot.reading) {
      slot.reading = true;
    } else {
      if (Buffer.compare(slot.out, slot.back) !== 0) report.mismatches++;
      roundTrips++;
      if (report.aborted > 0) report.roundTripsAfterReset++;
      slot.reading = false;
      slot.seed++;
      randomFill(slot.out, slot.seed);
    }
    if (report.roundTripsAfterReset < job.afterReset) submit(slot);
  }

  const slots: Slot[] = [];
  for (let i = 0; i < job.depth; i++) {
    const slot: Slot = {
      lba: job.firstLba + i * job.blocks,
      seed: 1000 * i,
      reading: false,
      inFlight: false,
      out: dma.alloc(bytes).bytes,
      back: dma.alloc(bytes).bytes,
    };
    randomFill(slot.out, slot.seed);
    slots.push(slot);
    submit(slot);
  }
  for (let spin = 1; slots.some((s) => s.inFlight); spin++) {
    qpair.processCompletions(0);
    if (!announced && roundTrips >= 20) {
      announced = true;
      port.postMessage({ type: "running" });
    }
    if (spin % 64 === 0) await new Promise((r) => setImmediate(r));
  }
  close();
  port.postMessage({ type: "report", report });
}
