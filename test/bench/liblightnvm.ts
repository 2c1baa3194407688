/**
 * `pnpm bench:liblightnvm`, run inside the rig's "zoned" guest: liblightnvm's asynchronous path
 * (@nvmekit/liblightnvm-compat: nvm_cmd_write / nvm_cmd_read with NVM_CMD_ASYNC on an nvm_async_ctx,
 * reaped with nvm_async_poke, callbacks re-submitting) against core's callback face (`ns.cmdWrite` /
 * `ns.cmdRead` + `processCompletions`) on the same zoned namespace (QEMU's, through VFIO), with the
 * same queue-pair settings and workloads: sequential 4 KiB chunk writes at the write pointer (QD 8),
 * and 4 KiB random reads of written sectors (QD 1 and 32). When the chunks are all written, both
 * drain and reset every zone the same way (core's Zone Management Send, Select All) and go on. Prints a
 * Markdown table for BENCHMARKS.md. A benchmark, not a test: it asserts nothing.
 *
 * `--soft` runs the same on softnvme's in-thread controller with a zoned namespace of the rig's
 * geometry (no rig, no command log): the device then costs the same for both engines and takes no
 * time of its own, so the difference is the compat layer's CPU per command alone.
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { coreModule, type Namespace, NvmeDriver, type QueuePair, ZoneSendAction } from "@nvmekit/core";
import * as n from "@nvmekit/liblightnvm-compat";
import { inThreadRig } from "@nvmekit/softnvme";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { BENCH_SECONDS } from "./figures.js";
import { type CoreSlot, coreDone, type Result, randomBelow, timed } from "./timed-loop.js";

const WRITE_QD = 8;
const READ_QDS = [1, 32];
/** Deepest context: its queue pair's requests are the same for both engines. */
const DEPTH = 32;

/** Where the next sequential write goes: chunk and sector, wrapping (with a reset of all zones) at the end. */
class Cursor {
  chunk = 0;
  sectr = 0;
  constructor(private readonly geo: n.nvm_geo) {}
  /** Advances; true when every chunk is written and the zones must be reset before going on. */
  advance(): boolean {
    if (++this.sectr < this.geo.nsectr) return false;
    this.sectr = 0;
    if (++this.chunk < this.geo.nchunk) return false;
    this.chunk = 0;
    return true;
  }
}

/** Resets every zone on `qp` through the callback face and spins until it completed (both engines' housekeeping). */
function resetAll(ns: Namespace, qp: QueuePair): void {
  let done = false;
  ns.cmdZoneManagementSend(
    qp,
    0,
    ZoneSendAction.Reset,
    true,
    () => {
      done = true;
    },
    null,
  );
  while (!done) qp.processCompletions(0);
}

// ---- the compat layer's asynchronous path ----

interface NvmSlot {
  ret: n.nvm_ret;
  addrs: n.nvm_addr[];
  buf: Uint8Array;
  /** Where a completed slot waits to be resubmitted (shared by an engine's slots). */
  ready: NvmSlot[];
}

/**
 * The callback every compat slot's nvm_ret names: one function for the whole run, as core's engine
 * has coreDone (a closure made per round would be a new call target for the layer's completion path
 * each round, and cost it a deoptimization core's side never pays).
 */
function nvmDone(_ret: n.nvm_ret, slot: unknown): void {
  (slot as NvmSlot).ready.push(slot as NvmSlot);
}

function nvmEngine(dev: n.nvm_dev, ctx: n.nvm_async_ctx, qd: number) {
  const ready: NvmSlot[] = [];
  for (let i = 0; i < qd; i++) {
    const s: NvmSlot = {
      ret: new n.nvm_ret(),
      addrs: [n.nvm_addr()],
      buf: n.nvm_buf_alloc(dev, dev.geo.nbytes)!,
      ready,
    };
    s.ret.async = { ctx, cb: nvmDone, cb_arg: s };
    ready.push(s);
  }
  const poke = (): number => n.nvm_async_poke(dev, ctx, 0);
  const outstanding = (): number => n.nvm_async_get_outstanding(ctx);
  const free = (): void => {
    for (const s of ready) n.nvm_buf_free(dev, s.buf);
  };
  return { ready, poke, outstanding, free };
}

function nvmWrites(dev: n.nvm_dev, ctx: n.nvm_async_ctx, seconds: number): Result {
  const e = nvmEngine(dev, ctx, WRITE_QD);
  const cur = new Cursor(dev.geo);
  let wrap = false;
  let stopping = false;
  const flags = n.NVM_CMD_ASYNC | n.NVM_CMD_SCALAR;
  const r = timed(
    seconds,
    () => {
      const done = e.poke();
      if (wrap && e.outstanding() === 0) {
        resetAll(dev.ns, ctx.qp);
        wrap = false;
      }
      while (!stopping && !wrap && e.ready.length > 0) {
        const s = e.ready.pop()!;
        s.addrs[0]!.chunk = cur.chunk;
        s.addrs[0]!.sectr = cur.sectr;
        if (n.nvm_cmd_write(dev, s.addrs, 1, s.buf, null, flags, s.ret) !== 0) throw n.nvm_last_error();
        wrap = cur.advance();
      }
      return done;
    },
    () => {
      stopping = true;
      return e.outstanding();
    },
  );
  e.free();
  resetAll(dev.ns, ctx.qp);
  return r;
}

