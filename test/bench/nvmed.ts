/**
 * `pnpm bench:nvmed`, run inside the rig's "bench" guest: the NVMeDirect API's direct AIO (one queue and
 * one handle, HANDLE_DIRECT_IO | HANDLE_HINT_DMEM, N contexts kept in flight with a submit/complete
 * loop, as NVMeDirect's fio plugin does) against core's callback face (`ns.cmdRead` +
 * `processCompletions`) on the same controller, namespace (the null-backed namespace 1), queue
 * settings and workload (4 KiB random reads at QD 1 and 32); then buffered 4 KiB reads that hit the
 * block cache. Prints a Markdown table for BENCHMARKS.md. A benchmark, not a test: it asserts nothing.
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { type Controller, coreModule, type Namespace, NvmeDriver, type QueuePair } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import * as n from "@nvmekit/nvmed-compat";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { BENCH_SECONDS } from "./figures.js";

/** Alternating rounds per engine and queue depth (the guest's timing drifts; alternation shares it out). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const QUEUE_DEPTHS = [1, 32];
const IO = 4096;

interface Result {
  ios: number;
  seconds: number;
  cpuUs: number;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** xorshift32: a cheap random block index with no allocation. */
let rnd = 0x2545f491;
const nextBlock = (span: number): number => {
  rnd ^= rnd << 13;
  rnd ^= rnd >>> 17;
  rnd ^= rnd << 5;
  return (rnd >>> 0) % span;
};

/** Runs `spin` (one poll-and-resubmit round, returning I/Os completed) for `seconds`, then drains. */
function timed(seconds: number, spin: () => number, inFlight: () => number): Result {
  gc();
  let ios = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  for (let i = 1; ; i++) {
    ios += spin();
    if ((i & 1023) === 0 && performance.now() >= deadline) break;
  }
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  while (inFlight() > 0) spin();
  return { ios, seconds: elapsed, cpuUs: used.user + used.system };
}

