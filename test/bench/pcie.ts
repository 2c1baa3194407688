/**
 * `pnpm bench:pcie`, run inside the rig's "bench" guest: the same workloads through `nvmekit perf`
 * (the CLI as a user runs it, default flags, over VFIO), the C userspace driver (VFIO) and the
 * kernel's nvme driver with fio/io_uring, in one boot, side by side, plus `nvmekit perf --workers 2`
 * at QD 32. Prints Markdown tables for BENCHMARKS.md. A benchmark, not a test: it asserts nothing.
 * @module
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cDriverRuns, runCDriver } from "./c-driver.js";
import { runCliPerf } from "./cli-perf.js";
import type { BenchFigures, BenchRow } from "./figures.js";
import { BENCH_SECONDS, BENCH_WORKLOADS, printTable, ratio, workloadLabel } from "./figures.js";
import { runFio } from "./fio.js";

const NAMESPACES = [
  { nsid: 1, label: "null-backed namespace" },
  { nsid: 2, label: "file-backed namespace" },
];

/** The scaling row: two worker threads, each at QD 32 on a queue pair of its own (SPDK perf's model). */
const WORKERS = 2;

const bind = (driver: "nvme" | "vfio"): string =>
  execFileSync("sh", ["test/rig/guest/nvme-bind.sh", driver], { encoding: "utf8" }).trim();

const bdf = bind("nvme");
const controllerName = readdirSync(`/sys/bus/pci/devices/${bdf}/nvme`)[0]!;
const model = readFileSync(`/sys/class/nvme/${controllerName}/model`, "utf8").trim();
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

// The guest's clocksource decides what a clock read costs, and fio reads the clock several times per I/O.
const clocksource = readFileSync(
  "/sys/devices/system/clocksource/clocksource0/current_clocksource",
  "utf8",
).trim();
console.log(
  `# nvmekit PCIe benchmark: ${model} at ${bdf}, ${BENCH_SECONDS} s per workload, ` +
    `nvmekit perf with default flags, guest clocksource ${clocksource}\n`,
);
/** The issue 17 targets against the C driver, read off the null-backed namespace's rows. */
function printTargets(rows: readonly BenchRow[]): void {
  const at = (qd: number, engine: string) =>
    rows.find(
      (r) => r.workload.pattern === "randread" && r.workload.queueDepth === qd && r.ours.engine === engine,
    )!;
  const qd1 = at(1, "nvmekit perf");
  const qd32 = at(32, "nvmekit perf");
  const two = at(32, `nvmekit perf --workers ${WORKERS}`);
  const c1 = qd1.cDriver!;
  const c32 = qd32.cDriver!;
  console.log(
    [
      "Targets (issue 17), null-backed namespace, nvmekit perf with default flags against the C driver:",
      `- QD 32 4 KiB randread: IOPS ${ratio(qd32.ours.iops, c32.iops)} (at least 0.80x), ` +
        `CPU per I/O ${ratio(qd32.ours.cpuUsPerIo, c32.cpuUsPerIo)} (at most 1.30x)`,
      `- QD 1 4 KiB randread: average latency ${ratio(qd1.ours.avgUs, c1.avgUs)} (at most 1.30x); ` +
        `cycle (1 / IOPS) ${ratio(c1.iops, qd1.ours.iops)}`,
      `- --workers ${WORKERS} at QD 32: ${ratio(two.ours.iops, qd32.ours.iops)} one worker's IOPS, ` +
        `${ratio(two.ours.iops, c32.iops)} the C driver's`,
    ].join("\n"),
  );
}

for (const { nsid, label } of NAMESPACES) {
  const rows: BenchRow[] = [];
  for (const w of BENCH_WORKLOADS) {
    const key = `${nsid} ${workloadLabel(w)}`;
    const c = cDriver.get(key) ?? null;
    rows.push({ workload: w, ours: runCliPerf(bdf, nsid, w), kernel: kernel.get(key)!, cDriver: c });
    if (nsid === 1 && w.pattern === "randread" && w.queueDepth === 32)
      rows.push({
        workload: w,
        ours: runCliPerf(bdf, nsid, w, WORKERS),
        kernel: kernel.get(key)!,
        cDriver: c,
      });
  }
  printTable(label, rows);
  if (nsid === 1) printTargets(rows);
}