function nvmReads(dev: n.nvm_dev, ctx: n.nvm_async_ctx, qd: number, seconds: number): Result {
  const e = nvmEngine(dev, ctx, qd);
  let stopping = false;
  const flags = n.NVM_CMD_ASYNC | n.NVM_CMD_SCALAR;
  const r = timed(
    seconds,
    () => {
      const done = e.poke();
      while (!stopping && e.ready.length > 0) {
        const s = e.ready.pop()!;
        s.addrs[0]!.chunk = randomBelow(dev.geo.nchunk);
        s.addrs[0]!.sectr = randomBelow(dev.geo.nsectr);
        if (n.nvm_cmd_read(dev, s.addrs, 1, s.buf, null, flags, s.ret) !== 0) throw n.nvm_last_error();
      }
      return done;
    },
    () => {
      stopping = true;
      return e.outstanding();
    },
  );
  e.free();
  return r;
}

// ---- core's callback face ----

function coreEngine(dev: n.nvm_dev, qd: number) {
  const ready: CoreSlot[] = [];
  const buffers = Array.from({ length: qd }, () => dev.ctrlr.allocBuffer(dev.geo.nbytes, 4096));
  for (const b of buffers) ready.push({ view: b.bytes, ready });
  const free = (): void => {
    for (const b of buffers) dev.ctrlr.freeBuffer(b);
  };
  return { ready, free };
}

function coreWrites(dev: n.nvm_dev, qp: QueuePair, seconds: number): Result {
  const { ns } = dev;
  const e = coreEngine(dev, WRITE_QD);
  const cur = new Cursor(dev.geo);
  let inFlight = 0;
  let wrap = false;
  let stopping = false;
  const r = timed(
    seconds,
    () => {
      const done = Math.max(0, qp.processCompletions(0)); // negative: resetting or gone
      inFlight -= done;
      if (wrap && inFlight === 0) {
        resetAll(ns, qp);
        wrap = false;
      }
      while (!stopping && !wrap && e.ready.length > 0) {
        const s = e.ready.pop()!;
        if (ns.cmdWrite(qp, s.view, cur.chunk * dev.chunkStride + cur.sectr, 1, coreDone, s) !== 0)
          throw new Error("no free request");
        inFlight++;
        wrap = cur.advance();
      }
      return done;
    },
    () => {
      stopping = true;
      return inFlight;
    },
  );
  e.free();
  resetAll(ns, qp);
  return r;
}

function coreReads(dev: n.nvm_dev, qp: QueuePair, qd: number, seconds: number): Result {
  const { ns } = dev;
  const e = coreEngine(dev, qd);
  let inFlight = 0;
  let stopping = false;
  const r = timed(
    seconds,
    () => {
      const done = Math.max(0, qp.processCompletions(0)); // negative: resetting or gone
      inFlight -= done;
      while (!stopping && e.ready.length > 0) {
        const s = e.ready.pop()!;
        const lba = randomBelow(dev.geo.nchunk) * dev.chunkStride + randomBelow(dev.geo.nsectr);
        if (ns.cmdRead(qp, s.view, lba, 1, coreDone, s) !== 0) throw new Error("no free request");
        inFlight++;
      }
      return done;
    },
    () => {
      stopping = true;
      return inFlight;
    },
  );
  e.free();
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
const usPerIo = (r: Result): number => (r.seconds * 1e6) / r.ios;
/** The `q` quantile of `xs` (0.5: the median), interpolated between neighbours. */
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
};
const f = (x: number, d = 1): string => x.toFixed(d);
const signed = (x: number, d: number): string => `${x >= 0 ? "+" : ""}${f(x, d)}`;

