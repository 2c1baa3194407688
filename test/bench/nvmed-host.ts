/**
 * `pnpm bench:nvmed`'s host part. First nvmed-compat's direct AIO against core's callback face
 * (nvmed-engines.ts) over a loopback device whose queues complete each command as it is posted
 * (loopback.ts): the host code alone, each engine's CPU time per I/O, which is what nvmed adds over
 * core without the rig's noise. Then buffered 4 KiB reads that hit the block cache, awaited one at a
 * time, in operations per second (a hit never reaches the device: softnvme's embedded software
 * controller, opened by path with no driver). Prints Markdown table rows for BENCHMARKS.md. A
 * benchmark, not a test: it asserts nothing.
 * @module
 */
import type { Controller } from "@nvmekit/core";
import * as n from "@nvmekit/nvmed-compat";
import { EMBEDDED_SOFT_TRID } from "@nvmekit/softnvme";
import { BENCH_SECONDS } from "./figures.js";
import { loopbackDevice } from "./loopback.js";
import { compareEngines, type SliceSettings } from "./nvmed-engines.js";
import { COMPARISON_HEAD } from "./timed-loop.js";

/** Loopback slices: shorter than the rig's (an I/O takes a tenth of a microsecond here). */
const LOOPBACK: SliceSettings = {
  seconds: Number(process.env.BENCH_LOOPBACK_SECONDS ?? 10),
  sliceMs: 20,
  warmupSeconds: 1,
};

const IO = 4096;
/** The hot set: 1 MiB, well inside the default cache. */
const PAGES = 256;

/** xorshift32: a cheap random page index with no allocation. */
let rnd = 0x2545f491;
const nextPage = (): number => {
  rnd ^= rnd << 13;
  rnd ^= rnd >>> 17;
  rnd ^= rnd << 5;
  return (rnd >>> 0) % PAGES;
};

/** Reads random hot pages for `seconds`; returns ops/s and CPU microseconds per op. */
async function cachedReads(h: n.NVMED_HANDLE, buf: Uint8Array, seconds: number): Promise<[number, number]> {
  (globalThis as { gc?: () => void }).gc?.();
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  do {
    for (let i = 0; i < 256; i++) {
      if ((await n.nvmed_pread(h, buf, IO, nextPage() * IO)) !== IO) throw h.lastError;
      ops++;
    }
  } while (performance.now() < deadline);
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return [ops / elapsed, (used.user + used.system) / ops];
}

// The loopback device behind just enough of a Controller for nvmed_open's `controller` option and the
// engines: a 4 GiB namespace of 4 KiB blocks, as the rig's.
const dev = loopbackDevice(4096, 1n << 20n);
const loopCtrlr = {
  dma: dev.dma,
  data: { vwc: 0 },
  getNamespace: (nsid: number) => (nsid === 1 ? dev.ns : undefined),
  allocIoQpair: async () => dev.queuePair(),
  freeIoQpair: async () => {},
  allocBuffer: (size: number, align?: number) => dev.dma.alloc(size, align),
  freeBuffer: () => {},
} as unknown as Controller;
const loop = await n.nvmed_open("loopback ns:1", 0, { controller: loopCtrlr });
if (loop === null) throw n.nvmed_last_error();
const lq = (await n.nvmed_queue_create(loop, 0))!;
const lh = n.nvmed_handle_create(lq, n.HANDLE_DIRECT_IO | n.HANDLE_HINT_DMEM)!;
const coreQp = dev.queuePair();
console.log(
  `# nvmed-compat on the host: direct AIO against core's callback face over a loopback device, ` +
    `${LOOPBACK.sliceMs} ms slices in turns for ${LOOPBACK.seconds} s per workload after ${LOOPBACK.warmupSeconds} s of warm-up\n`,
);
const lines = [...COMPARISON_HEAD];
for (const qd of [1, 32])
  lines.push(
    ...compareEngines({ label: `loopback randread 4k qd${qd}`, qd, handle: lh, qp: coreQp }, LOOPBACK),
  );
console.log(`\n${lines.join("\n")}\n`);
n.nvmed_handle_destroy(lh);
await n.nvmed_queue_destroy(lq);
await n.nvmed_close(loop);

const nvmed = await n.nvmed_open(`${EMBEDDED_SOFT_TRID} ns:1`, 0);
if (nvmed === null) throw n.nvmed_last_error();
const q = await n.nvmed_queue_create(nvmed, 0);
if (q === null) throw nvmed.lastError;
const h = n.nvmed_handle_create(q, 0)!;
const buf = new Uint8Array(IO);
for (let p = 0; p < PAGES; p++) await n.nvmed_pread(h, buf, IO, p * IO); // fill the cache
await cachedReads(h, buf, 0.5); // warm-up (JIT)
const [ops, cpuUs] = await cachedReads(h, buf, BENCH_SECONDS);
console.log(
  "| workload | engine | ops/s | wall us/op | CPU us/op |\n| --- | --- | ---: | ---: | ---: |\n" +
    "| buffered read 4k, cache hits (1 MiB hot set, awaited one at a time; embedded software controller) | " +
    `nvmed buffered handle | ${ops.toFixed(0)} | ${(1e6 / ops).toFixed(2)} | ${cpuUs.toFixed(2)} |\n`,
);
n.nvmed_handle_destroy(h);
await n.nvmed_queue_destroy(q);
await n.nvmed_close(nvmed);
