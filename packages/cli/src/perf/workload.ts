/**
 * Runs a perf workload through the callback face, keeping `queueDepth` I/Os in flight per job (one
 * namespace on one queue pair): each completion records its latency and submits the next I/O from
 * the same preallocated slot, so the measured path allocates nothing per I/O. Several jobs (more
 * namespaces, more queue pairs) share one polling loop, which yields to the event loop every few
 * milliseconds (yield-pacer.ts) so timers (the progress bar) keep running. The figures start after a
 * warm-up (`warmupSeconds`) while V8 compiles the path.
 * @module
 */

import {
  type DmaBuffer,
  DOORBELL_BATCH,
  InvalidArgumentError,
  type Namespace,
  type QueuePair,
  StateError,
} from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import type * as hdr from "hdr-histogram-js";
import { BlockViews } from "./block-stamp.js";
import { LatencyRecorder, newLatencyHistogram } from "./latency-recorder.js";
import { addVerifyCounts, noVerifyCounts, type VerifyCounts, VerifyModel } from "./verify-model.js";
import { unitsOf, type WorkloadSpec } from "./workload-spec.js";
import { YieldPacer } from "./yield-pacer.js";

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
  /** Verification failures (with `verify`): reads that did not return what the model says was written. */
  verifyFailures: number;
  /**
   * What verify counted (all 0 without `verify`), the warm-up included; with a model kept across runs,
   * its counts so far.
   */
  verify: VerifyCounts;
  /** The first verification failure, described (with `verify`, when there was one). */
  firstVerifyFailure?: string;
  /** Completions of I/Os that were not in flight: a command completed twice (0 when all is well). */
  duplicateCompletions: number;
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
  /**
   * The time (us) for a completion of an I/O submitted at `startedAt`: every
   * {@link COMPLETIONS_PER_CLOCK_READ}th one reads the clock afresh, and so does one whose I/O was
   * submitted since the last reading (at QD 1, every I/O: its latency is never the 0 of a reused
   * reading).
   */
  completionTime(startedAt: number): number {
    if (++this.completions === COMPLETIONS_PER_CLOCK_READ || this.time <= startedAt) {
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
  /** The write's sequence number (with verify). */
  seq = 0;
  inFlight = false;
  constructor(
    readonly run: WorkloadRun,
    readonly view: Uint8Array,
    /** The buffer cut into blocks (with verify). */
    readonly blocks: BlockViews | undefined,
  ) {}
}

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
  latencies = new LatencyRecorder();
  perSecond = new RateSeries(1_000_000);
  samples = new RateSeries(SAMPLE_MS * 1000);
  /** False during the warm-up: `maxIos` counts measured I/Os only. */
  measuring = false;
  ios = 0;
  reads = 0;
  errors = 0;
  verifyFailures = 0;
  duplicateCompletions = 0;
  inFlight = 0;
  stopping = false;
  private rng = 0x2545f491;
  private sequentialUnit = 0;
  readonly blocksPerIo: number;
  /** The first unit (I/O-sized range) of the job's part and their number. */
  readonly firstUnit: number;
  readonly span: number;
  private readonly random: boolean;
  /** With verify: per unit, whether an I/O on it is in flight (I/Os on one range never overlap). */
  private readonly busy: Uint8Array | undefined;

  constructor(
    readonly ns: Namespace,
    readonly qp: QueuePair,
    readonly spec: WorkloadSpec,
    readonly clock: BatchClock,
    readonly model: VerifyModel | undefined,
  ) {
    this.blocksPerIo = spec.ioSize / ns.extendedBlockSize;
    const units = unitsOf(spec, ns);
    this.firstUnit = units.first;
    this.span = units.count;
    this.random = spec.pattern.startsWith("rand");
    if (model !== undefined) this.busy = new Uint8Array(this.span);
  }

  /** The next unit: random or sequential, with verify the next one without an I/O in flight. */
  private pickUnit(): number {
    let unit = this.random ? this.next() % this.span : this.sequentialUnit++ % this.span;
    const busy = this.busy;
    if (busy !== undefined) {
      // Fewer I/Os in flight than units (checkWorkload), so a free one is near.
      while (busy[unit] !== 0) unit = unit + 1 === this.span ? 0 : unit + 1;
      busy[unit] = 1;
    }
    return unit;
  }

  /**
   * Picks the next I/O's LBA and direction and submits it; false when the qpair has no room now, or
   * the controller is gone (the job then stops).
   */
  submit(slot: Slot): boolean {
    const spec = this.spec;
    const unit = this.pickUnit();
    slot.lba = (this.firstUnit + unit) * this.blocksPerIo;
    slot.read = spec.readPercent === 100 || (spec.readPercent > 0 && this.next() % 100 < spec.readPercent);
    const model = this.model;
    if (model !== undefined) {
      if (slot.read) model.poison(slot.blocks!);
      else {
        slot.seq = model.nextSeq();
        model.stamp(slot.blocks!, slot.lba, this.blocksPerIo, slot.seq);
      }
    }
    slot.startedAt = this.clock.now();
    let rc: number;
    try {
      rc = slot.read
        ? this.ns.cmdRead(this.qp, slot.view, slot.lba, this.blocksPerIo, onComplete, slot)
        : this.ns.cmdWrite(this.qp, slot.view, slot.lba, this.blocksPerIo, onComplete, slot);
    } catch (e) {
      // Removed, detached or closed: nothing more can be submitted.
      if (!(e instanceof StateError)) throw e;
      this.stopping = true;
      rc = -1;
    }
    if (rc !== 0) {
      if (this.busy !== undefined) this.busy[unit] = 0;
      return false;
    }
    slot.inFlight = true;
    this.inFlight++;
    return true;
  }

  /** Books one completion. */
  completed(slot: Slot, cpl: Completion, now: number): void {
    if (!slot.inFlight) {
      this.duplicateCompletions++;
      return;
    }
    slot.inFlight = false;
    this.inFlight--;
    if (this.busy !== undefined) this.busy[slot.lba / this.blocksPerIo - this.firstUnit] = 0;
    if (++this.ios === this.spec.maxIos && this.measuring) this.stopping = true;
    if (slot.read) this.reads++;
    if (cpl.isError) this.errors++;
    const model = this.model;
    if (model !== undefined) {
      if (!slot.read) model.writeEnded(slot.lba, this.blocksPerIo, slot.seq, !cpl.isError);
      else if (!cpl.isError && !model.check(slot.blocks!, slot.lba, this.blocksPerIo)) this.verifyFailures++;
    }
    const us = now - slot.startedAt;
    this.latencies.record(us > 0 ? us : 1);
    this.perSecond.add(now);
    this.samples.add(now);
  }

  /**
   * Starts the figures at `now` (us on the run's clock), after the warm-up: I/O counts, latencies and
   * the IOPS series begin again; errors and verification failures carry on.
   */
  beginMeasuring(now: number): void {
    if (this.ios > 0) {
      this.ios = 0;
      this.reads = 0;
      this.latencies = new LatencyRecorder();
      this.perSecond = new RateSeries(1_000_000);
      this.samples = new RateSeries(SAMPLE_MS * 1000);
    }
    this.measuring = true;
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
  const wasInFlight = slot.inFlight;
  run.completed(slot, cpl, run.clock.completionTime(slot.startedAt));
  if (wasInFlight && !run.stopping) run.submit(slot);
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
  /**
   * With `spec.verify`: the model to check against and keep up to date, from {@link verifyModelFor}
   * (default: a new one, pre-filled). A model kept across runs carries what was written from one run
   * (or one controller, after a removal) to the next; once filled, it is not pre-filled again.
   */
  model?: VerifyModel;
}

/** A verify model for the blocks a job of `spec` on `ns` runs on (its part of the namespace). */
export function verifyModelFor(ns: Namespace, spec: WorkloadSpec): VerifyModel {
  const { first, count } = unitsOf(spec, ns);
  const blocksPerIo = spec.ioSize / ns.extendedBlockSize;
  return new VerifyModel(first * blocksPerIo, count * blocksPerIo);
}

/** Verified jobs on one namespace must each have a part of their own (their models would disagree). */
function checkParts(jobs: readonly WorkloadJob[]): void {
  const seen = new Set<string>();
  for (const { ns, spec } of jobs) {
    if (!spec.verify) continue;
    const key = `${ns.id} ${spec.part?.index ?? 0}/${spec.part?.count ?? 1}`;
    if (seen.has(key)) {
      throw new InvalidArgumentError("part", `two verified jobs on namespace ${ns.id} share part ${key}`);
    }
    seen.add(key);
  }
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
  /**
   * Stops every job at once when aborted: nothing more is submitted, even from a completion callback
   * running inside the abort's caller; the I/Os in flight still complete.
   */
  signal?: AbortSignal;
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
 * are done), and returns each job's figures in order. The figures start after the longest
 * `warmupSeconds` of the jobs (the clock, CPU time and progress too). With `verify`, each job
 * pre-fills its part of its namespace (unless its model is already filled) and checks every read
 * against its model. Combine the figures with {@link combineResults}. I/O buffers come from each
 * namespace's own DMA memory (its controller's, or a worker thread's).
 */
export async function runWorkloads(
  jobs: readonly WorkloadJob[],
  options: RunOptions = {},
): Promise<WorkloadResult[]> {
  checkParts(jobs);
  const clock = new BatchClock();
  const runs = jobs.map(
    (j) =>
      new WorkloadRun(
        j.ns,
        j.qp,
        j.spec,
        clock,
        j.spec.verify ? (j.model ?? verifyModelFor(j.ns, j.spec)) : undefined,
      ),
  );
  const memory: [DmaBuffer, Namespace][] = [];
  const stopAll = () => {
    for (const run of runs) run.stopping = true;
  };
  if (options.signal?.aborted) stopAll();
  options.signal?.addEventListener("abort", stopAll);
  try {
    // A buffer per slot, as allocated: the allocator knows such a view's IOVA without a lookup.
    const slotsOf = runs.map((run) => {
      const { queueDepth, ioSize } = run.spec;
      return Array.from({ length: queueDepth }, () => {
        const buffer = run.ns.owner.dma.alloc(ioSize);
        memory.push([buffer, run.ns]);
        const view = buffer.bytes;
        return new Slot(run, view, run.model && new BlockViews(view, run.ns.extendedBlockSize));
      });
    });
    for (const [i, run] of runs.entries())
      if (run.model?.filled === false) await prefill(run, slotsOf[i]![0]!);
    const eventDriven = runs.filter((run) => run.qp.completionsNeedEventLoop).map((run) => run.qp);
    const warmupMs = Math.max(...runs.map((run) => (run.spec.warmupSeconds ?? 0) * 1000));
    let cpu = process.cpuUsage();
    const origin = performance.now();
    let started = origin;
    clock.start(origin);
    const deadlinesFrom = (start: number) => runs.map((run) => start + run.spec.seconds * 1000);
    let measuring = warmupMs === 0;
    if (measuring) for (const run of runs) run.beginMeasuring(0);
    let deadlines = deadlinesFrom(origin + warmupMs);
    const pending = slotsOf.map((slots, i) => slots.filter((s) => !runs[i]!.submit(s)));
    const progressMs = options.progressMs ?? 1000;
    let lastReport = started;
    const pacer = new YieldPacer(origin);
    for (;;) {
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
      if (pacer.due()) {
        const now = performance.now();
        pacer.yielded(now);
        if (!measuring && now - origin >= warmupMs) {
          measuring = true;
          started = lastReport = now;
          cpu = process.cpuUsage();
          deadlines = deadlinesFrom(now);
          for (const run of runs) run.beginMeasuring(Math.round((now - origin) * 1000));
        }
        const stop = options.shouldStop?.() ?? false;
        for (let i = 0; i < runs.length; i++) if (stop || now >= deadlines[i]!) runs[i]!.stopping = true;
        if (measuring && now - lastReport >= progressMs) {
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
    options.signal?.removeEventListener("abort", stopAll);
    for (const [buffer, ns] of memory) ns.owner.dma.free(buffer);
  }
}

/** Writes every block of the job's part once, so that every later read has an answer. */
async function prefill(run: WorkloadRun, slot: Slot): Promise<void> {
  const { ns, qp, blocksPerIo } = run;
  const model = run.model!;
  for (let unit = run.firstUnit; unit < run.firstUnit + run.span; unit++) {
    const lba = unit * blocksPerIo;
    const seq = model.nextSeq();
    model.stamp(slot.blocks!, lba, blocksPerIo, seq);
    await ns.write(qp, slot.view, lba, blocksPerIo);
    model.writeEnded(lba, blocksPerIo, seq, true);
  }
  model.filled = true;
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
    verify: run.model?.counts ?? noVerifyCounts(),
    ...(run.model?.firstFailure === undefined ? {} : { firstVerifyFailure: run.model.firstFailure }),
    duplicateCompletions: run.duplicateCompletions,
    errors: run.errors,
  };
}

const firstOf = (results: readonly WorkloadResult[]): { firstVerifyFailure?: string } => {
  const first = results.find((r) => r.firstVerifyFailure !== undefined)?.firstVerifyFailure;
  return first === undefined ? {} : { firstVerifyFailure: first };
};

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
    verify: results.reduce((c, r) => addVerifyCounts(c, r.verify), noVerifyCounts()),
    ...firstOf(results),
    duplicateCompletions: sum((r) => r.duplicateCompletions),
    errors: sum((r) => r.errors),
  };
}
