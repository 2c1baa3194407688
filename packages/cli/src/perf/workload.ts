/**
 * Runs a perf workload through the callback face, keeping `queueDepth` I/Os in flight per job (one
 * namespace on one queue pair): each completion records its latency and submits the next I/O from
 * the same preallocated slot, so the measured path allocates nothing per I/O. Several jobs (more
 * namespaces, more queue pairs) share one polling loop, which yields to the event loop regularly so
 * timers (the progress bar) keep running.
 * @module
 */

import { type DmaBuffer, DOORBELL_BATCH, type Namespace, type QueuePair } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import type * as hdr from "hdr-histogram-js";
import { LatencyRecorder, newLatencyHistogram } from "./latency-recorder.js";
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
  /** IOPS over each {@link SAMPLE_MS} interval of the run, for charts finer than a second. */
  iopsSamples: number[];
  /** Verification failures (with `verify`): LBAs whose data was not their pattern. */
  verifyFailures: number;
  /** I/Os that completed with an error status. */
  errors: number;
}

/**
 * Completions handled between two clock reads within one polling round: the doorbell batch, so a
 * latency is off by at most the time the host takes to handle one doorbell's worth of completions.
 */
const COMPLETIONS_PER_CLOCK_READ = DOORBELL_BATCH;

/**
 * A clock read lazily: after the host waited (a polling round that found nothing) and every
 * {@link COMPLETIONS_PER_CLOCK_READ} completions. Where the clocksource is an emulated HPET, every
 * clock read is a system call and a device access, as costly as the rest of an I/O's host work, so
 * latencies are measured to the batch rather than to the instruction (SPDK's perf reads the TSC, which
 * JavaScript cannot).
 */
class BatchClock {
  private origin = 0;
  private time = 0;
  private stale = true;
  private completions = 0;
  /** Starts counting from `originMs` (a performance.now() reading). */
  start(originMs: number): void {
    this.origin = originMs;
    this.stale = true;
  }
  /**
   * Whole microseconds since the start, read afresh if the last reading is stale. Integers, so the
   * per-I/O arithmetic on times stays integer (floating point is a soft-float call in an emulated guest).
   */
  now(): number {
    if (this.stale) {
      this.time = Math.round((performance.now() - this.origin) * 1000);
      this.stale = false;
    }
    return this.time;
  }
  /** The time (us) for a completion: every {@link COMPLETIONS_PER_CLOCK_READ}th one reads the clock afresh. */
  completionTime(): number {
    if (++this.completions === COMPLETIONS_PER_CLOCK_READ) {
      this.completions = 0;
      this.stale = true;
    }
    return this.now();
  }
  /** After a polling round that found nothing: time has passed, so the next reading reads the clock. */
  waited(): void {
    this.stale = true;
    this.completions = 0;
  }
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
/** Longest sleep waiting for a socket's completions before checking the clock (ms). */
const EVENT_WAIT_MS = 5;
/** Length in milliseconds of the intervals of {@link WorkloadResult.iopsSamples}. */
export const SAMPLE_MS = 100;

/** The IOPS of each interval of one length, closed by the first completion after the interval. */
class RateSeries {
  readonly values: number[] = [];
  private start = 0;
  private closesAt = 0;
  private count = 0;
  /** @param intervalUs the interval's length in microseconds */
  constructor(private readonly intervalUs: number) {}
  /** Opens an interval at `now` (us). */
  begin(now: number): void {
    this.start = now;
    this.closesAt = now + this.intervalUs;
  }
  /** One completion at `now` (us): one compare per I/O. */
  add(now: number): void {
    this.count++;
    if (now >= this.closesAt) {
      this.values.push(Math.round((this.count * 1_000_000) / (now - this.start)));
      this.begin(now);
      this.count = 0;
    }
  }
}

/** The state of a run; created by {@link runWorkload}. */
class WorkloadRun {
  readonly latencies = new LatencyRecorder();
  readonly perSecond = new RateSeries(1_000_000);
  readonly samples = new RateSeries(SAMPLE_MS * 1000);
  ios = 0;
  reads = 0;
  errors = 0;
  verifyFailures = 0;
  inFlight = 0;
  stopping = false;
  private rng = 0x2545f491;
  private sequentialLba = 0;
  readonly blocksPerIo: number;
  readonly span: number;
  private readonly random: boolean;

  constructor(
    readonly ns: Namespace,
    readonly qp: QueuePair,
    readonly spec: WorkloadSpec,
    readonly clock: BatchClock,
  ) {
    this.blocksPerIo = spec.ioSize / ns.extendedBlockSize;
    this.span = Math.floor(ns.numSectors / this.blocksPerIo);
    this.random = spec.pattern.startsWith("rand");
  }