const soft = process.argv.includes("--soft");
/** Rounds per engine and workload, alternating: on the host more and shorter ones (its load drifts). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (soft ? 12 : 2));
const SECONDS = soft && process.env.BENCH_SECONDS === undefined ? 2 : BENCH_SECONDS;
/** `--only=SUBSTRING`: run the workloads whose label contains it (e.g. to profile one). */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? "";
let driver: NvmeDriver;
let where: string;
if (soft) {
  // The rig's zoned namespace (configs.mjs "zoned"): 64 MiB of 4 KiB blocks, 1 MiB zones of 768 KiB.
  const zoned = { zoneSize: 256, zoneCapacity: 192, maxOpen: 4, maxActive: 6 };
  const ns = { nsid: 1, blockSize: 4096, blocks: 64 * 256, zoned };
  driver = inThreadRig({ namespaces: [ns], recordCommands: false, recordData: false }).driver;
  where = "trtype:SOFT traddr:soft0";
} else {
  const bdf = execFileSync("sh", ["test/rig/guest/nvme-bind.sh", "vfio"], { encoding: "utf8" }).trim();
  const container = new Container();
  container.load(coreModule, pcieTransportModule, vfioModule);
  driver = container.get(NvmeDriver);
  where = `trtype:PCIe traddr:${bdf}`;
}
const dev = await n.nvm_dev_open(`${where} ns:1`, { driver });
if (dev === null) throw n.nvm_last_error();
const ctx = await n.nvm_async_init(dev, DEPTH, 0);
if (ctx === null) throw n.nvm_last_error();
// core's side: a queue pair with the requests an nvm_async_ctx of the same depth has.
const qp = await dev.ctrlr.allocIoQpair({ ioQueueRequests: DEPTH + n.NVM_NADDR_MAX });
resetAll(dev.ns, qp);
const g = dev.geo;

console.log(
  `# liblightnvm-compat benchmark: ${dev.ctrlr.data.mn.trim()} at ${where}${soft ? " (in-thread)" : " through VFIO"}, zoned namespace 1 ` +
    `(${g.nchunk} chunks of ${g.nsectr} ${g.nbytes}-byte sectors, backend ${n.nvm_dev_get_be_name(dev)}), ` +
    `${ROUNDS} alternating rounds of ${SECONDS} s per engine and workload after 0.5 s each of warm-up, ` +
    `one queue pair each (${dev.ctrlr.options.ioQueueSize} entries, ${DEPTH + n.NVM_NADDR_MAX} requests)\n`,
);
const lines = [
  "| workload | engine | IOPS | wall us/IO | CPU us/IO | compat overhead per command (CPU): median of round pairs [quartiles] |",
  "| --- | --- | ---: | ---: | ---: | ---: |",
];

/**
 * Runs both engines in alternating rounds (pair by pair, who goes first alternates too) and adds the
 * workload's rows. The overhead is the median over pairs of compat's CPU per I/O minus core's in the
 * same pair, beside the quartiles of those differences: one disturbed round moves the totals, not
 * the median.
 */
function compare(label: string, coreRound: (s: number) => Result, nvmRound: (s: number) => Result): void {
  if (!label.includes(only)) return;
  coreRound(0.5);
  nvmRound(0.5);
  const cores: Result[] = [];
  const nvms: Result[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) cores.push(coreRound(SECONDS));
    nvms.push(nvmRound(SECONDS));
    if (r % 2 === 1) cores.push(coreRound(SECONDS));
  }
  const core = sum(cores);
  const nvm = sum(nvms);
  const diffs = cores.map((c, i) => cpuPerIo(nvms[i]!) - cpuPerIo(c));
  const base = quantile(cores.map(cpuPerIo), 0.5);
  const over = quantile(diffs, 0.5);
  const pct = (x: number): string => `${signed((x / base) * 100, 1)}%`;
  lines.push(
    `| ${label} | core callback face | ${f(iops(core), 0)} | ${f(usPerIo(core))} | ${f(cpuPerIo(core), 2)} | |`,
  );
  lines.push(
    `| ${label} | liblightnvm-compat NVM_CMD_ASYNC + nvm_async_poke | ${f(iops(nvm), 0)} | ${f(usPerIo(nvm))} | ${f(cpuPerIo(nvm), 2)} | ` +
      `${signed(over * 1000, 0)} ns (${pct(over)}) [${pct(quantile(diffs, 0.25))}, ${pct(quantile(diffs, 0.75))}] |`,
  );
  const rounds = (rs: Result[]): string => rs.map((r) => f(cpuPerIo(r), 2)).join(" ");
  console.log(`${label}: CPU us/IO per round: core ${rounds(cores)}; compat ${rounds(nvms)}`);
}

// Sequential chunk writes; then fill every chunk once so the reads read written sectors.
compare(
  `seq chunk write 4k qd${WRITE_QD}`,
  (s) => coreWrites(dev, qp, s),
  (s) => nvmWrites(dev, ctx, s),
);
{
  const e = coreEngine(dev, 1);
  const s = e.ready[0]!;
  for (let c = 0; c < g.nchunk; c++)
    for (let sec = 0; sec < g.nsectr; sec += 1) await dev.ns.write(qp, s.view, c * dev.chunkStride + sec, 1);
  e.free();
}
for (const qd of READ_QDS)
  compare(
    `randread 4k qd${qd}`,
    (s) => coreReads(dev, qp, qd, s),
    (s) => nvmReads(dev, ctx, qd, s),
  );
console.log(`\n${lines.join("\n")}\n`);

resetAll(dev.ns, qp);
await dev.ctrlr.freeIoQpair(qp);
await n.nvm_async_term(dev, ctx);
await n.nvm_dev_close(dev);
await driver.detachAll();
