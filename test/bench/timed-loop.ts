/**
 * How the compat benchmarks (nvmed, liblightnvm) set a layer beside core's callback face: the two
 * engines take turns in short slices, so a drift in the host's load or the guest's timing falls on
 * both (the host is shared and its load moves within a second; a slice pair sees the same load), and
 * the overhead is the median of the pairs' differences in CPU time per I/O, beside their quartiles: a
 * disturbed slice moves the totals, not the median. Also the slot core's callback-face engines
 * resubmit, and a cheap random index.
 * @module
 */

import type { Controller, QueuePair } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";

/** One buffer of core's callback-face engine: resubmitted once its command completed. */
export interface CoreSlot {
  /** The slot's buffer (DMA memory). */
  view: Uint8Array;
  /** Where a completed slot waits to be resubmitted (shared by an engine's slots). */
  ready: CoreSlot[];
}

/** The callback core's engines give cmdRead/cmdWrite: the slot is ready again. */
export function coreDone(slot: CoreSlot, _cpl: Completion): void {
  slot.ready.push(slot);
}

/** An engine the slices drive. */
export interface Engine {
  /** Polls once and resubmits every ready slot (none while stopped); returns the I/Os completed. */
  spin(): number;
  /** I/Os outstanding. */
  inFlight(): number;
  /** Stops or resumes submitting (to drain). */
  stopped: boolean;
  /** Frees the slots' buffers (nothing may be in flight). */
  close(): void;
}

/** How {@link coreEngine} resubmits. */
export interface CoreEngineOptions {
  /** Whether to submit now, given the I/Os in flight (a writer waits out a wrap); default always. */
  before?: (inFlight: number) => boolean;
  /** Ring the doorbell after each spin's submissions, as an API's submit call does on a queue with delayed doorbells. */
  flush?: boolean;
}

/**
 * Core's callback-face engine: `qd` slots of `bytes` of `ctrlr`'s DMA memory on `qp`, resubmitted
 * with `submit` (0, or -ENOMEM: the slot waits for the next spin) as their commands complete.
 */
export function coreEngine(
  ctrlr: Controller,
  qp: QueuePair,
  qd: number,
  bytes: number,
  submit: (s: CoreSlot) => number,
  options: CoreEngineOptions = {},
): Engine {
  const { before = () => true, flush = false } = options;
  const ready: CoreSlot[] = [];
  const buffers = Array.from({ length: qd }, () => ctrlr.allocBuffer(bytes, 4096));
  for (const b of buffers) ready.push({ view: b.bytes, ready });
  let inFlight = 0;
  const e: Engine = {
    stopped: false,
    spin() {
      const done = Math.max(0, qp.processCompletions(0)); // negative: resetting or gone
      inFlight -= done;
      if (e.stopped || ready.length === 0) return done;
      while (ready.length > 0 && before(inFlight)) {
        const s = ready.pop()!;
        if (submit(s) !== 0) {
          ready.push(s);
          break;
        }
        inFlight++;
      }
      if (flush) qp.flush();
      return done;
    },
    inFlight: () => inFlight,
    close() {
      for (const b of buffers) ctrlr.freeBuffer(b);
    },
  };
  return e;
}

/** What one slice did. */
export interface Result {
  /** I/Os completed within it. */
  ios: number;
  /** Seconds it ran. */
  seconds: number;
  /** CPU microseconds the process used meanwhile. */
  cpuUs: number;
}

/**
 * xorshift32: a cheap random index below `span` with no allocation. Scaled by a multiplication: a
 * modulo of the unsigned value (a double past 2^31) is a C call in V8, which cost more than an I/O.
 */
let rnd = 0x2545f491;
export const randomBelow = (span: number): number => {
  rnd ^= rnd << 13;
  rnd ^= rnd >>> 17;
  rnd ^= rnd << 5;
  return Math.floor(((rnd >>> 0) * span) / 0x1_0000_0000);
};

/** Runs `e` until nothing is in flight without submitting more, then lets it submit again; returns what completed. */
function drain(e: Engine): number {
  e.stopped = true;
  let ios = 0;
  while (e.inFlight() > 0) ios += e.spin();
  e.stopped = false;
  return ios;
}

/** One slice of `e`: spins for `ms`, then drains (counted: a slice starts and ends with nothing in flight). */
function slice(e: Engine, ms: number): Result {
  let ios = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + ms;
  for (let i = 1; ; i++) {
    ios += e.spin();
    if ((i & 63) === 0 && performance.now() >= end) break;
  }
  ios += drain(e);
  const used = process.cpuUsage(cpu);
  return { ios, seconds: (performance.now() - started) / 1000, cpuUs: used.user + used.system };
}

