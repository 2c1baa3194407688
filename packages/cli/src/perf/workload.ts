/**
 * Runs a perf workload on one namespace through the callback face, keeping `queueDepth` I/Os in
 * flight: each completion records its latency and submits the next I/O from the same preallocated
 * slot, so the measured path allocates nothing per I/O. Yields to the event loop regularly so timers
 * (the progress bar) keep running.
 * @module
 */
import type { Completion, Controller, DmaBuffer, Namespace, QueuePair } from "@nvmekit/core";
import * as hdr from "hdr-histogram-js";
import { walkPattern } from "./pattern-data.js";
import type { WorkloadSpec } from "./workload-spec.js";

/** Latency figures of a run, in microseconds. */
export interface LatencySummary {
  /** Average. */
  avg: number;
  /** Minimum. */
  min: number;
  /** Maximum. */
  max: number;
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** 99.9th percentile. */
  p999: number;
  /** 99.99th percentile. */
  p9999: number;
}

/** Figures of one run. */
export interface WorkloadResult {
  /** I/Os completed. */
  ios: number;
  /** Reads among them. */
  reads: number;
  /** Bytes moved. */
  bytes: number;
  /** Wall time in seconds. */
  seconds: number;
  /** I/Os per second. */
  iops: number;
  /** MiB per second. */
  mibps: number;
  /** Latency in microseconds. */
  latencyUs: LatencySummary;
  /** The latency histogram (microseconds) for reports. */
  histogram: hdr.Histogram;
  /** CPU time (user + system) per I/O in microseconds. */
  cpuUsPerIo: number;
  /** I/Os completed in each second of the run. */
  iopsPerSecond: number[];
  /** Verification failures (with `verify`): LBAs whose data was not their pattern. */
  verifyFailures: number;
  /** I/Os that completed with an error status. */
  errors: number;
}

/** One in-flight I/O's state, preallocated. */
class Slot {
  lba = 0;
  read = false;
  startedAt = 0;
  constructor(
    readonly run: WorkloadRun,
    readonly view: Uint8Array,
    readonly words: Uint32Array,
  ) {}
}

const YIELD_EVERY = 256;

/** The state of a run; created by {@link runWorkload}. */
class WorkloadRun {
  readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  readonly perSecond: number[] = [];
  ios = 0;
  reads = 0;
  errors = 0;
  verifyFailures = 0;
  inFlight = 0;
  stopping = false;
  private rng = 0x2545f491;
  private sequentialLba = 0;
  private secondStart = 0;
  private secondIos = 0;
  readonly blocksPerIo: number;
  readonly span: number;

  constructor(
    readonly ns: Namespace,
    readonly qp: QueuePair,
    readonly spec: WorkloadSpec,
  ) {
    this.blocksPerIo = spec.ioSize / ns.extendedBlockSize;
    this.span = Math.floor(ns.numSectors / this.blocksPerIo);
  }

  /** Picks the next I/O's LBA and direction and submits it; false when the qpair has no room now. */
  submit(slot: Slot): boolean {
    const spec = this.spec;
    const random = spec.pattern.startsWith("rand");
    const index = random ? this.next() % this.span : this.sequentialLba++ % this.span;
    slot.lba = index * this.blocksPerIo;
    slot.read = spec.readPercent === 100 || (spec.readPercent > 0 && this.next() % 100 < spec.readPercent);
    if (!slot.read && spec.verify)
      walkPattern(slot.words, slot.lba, this.blocksPerIo, this.ns.extendedBlockSize, 1, false);
    slot.startedAt = performance.now();
    const rc = slot.read
      ? this.ns.cmdRead(this.qp, slot.view, slot.lba, this.blocksPerIo, onComplete, slot)
      : this.ns.cmdWrite(this.qp, slot.view, slot.lba, this.blocksPerIo, onComplete, slot);
    if (rc !== 0) return false;
    this.inFlight++;
    return true;
  }