/** nvmed direct AIO: `qd` contexts with their own nvmed_get_buffer page, resubmitted as they complete. */
function nvmedAio(nvmed: n.NVMED, h: n.NVMED_HANDLE, qd: number, seconds: number): Result {
  const span = Math.floor(nvmed.capacity / IO);
  const ready: n.NVMED_AIO_CTX[] = [];
  const onDone = (c: n.NVMED_AIO_CTX): void => {
    ready.push(c);
  };
  const bufs: Uint8Array[] = [];
  for (let i = 0; i < qd; i++) {
    const buf = n.nvmed_get_buffer(nvmed, 1);
    if (buf === null) throw n.nvmed_last_error();
    bufs.push(buf);
    ready.push(n.nvmed_aio_ctx({ handle: h, len: IO, buf, aio_callback: onDone }));
  }
  let stopping = false;
  const submitReady = (): void => {
    while (ready.length > 0) {
      const c = ready.pop()!;
      c.start_lba = nextBlock(span) * IO;
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

interface Slot {
  view: Uint8Array;
  ready: Slot[];
}
function coreDone(slot: Slot, _cpl: Completion): void {
  slot.ready.push(slot);
}

/** core's callback face: `qd` slots on a queue pair allocated as nvmed_queue_create allocates its own. */
function coreCallback(ctrlr: Controller, ns: Namespace, qp: QueuePair, qd: number, seconds: number): Result {
  const blocks = IO / ns.sectorSize;
  const span = Math.floor(ns.numSectors / blocks);
  const ready: Slot[] = [];
  const buffers = Array.from({ length: qd }, () => ctrlr.allocBuffer(IO, 4096));
  for (const b of buffers) ready.push({ view: b.bytes, ready });
  let inFlight = 0;
  let stopping = false;
  const submitReady = (): void => {
    while (ready.length > 0) {
      const s = ready.pop()!;
      if (ns.cmdRead(qp, s.view, nextBlock(span) * blocks, blocks, coreDone, s) !== 0) {
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

/** Buffered 4 KiB reads (awaited one at a time) over `pages` pages already in the block cache. */
async function cachedReads(h: n.NVMED_HANDLE, pages: number, seconds: number): Promise<Result> {
  const buf = new Uint8Array(IO);
  for (let p = 0; p < pages; p++) await n.nvmed_pread(h, buf, IO, p * IO); // warm the cache
  gc();
  let ios = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  for (;;) {
    for (let i = 0; i < 256; i++) {
      if ((await n.nvmed_pread(h, buf, IO, nextBlock(pages) * IO)) !== IO) throw h.lastError;
      ios++;
    }
    if (performance.now() >= deadline) break;
  }
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { ios, seconds: elapsed, cpuUs: used.user + used.system };
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

const bdf = execFileSync("sh", ["test/rig/guest/nvme-bind.sh", "vfio"], { encoding: "utf8" }).trim();
const container = new Container();
container.load(coreModule, pcieTransportModule, vfioModule);
const driver = container.get(NvmeDriver);
const nvmed = await n.nvmed_open(`trtype:PCIe traddr:${bdf} ns:1`, 0, { driver });
if (nvmed === null) throw n.nvmed_last_error();
const ctrlr = nvmed.ctrlr;
const q = await n.nvmed_queue_create(nvmed, 0);
if (q === null) throw nvmed.lastError;
const direct = n.nvmed_handle_create(q, n.HANDLE_DIRECT_IO | n.HANDLE_HINT_DMEM)!;
const buffered = n.nvmed_handle_create(q, 0)!;
// core's side: its own queue pair with the options nvmed_queue_create uses (the defaults).
const qp = await ctrlr.allocIoQpair();

console.log(
  `# nvmed-compat benchmark: ${ctrlr.data.mn.trim()} at ${bdf} through VFIO, namespace 1 ` +
    `(${nvmed.capacity / 2 ** 30} GiB null-backed, ${nvmed.sectorSize}-byte LBAs), ` +
    `${ROUNDS} alternating rounds of ${BENCH_SECONDS} s per engine and workload, one queue pair each ` +
    `(${ctrlr.options.ioQueueSize} entries, doorbell rung per submission)\n`,
);
const lines = [
  "| workload | engine | IOPS | wall us/IO | CPU us/IO | nvmed overhead per I/O (CPU) |",
  "| --- | --- | ---: | ---: | ---: | ---: |",
];
const f = (x: number, d = 1): string => x.toFixed(d);
for (const qd of QUEUE_DEPTHS) {
  const core: Result[] = [];
  const aio: Result[] = [];
  // Warm both paths (JIT) before measuring.
  coreCallback(ctrlr, nvmed.ns, qp, qd, 0.5);
  nvmedAio(nvmed, direct, qd, 0.5);
  for (let r = 0; r < ROUNDS; r++) {
    core.push(coreCallback(ctrlr, nvmed.ns, qp, qd, BENCH_SECONDS));
    aio.push(nvmedAio(nvmed, direct, qd, BENCH_SECONDS));
  }
  const c = sum(core);
  const a = sum(aio);
  const over = cpuPerIo(a) - cpuPerIo(c);
  const label = `randread 4k qd${qd}`;
  lines.push(
    `| ${label} | core callback face (cmdRead + processCompletions) | ${f(iops(c), 0)} | ${f(usPerIo(c))} | ${f(cpuPerIo(c))} | |`,
  );
  lines.push(
    `| ${label} | nvmed direct AIO (DIRECT_IO + HINT_DMEM) | ${f(iops(a), 0)} | ${f(usPerIo(a))} | ${f(cpuPerIo(a))} | ` +
      `${over >= 0 ? "+" : ""}${f(over, 2)} us (${over >= 0 ? "+" : ""}${f((over / cpuPerIo(c)) * 100)}%) |`,
  );
  console.log(
    `${label}: core rounds ${core.map((r) => f(iops(r), 0)).join(", ")} IOPS; nvmed rounds ${aio.map((r) => f(iops(r), 0)).join(", ")} IOPS`,
  );
}
await cachedReads(buffered, 256, 0.5); // warm-up
const cached = await cachedReads(buffered, 256, BENCH_SECONDS);
lines.push(
  `| buffered read 4k, cache hits (1 MiB hot set, awaited one at a time) | nvmed buffered handle | ${f(iops(cached), 0)} ops/s | ${f(usPerIo(cached))} | ${f(cpuPerIo(cached))} | |`,
);
console.log(`\n${lines.join("\n")}\n`);

n.nvmed_handle_destroy(direct);
n.nvmed_handle_destroy(buffered);
await n.nvmed_queue_destroy(q);
await ctrlr.freeIoQpair(qp);
await n.nvmed_close(nvmed);
await driver.detachAll();