/**
 * Slices of `sliceMs` of `a` and `b` in turns (who goes first alternating) for `seconds`; their
 * results, pair by pair.
 */
export function sliced(a: Engine, b: Engine, seconds: number, sliceMs: number): [Result[], Result[]] {
  const as: Result[] = [];
  const bs: Result[] = [];
  const deadline = performance.now() + seconds * 1000;
  for (let k = 0; performance.now() < deadline; k++) {
    if (k % 2 === 0) as.push(slice(a, sliceMs));
    bs.push(slice(b, sliceMs));
    if (k % 2 === 1) as.push(slice(a, sliceMs));
  }
  return [as, bs];
}

/** The results' totals. */
export const sum = (rs: Result[]): Result =>
  rs.reduce((a, r) => ({ ios: a.ios + r.ios, seconds: a.seconds + r.seconds, cpuUs: a.cpuUs + r.cpuUs }), {
    ios: 0,
    seconds: 0,
    cpuUs: 0,
  });
/** I/Os per second. */
export const iops = (r: Result): number => r.ios / r.seconds;
/** CPU microseconds per I/O. */
export const cpuPerIo = (r: Result): number => r.cpuUs / r.ios;
/** Wall microseconds per I/O. */
export const usPerIo = (r: Result): number => (r.seconds * 1e6) / r.ios;
/** The `q` quantile of `xs` (0.5: the median), interpolated between neighbours. */
export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
};
const f = (x: number, d = 1): string => x.toFixed(d);
const signed = (x: number, d: number): string => `${x >= 0 ? "+" : ""}${f(x, d)}`;

/** A layer's CPU per I/O over core's, from slice pairs. */
export interface Overhead {
  /** The median of the pairs' differences, in ns. */
  ns: number;
  /** The same, in percent of core's median CPU per I/O. */
  pct: number;
  /** The quartiles of the differences, in percent. */
  q1Pct: number;
  q3Pct: number;
}

/** The layer's overhead per I/O from slice pairs (core's `cores[i]` beside the layer's `layers[i]`). */
export function overhead(cores: Result[], layers: Result[]): Overhead {
  const diffs = cores.map((c, i) => cpuPerIo(layers[i]!) - cpuPerIo(c));
  const percent = 100 / quantile(cores.map(cpuPerIo), 0.5);
  return {
    ns: quantile(diffs, 0.5) * 1000,
    pct: quantile(diffs, 0.5) * percent,
    q1Pct: quantile(diffs, 0.25) * percent,
    q3Pct: quantile(diffs, 0.75) * percent,
  };
}

/** A workload's two table rows: core's slices and the layer's, with the layer's overhead per I/O. */
export function comparisonRows(label: string, layer: string, cores: Result[], layers: Result[]): string[] {
  const o = overhead(cores, layers);
  const pct = (x: number): string => `${signed(x, 1)}%`;
  const cells = (r: Result): string => `${f(iops(r), 0)} | ${f(usPerIo(r), 2)} | ${f(cpuPerIo(r), 2)}`;
  return [
    `| ${label} | core callback face | ${cells(sum(cores))} | |`,
    `| ${label} | ${layer} | ${cells(sum(layers))} | ` +
      `${signed(o.ns, 0)} ns (${pct(o.pct)}) [${pct(o.q1Pct)}, ${pct(o.q3Pct)}] |`,
  ];
}

/** The header of {@link comparisonRows}' table. */
export const COMPARISON_HEAD = [
  "| workload | engine | IOPS | wall us/IO | CPU us/IO | layer's overhead per I/O (CPU): median of slice pairs [quartiles] |",
  "| --- | --- | ---: | ---: | ---: | ---: |",
];

/** A line on the slices' spread: their count and the quartiles of each engine's CPU per I/O. */
export function spreadLine(label: string, cores: Result[], layers: Result[]): string {
  const q = (rs: Result[], at: number): string => f(quantile(rs.map(cpuPerIo), at), 2);
  const spread = (rs: Result[]): string => `${q(rs, 0.25)} / ${q(rs, 0.5)} / ${q(rs, 0.75)}`;
  return `${label}: ${cores.length} slice pairs; CPU us/IO quartiles core ${spread(cores)}, layer ${spread(layers)}`;
}