  /** Picks the next I/O's LBA and direction and submits it; false when the qpair has no room now. */
  submit(slot: Slot): boolean {
    const spec = this.spec;
    const index = this.random ? this.next() % this.span : this.sequentialLba++ % this.span;
    slot.lba = index * this.blocksPerIo;
    slot.read = spec.readPercent === 100 || (spec.readPercent > 0 && this.next() % 100 < spec.readPercent);
    if (!slot.read && spec.verify)
      walkPattern(slot.words, slot.lba, this.blocksPerIo, this.ns.extendedBlockSize, 1, false);
    slot.startedAt = this.clock.now();
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
    const us = now - slot.startedAt;
    this.latencies.record(us > 0 ? us : 1);
    this.perSecond.add(now);
    this.samples.add(now);
  }

  /** Starts the IOPS series. */
  startClock(now: number): void {
    this.perSecond.begin(now);
    this.samples.begin(now);
  }

  /**
   * The next xorshift32 value, shifted to 31 bits: the state stays an int32 and the result a small
   * integer, so `%` is an integer remainder rather than a call to fmod on a double.
   */
  private next(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return x >>> 1;
  }
}

function onComplete(slot: Slot, cpl: Completion): void {
  const run = slot.run;
  run.completed(slot, cpl, run.clock.completionTime());
  if (!run.stopping) run.submit(slot);
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One job of {@link runWorkloads}: a workload on one namespace through one queue pair. */
export interface WorkloadJob {
  /** The namespace. */
  ns: Namespace;
  /** The queue pair (each job needs its own: a qpair is driven by one loop). */
  qp: QueuePair;
  /** The workload, checked against `ns` with {@link checkWorkload}. */
  spec: WorkloadSpec;
}

/** Sleeps until one of `qps` may have a completion (or {@link EVENT_WAIT_MS} passed). */
function waitForAny(qps: readonly QueuePair[]): Promise<unknown> {
  if (qps.length === 1) return qps[0]!.waitForCompletions(EVENT_WAIT_MS) ?? Promise.resolve();
  return Promise.race(qps.map((qp) => qp.waitForCompletions(EVENT_WAIT_MS) ?? Promise.resolve()));
}

/** Options of {@link runWorkloads}. */
export interface RunOptions {
  /** Called about every `progressMs` with the I/Os completed so far by all jobs (for a progress display). */
  onProgress?: (iosSoFar: number, elapsedMs: number) => void;
  /** Interval of `onProgress` in milliseconds (default 1000). */
  progressMs?: number;
  /** Stops the run early (e.g. on Ctrl-C) when it returns true; polled with the clock. */
  shouldStop?: () => boolean;
}

/**
 * Runs `spec` on `ns` over `qp` and returns its figures. `onSecond` is called about once a second
 * with the I/Os completed so far (for a progress display).
 */
export async function runWorkload(
  ns: Namespace,
  qp: QueuePair,
  spec: WorkloadSpec,
  onSecond: (iosSoFar: number) => void = () => undefined,
): Promise<WorkloadResult> {
  const [result] = await runWorkloads([{ ns, qp, spec }], { onProgress: onSecond });
  return result!;
}

/**
 * Runs every job at once, in one polling loop, until the longest job's time is up (or its `maxIos`
 * are done), and returns each job's figures in order. With `verify`, each namespace is pre-filled
 * once, by its first job. Combine the figures with {@link combineResults}. I/O buffers come from each
 * namespace's own DMA memory (its controller's, or a worker thread's).
 */
export async function runWorkloads(
  jobs: readonly WorkloadJob[],
  options: RunOptions = {},
): Promise<WorkloadResult[]> {
  const clock = new BatchClock();
  const runs = jobs.map((j) => new WorkloadRun(j.ns, j.qp, j.spec, clock));
  const memory: [DmaBuffer, Namespace][] = [];
  try {
    // A buffer per slot, as allocated: the allocator knows such a view's IOVA without a lookup.
    const slotsOf = runs.map((run) => {
      const { queueDepth, ioSize } = run.spec;
      return Array.from({ length: queueDepth }, () => {
        const buffer = run.ns.owner.dma.alloc(ioSize);
        memory.push([buffer, run.ns]);
        const view = buffer.bytes;
        return new Slot(run, view, new Uint32Array(view.buffer, view.byteOffset, ioSize >>> 2));
      });
    });
    // By ID: a worker thread has one Namespace object per queue pair for the same namespace.
    const prefilled = new Set<number>();
    for (const [i, run] of runs.entries()) {
      if (!run.spec.verify || prefilled.has(run.ns.id)) continue;
      prefilled.add(run.ns.id);
      await prefill(run, slotsOf[i]![0]!);
    }
    const eventDriven = runs.filter((run) => run.qp.completionsNeedEventLoop).map((run) => run.qp);
    const cpu = process.cpuUsage();
    const started = performance.now();
    clock.start(started);
    for (const run of runs) run.startClock(0);
    const deadlines = runs.map((run) => started + run.spec.seconds * 1000);
    const pending = slotsOf.map((slots, i) => slots.filter((s) => !runs[i]!.submit(s)));
    const progressMs = options.progressMs ?? 1000;
    let lastReport = started;
    for (let spin = 1; ; spin++) {
      let busy = false;
      let completions = 0;
      // Index loops: an entries() iterator would be an allocation per round.
      for (let i = 0; i < runs.length; i++) {
        const run = runs[i]!;
        const n = run.qp.processCompletions(0);
        if (n > 0) completions += n; // negative: the queue is resetting or gone (its commands were aborted)
        if (!run.stopping && pending[i]!.length > 0) pending[i] = pending[i]!.filter((s) => !run.submit(s));
        if (!run.stopping || run.inFlight > 0) busy = true;
      }
      if (!busy) break;
      if (completions === 0) clock.waited();
      // Over a socket (NVMe/TCP) nothing completes until the event loop has run: sleep until data comes.
      if (completions === 0 && eventDriven.length > 0) await waitForAny(eventDriven);
      if (spin % YIELD_EVERY === 0) {
        const now = performance.now();
        const stop = options.shouldStop?.() ?? false;
        for (let i = 0; i < runs.length; i++) if (stop || now >= deadlines[i]!) runs[i]!.stopping = true;
        if (now - lastReport >= progressMs) {
          lastReport = now;
          options.onProgress?.(
            runs.reduce((n, r) => n + r.ios, 0),
            now - started,
          );
        }
        await yieldToLoop();
        clock.waited();
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const totalIos = runs.reduce((n, r) => n + r.ios, 0);
    // CPU time is the process's, shared by every job in proportion to its I/Os.
    return runs.map((run) =>
      summarize(run, seconds, totalIos > 0 ? ((used.user + used.system) * run.ios) / totalIos : 0),
    );
  } finally {
    for (const [buffer, ns] of memory) ns.owner.dma.free(buffer);
  }
}

/** Writes every block of the range with its pattern so that any later read can be checked. */
async function prefill(run: WorkloadRun, slot: Slot): Promise<void> {
  const { ns, qp, blocksPerIo } = run;
  for (let i = 0; i < run.span; i++) {
    walkPattern(slot.words, i * blocksPerIo, blocksPerIo, ns.extendedBlockSize, 1, false);
    await ns.write(qp, slot.view, i * blocksPerIo, blocksPerIo);
  }
}

/** Latency figures of a histogram in microseconds. */
export function latencyFigures(h: hdr.Histogram): WorkloadResult["latencyUs"] {
  return {
    avg: h.mean,
    min: h.minNonZeroValue,
    max: h.maxValue,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    p9999: h.getValueAtPercentile(99.99),
  };
}

function summarize(run: WorkloadRun, seconds: number, cpuUs: number): WorkloadResult {
  const h = run.latencies.flush();
  const bytes = run.ios * run.spec.ioSize;
  return {
    ios: run.ios,
    reads: run.reads,
    bytes,
    seconds,
    iops: run.ios / seconds,
    mibps: bytes / 2 ** 20 / seconds,
    latencyUs: latencyFigures(h),
    histogram: h,
    cpuUsPerIo: run.ios > 0 ? cpuUs / run.ios : 0,
    iopsPerSecond: run.perSecond.values,
    iopsSamples: run.samples.values,
    verifyFailures: run.verifyFailures,
    errors: run.errors,
  };
}

const sumByIndex = (series: number[][]): number[] =>
  Array.from({ length: Math.max(0, ...series.map((s) => s.length)) }, (_, i) =>
    series.reduce((n, s) => n + (s[i] ?? 0), 0),
  );

/**
 * The figures of several jobs run together as one (per namespace, or the total): counts and rates
 * add up, latencies come from the merged histograms, the run time is the longest.
 */
export function combineResults(results: readonly WorkloadResult[]): WorkloadResult {
  if (results.length === 1) return results[0]!;
  const histogram = newLatencyHistogram();
  for (const r of results) histogram.add(r.histogram);
  const sum = (f: (r: WorkloadResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const ios = sum((r) => r.ios);
  const bytes = sum((r) => r.bytes);
  const seconds = Math.max(...results.map((r) => r.seconds));
  return {
    ios,
    reads: sum((r) => r.reads),
    bytes,
    seconds,
    iops: ios / seconds,
    mibps: bytes / 2 ** 20 / seconds,
    latencyUs: latencyFigures(histogram),
    histogram,
    cpuUsPerIo: ios > 0 ? sum((r) => r.cpuUsPerIo * r.ios) / ios : 0,
    iopsPerSecond: sumByIndex(results.map((r) => r.iopsPerSecond)),
    iopsSamples: sumByIndex(results.map((r) => r.iopsSamples)),
    verifyFailures: sum((r) => r.verifyFailures),
    errors: sum((r) => r.errors),
  };
}
