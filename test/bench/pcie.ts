/**
 * `pnpm bench:pcie`, run inside the rig's "bench" guest: the same workloads through nvmekit's PCIe
 * transport (VFIO) and through the kernel's nvme driver with fio/io_uring, in one boot, side by side.
 * Prints Markdown tables for BENCHMARKS.md. A benchmark, not a test: it asserts nothing.
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { runWorkload } from "@nvmekit/cli";
import { type Controller, coreModule, NvmeDriver } from "@nvmekit/core";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { cDriverRuns, runCDriver } from "./c-driver.js";
import type { BenchFigures, BenchRow, BenchWorkload } from "./figures.js";
import { BENCH_SECONDS, BENCH_WORKLOADS, printTable, workloadLabel } from "./figures.js";
import { runFio } from "./fio.js";

const NAMESPACES = [
  { nsid: 1, label: "null-backed namespace" },
  { nsid: 2, label: "file-backed namespace" },
];

const bind = (driver: "nvme" | "vfio"): string =>
  execFileSync("sh", ["test/rig/guest/nvme-bind.sh", driver], { encoding: "utf8" }).trim();

/**
 * How nvmekit drives the queue: delayed doorbells (rung every DOORBELL_BATCH completions and at the end of each
 * processCompletions) and the doorbell registers alone. Shadow doorbells are the better choice only
 * when every submission rings: with batched rings QEMU's extra per-command work on the shadow pages
 * costs more than the few register writes they save (BENCHMARKS.md has both).
 */
const USE_SHADOW_DOORBELLS = process.env.BENCH_SHADOW_DOORBELLS === "1";

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Our figures for one workload, with the heap measured around it (after a full GC each side). */
async function ours(ctrlr: Controller, nsid: number, w: BenchWorkload, maxIos = 0): Promise<BenchFigures> {
  const ns = ctrlr.getNamespace(nsid)!;
  const qp = await ctrlr.allocIoQpair({ ioQueueSize: 256, delayDoorbell: true });
  try {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const r = await runWorkload(ns, qp, { ...w, readPercent: 0, verify: false, maxIos });
    gc();
    return {
      engine: "nvmekit PCIe/VFIO",
      iops: r.iops,
      mibps: r.mibps,
      avgUs: r.latencyUs.avg,
      p50Us: r.latencyUs.p50,
      p99Us: r.latencyUs.p99,
      p999Us: r.latencyUs.p999,
      cpuUsPerIo: r.cpuUsPerIo,
      heapGrowthBytes: process.memoryUsage().heapUsed - heapBefore,
    };
  } finally {
    await ctrlr.freeIoQpair(qp);
  }
}

const bdf = bind("nvme");
const controllerName = readdirSync(`/sys/bus/pci/devices/${bdf}/nvme`)[0]!;
const kernel = new Map<string, BenchFigures>();
for (const { nsid } of NAMESPACES) {
  for (const w of BENCH_WORKLOADS)
    kernel.set(`${nsid} ${workloadLabel(w)}`, runFio(`/dev/${controllerName}n${nsid}`, w));
}

bind("vfio");
const cDriver = new Map<string, BenchFigures>();
for (const { nsid } of NAMESPACES) {
  for (const w of BENCH_WORKLOADS.filter(cDriverRuns))
    cDriver.set(`${nsid} ${workloadLabel(w)}`, runCDriver(bdf, nsid, w));
}

const container = new Container();
container.load(coreModule, pcieTransportModule, vfioModule);
const driver = container.get(NvmeDriver);
const ctrlr = await driver.connect(`trtype:PCIe traddr:${bdf}`, { useShadowDoorbells: USE_SHADOW_DOORBELLS });
// The guest's clocksource decides what a clock read costs, and fio reads the clock several times per I/O.
const clocksource = readFileSync(
  "/sys/devices/system/clocksource/clocksource0/current_clocksource",
  "utf8",
).trim();
console.log(
  `# nvmekit PCIe benchmark: ${ctrlr.data.mn.trim()} at ${bdf}, ${BENCH_SECONDS} s per workload, ` +
    `shadow doorbells ${ctrlr.options.useShadowDoorbells ? "on" : "off"}, guest clocksource ${clocksource}\n`,
);
for (const { nsid, label } of NAMESPACES) {
  const rows: BenchRow[] = [];
  for (const w of BENCH_WORKLOADS) {
    const key = `${nsid} ${workloadLabel(w)}`;
    rows.push({
      workload: w,
      ours: await ours(ctrlr, nsid, w),
      kernel: kernel.get(key)!,
      cDriver: cDriver.get(key) ?? null,
    });
  }
  printTable(label, rows);
}
const million = await ours(
  ctrlr,
  1,
  { pattern: "randread", ioSize: 4096, queueDepth: 32, seconds: 600 },
  1_000_000,
);
console.log(
  `Heap growth over 1,000,000 4 KiB random reads at QD 32: ${(million.heapGrowthBytes! / 1024).toFixed(0)} KiB ` +
    `(${million.iops.toFixed(0)} IOPS, ${million.cpuUsPerIo.toFixed(1)} us CPU per I/O)`,
);
await driver.detach(ctrlr);