  /** Books one completion. */
  completed(slot: Slot, cpl: Completion, now: number): void {
    this.inFlight--;
    if (++this.ios === this.spec.maxIos) this.stopping = true;
    if (slot.read) this.reads++;
    if (cpl.isError) this.errors++;
    else if (slot.read && this.spec.verify) {
      if (walkPattern(slot.words, slot.lba, this.blocksPerIo, this.ns.extendedBlockSize, 1, true) >= 0)
        this.verifyFailures++;
    }
    const us = Math.max(1, Math.round((now - slot.startedAt) * 1000));
    this.histogram.recordValue(us);
    this.secondIos++;
    if (now - this.secondStart >= 1000) this.closeSecond(now);
  }

  /** Starts the per-second IOPS series. */
  startClock(now: number): void {
    this.secondStart = now;
  }

  /** Closes the current second of the IOPS series. */
  closeSecond(now: number): void {
    this.perSecond.push(Math.round((this.secondIos * 1000) / Math.max(1, now - this.secondStart)));
    this.secondStart = now;
    this.secondIos = 0;
  }

  private next(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}

function onComplete(slot: Slot, cpl: Completion): void {
  const run = slot.run;
  run.completed(slot, cpl, performance.now());
  if (!run.stopping) run.submit(slot);
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Runs `spec` on `ns` over `qp` and returns its figures. `onSecond` is called about once a second
 * with the I/Os completed so far (for a progress display).
 */
export async function runWorkload(
  ctrlr: Controller,
  ns: Namespace,
  qp: QueuePair,
  spec: WorkloadSpec,
  onSecond: (iosSoFar: number) => void = () => undefined,
): Promise<WorkloadResult> {
  const run = new WorkloadRun(ns, qp, spec);
  const memory: DmaBuffer = ctrlr.allocBuffer(spec.queueDepth * spec.ioSize);
  try {
    if (spec.verify) await prefill(run, memory);
    const slots = Array.from({ length: spec.queueDepth }, (_, i) => {
      const view = memory.bytes.subarray(i * spec.ioSize, (i + 1) * spec.ioSize);
      return new Slot(run, view, new Uint32Array(view.buffer, view.byteOffset, spec.ioSize >>> 2));
    });
    const cpu = process.cpuUsage();
    const started = performance.now();
    run.startClock(started);
    const deadline = started + spec.seconds * 1000;
    let pending = slots.filter((s) => !run.submit(s));
    let lastReport = started;
    for (let spin = 1; ; spin++) {
      qp.processCompletions(0);
      if (pending.length > 0) pending = pending.filter((s) => !run.submit(s));
      if (spin % YIELD_EVERY === 0) {
        const now = performance.now();
        if (now >= deadline) run.stopping = true;
        if (now - lastReport >= 1000) {
          lastReport = now;
          onSecond(run.ios);
        }
        await yieldToLoop();
      }
      if (run.stopping && run.inFlight === 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return summarize(run, seconds, used.user + used.system);
  } finally {
    ctrlr.freeBuffer(memory);
  }
}

/** Writes every block of the range with its pattern so that any later read can be checked. */
async function prefill(run: WorkloadRun, memory: DmaBuffer): Promise<void> {
  const { ns, qp, spec, blocksPerIo } = run;
  const words = new Uint32Array(memory.bytes.buffer, memory.bytes.byteOffset, spec.ioSize >>> 2);
  const view = memory.bytes.subarray(0, spec.ioSize);
  for (let i = 0; i < run.span; i++) {
    walkPattern(words, i * blocksPerIo, blocksPerIo, ns.extendedBlockSize, 1, false);
    await ns.write(qp, view, i * blocksPerIo, blocksPerIo);
  }
}

function summarize(run: WorkloadRun, seconds: number, cpuUs: number): WorkloadResult {
  const h = run.histogram;
  const bytes = run.ios * run.spec.ioSize;
  return {
    ios: run.ios,
    reads: run.reads,
    bytes,
    seconds,
    iops: run.ios / seconds,
    mibps: bytes / 2 ** 20 / seconds,
    latencyUs: {
      avg: h.mean,
      min: h.minNonZeroValue,
      max: h.maxValue,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      p9999: h.getValueAtPercentile(99.99),
    },
    histogram: h,
    cpuUsPerIo: run.ios > 0 ? cpuUs / run.ios : 0,
    iopsPerSecond: run.perSecond,
    verifyFailures: run.verifyFailures,
    errors: run.errors,
  };
}
