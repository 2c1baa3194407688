/**
 * The two engines `pnpm bench:nvmed` compares, on whatever device it is given: nvmed-compat's direct
 * AIO (one handle, HANDLE_DIRECT_IO | HANDLE_HINT_DMEM, `qd` contexts kept in flight with a
 * submit/complete loop, as NVMeDirect's fio plugin does) and core's callback face (`ns.cmdRead` +
 * `processCompletions`) with the same loop, in alternating rounds, as Markdown table rows.
 * @module
 */
import type { Controller, QueuePair } from "@nvmekit/core";
import * as n from "@nvmekit/nvmed-compat";
import { type CoreSlot, coreDone, type Result, randomBelow, timed } from "./timed-loop.js";

const IO = 4096;

/** The callback nvmed's engine gives its contexts: the context is ready again (as core's {@link coreDone}). */
function aioReady(c: n.NVMED_AIO_CTX, ready: unknown): void {
  (ready as n.NVMED_AIO_CTX[]).push(c);
}

/** nvmed direct AIO: `qd` contexts with their own nvmed_get_buffer page, resubmitted as they complete. */
function nvmedAio(h: n.NVMED_HANDLE, qd: number, seconds: number): Result {
  const nvmed = h.nvmed;
  const span = Math.floor(nvmed.capacity / IO);
  const ready: n.NVMED_AIO_CTX[] = [];
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < qd; i++) {
    const buf = n.nvmed_get_buffer(nvmed, 1);
    if (buf === null) throw n.nvmed_last_error();
    bufs.push(buf);
    ready.push(n.nvmed_aio_ctx({ handle: h, len: IO, buf, aio_callback: aioReady, cb_userdata: ready }));
  }
  let stopping = false;
  const submitReady = (): void => {
    while (ready.length > 0) {
      const c = ready.pop()!;
      c.start_lba = randomBelow(span) * IO;
      if (n.nvmed_aio_read(c) !== 0) {
        ready.push(c); // queue full: reap first
        break;
      }
    }
    n.nvmed_aio_queue_submit(h);
  };
  submitReady();
  const r = timed(
    seconds,
    () => {
      const done = n.nvmed_aio_handle_complete(h);
      if (!stopping && ready.length > 0) submitReady();
      return done;
    },
    () => {
      stopping = true;
      return h.aioInFlight;
    },
  );
  for (const b of bufs) n.nvmed_put_buffer(b);
  return r;
}

/** core's callback face: `qd` slots on `qp`, reading namespace `ns` of `ctrlr`. */
function coreCallback(ctrlr: Controller, nsid: number, qp: QueuePair, qd: number, seconds: number): Result {
  const ns = ctrlr.getNamespace(nsid)!;
  const blocks = IO / ns.sectorSize;
  const span = Math.floor(ns.numSectors / blocks);
  const ready: CoreSlot[] = [];
  const buffers = Array.from({ length: qd }, () => ctrlr.allocBuffer(IO, 4096));
  for (const b of buffers) ready.push({ view: b.bytes, ready });
  let inFlight = 0;
  let stopping = false;
  const submitReady = (): void => {
    while (ready.length > 0) {
      const s = ready.pop()!;
      if (ns.cmdRead(qp, s.view, randomBelow(span) * blocks, blocks, coreDone, s) !== 0) {
        ready.push(s);
        break;
      }
      inFlight++;
    }
    qp.flush();
  };
  submitReady();
  const r = timed(
    seconds,
    () => {
      const done = Math.max(0, qp.processCompletions(0)); // negative: resetting or gone
      inFlight -= done;
      if (!stopping && ready.length > 0) submitReady();
      return done;
    },
    () => {
      stopping = true;
      return inFlight;
    },
  );
  for (const b of buffers) ctrlr.freeBuffer(b);
  return r;
}

const sum = (rs: Result[]): Result =>
  rs.reduce((a, r) => ({ ios: a.ios + r.ios, seconds: a.seconds + r.seconds, cpuUs: a.cpuUs + r.cpuUs }), {
    ios: 0,
    seconds: 0,
    cpuUs: 0,
  });
const iops = (r: Result): number => r.ios / r.seconds;
const cpuPerIo = (r: Result): number => r.cpuUs / r.ios;
const f = (x: number, d = 1): string => x.toFixed(d);
/** The median of sorted `xs`. */
const median = (xs: number[]): number => {
  const m = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
};
const pct = (x: number): string => `${x >= 0 ? "+" : ""}${f(x * 100)}%`;

/** One workload: both engines at `qd`, on queues set up alike. */
export interface EngineCase {
  /** The table's workload label. */
  label: string;
  /** Contexts / slots in flight. */
  qd: number;
  /** nvmed's handle (its device is the one core reads too). */
  handle: n.NVMED_HANDLE;
  /** core's queue pair, allocated with the options nvmed_queue_create used for the handle's queue. */
  qp: QueuePair;
}

/** The table's header rows. */
export const ENGINE_TABLE_HEAD = [
  "| workload | engine | IOPS | wall us/IO | CPU us/IO | nvmed overhead per I/O (CPU) |",
  "| --- | --- | ---: | ---: | ---: | ---: |",
];

/**
 * Runs `c` for `rounds` alternating rounds of `seconds` per engine after a warm-up of each of
 * `warmupSeconds` (the engine that goes first alternates, so neither always runs later in a drift),
 * prints each round and the overhead of each pair of rounds, and returns the case's two table rows
 * (the rounds' totals).
 */
export function compareEngines(
  c: EngineCase,
  rounds: number,
  seconds: number,
  warmupSeconds = 0.5,
): string[] {
  const ctrlr = c.handle.nvmed.ctrlr;
  const nsid = c.handle.nvmed.ns.id;
  const core: Result[] = [];
  const aio: Result[] = [];
  coreCallback(ctrlr, nsid, c.qp, c.qd, warmupSeconds);
  nvmedAio(c.handle, c.qd, warmupSeconds);
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) core.push(coreCallback(ctrlr, nsid, c.qp, c.qd, seconds));
    aio.push(nvmedAio(c.handle, c.qd, seconds));
    if (r % 2 === 1) core.push(coreCallback(ctrlr, nsid, c.qp, c.qd, seconds));
  }
  const cs = sum(core);
  const as = sum(aio);
  const over = cpuPerIo(as) - cpuPerIo(cs);
  const pairs = core.map((cr, i) => cpuPerIo(aio[i]!) / cpuPerIo(cr) - 1).sort((x, y) => x - y);
  console.log(
    `${c.label}: core rounds ${core.map((r) => f(iops(r), 0)).join(", ")} IOPS; nvmed rounds ` +
      `${aio.map((r) => f(iops(r), 0)).join(", ")} IOPS; overhead per pair of rounds ` +
      `${pairs.map(pct).join(" ")}, median ${pct(median(pairs))}`,
  );
  const cells = (r: Result): string =>
    `${f(iops(r), 0)} | ${f((r.seconds * 1e6) / r.ios, 2)} | ${f(cpuPerIo(r), 2)}`;
  return [
    `| ${c.label} | core callback face (cmdRead + processCompletions) | ${cells(cs)} | |`,
    `| ${c.label} | nvmed direct AIO (DIRECT_IO + HINT_DMEM) | ${cells(as)} | ` +
      `${over >= 0 ? "+" : ""}${f(over, 3)} us (${pct(over / cpuPerIo(cs))}) |`,
  ];
}
