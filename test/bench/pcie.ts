/**
 * `pnpm bench:pcie`, run inside the rig's "bench" guest: the same workloads through `nvmekit perf`
 * (the CLI as a user runs it, default flags, over VFIO), the C userspace driver (VFIO) and the
 * kernel's nvme driver with fio/io_uring, in one boot, side by side; then issue 17's comparison with
 * the C driver (QD 1, QD 32 and `nvmekit perf --workers 2` at QD 32) in rounds taken in turns. Prints
 * Markdown tables for BENCHMARKS.md. A benchmark, not a test: it asserts nothing.
 * @module
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cDriverRuns, runCDriver } from "./c-driver.js";
import { runCliPerf } from "./cli-perf.js";
import type { BenchFigures, BenchRow } from "./figures.js";
import {
  BENCH_SECONDS,
  BENCH_WORKLOADS,
  printTable,
  printTargets,
  runRounds,
  workloadLabel,
} from "./figures.js";
import { runFio } from "./fio.js";
import { runPortFloor } from "./port-floor.js";

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
/** One round of the target comparison, on the null-backed namespace. */
type TargetRound = Record<
  "c1" | "ours1" | "c32" | "ours32" | "workers32" | "cThreads32" | "floor32",
  BenchFigures
>;

/**
 * Runs issue 17's comparison, the C driver and `nvmekit perf` in turns, and prints each round's
 * figures and the medians of their ratios against the targets. `cThreads32` is the C driver with as
 * many threads (one queue pair each) as `--workers`: what scaling the rig allows; `floor32` a bare
 * JavaScript loop over the queue port (port-floor.ts): what any JavaScript driver can reach here.
 */
async function measureTargets(): Promise<void> {
  const randread = (qd: number) =>
    BENCH_WORKLOADS.find((w) => w.pattern === "randread" && w.queueDepth === qd)!;
  const [qd1, qd32] = [randread(1), randread(32)];
  const rounds: TargetRound[] = await runRounds([
    ["c32", () => runCDriver(bdf, 1, qd32)],
    ["ours32", () => runCliPerf(bdf, 1, qd32)],
    ["floor32", () => runPortFloor(bdf, 1, qd32)],
    ["workers32", () => runCliPerf(bdf, 1, qd32, WORKERS)],
    ["cThreads32", () => runCDriver(bdf, 1, qd32, WORKERS)],
    ["c1", () => runCDriver(bdf, 1, qd1)],
    ["ours1", () => runCliPerf(bdf, 1, qd1)],
  ]);
  const f = (n: number, d = 0): string => n.toFixed(d);
  printTargets(
    "Targets (issue 17), null-backed namespace, nvmekit perf with default flags against the C driver",
    rounds,
    (t) =>
      `QD 32 ${f(t.ours32.iops)} / C ${f(t.c32.iops)} IOPS (CPU us/IO ${f(t.ours32.cpuUsPerIo, 2)} / ${f(t.c32.cpuUsPerIo, 2)}), ` +
      `bare JavaScript loop ${f(t.floor32.iops)} IOPS (CPU us/IO ${f(t.floor32.cpuUsPerIo, 2)}), ` +
      `--workers ${WORKERS} ${f(t.workers32.iops)} / C ${WORKERS} threads ${f(t.cThreads32.iops)}; QD 1 ${f(t.ours1.iops)} / C ${f(t.c1.iops)} IOPS (avg us ${f(t.ours1.avgUs, 1)} / ${f(t.c1.avgUs, 1)})`,
    [
      ["QD 32 4 KiB randread IOPS", (t) => t.ours32.iops / t.c32.iops, "at least 0.80x"],
      ["QD 32 CPU per I/O", (t) => t.ours32.cpuUsPerIo / t.c32.cpuUsPerIo, "at most 1.30x"],
      ["QD 32 IOPS of a bare JavaScript loop over the queue port", (t) => t.floor32.iops / t.c32.iops, ""],
      ["QD 32 CPU per I/O of that loop", (t) => t.floor32.cpuUsPerIo / t.c32.cpuUsPerIo, ""],
      ["QD 1 average latency", (t) => t.ours1.avgUs / t.c1.avgUs, "at most 1.30x"],
      ["QD 1 cycle (1 / IOPS)", (t) => t.c1.iops / t.ours1.iops, ""],
      [`--workers ${WORKERS} at QD 32, vs one worker`, (t) => t.workers32.iops / t.ours32.iops, "scales"],
      [`--workers ${WORKERS} at QD 32, vs the C driver`, (t) => t.workers32.iops / t.c32.iops, ""],
      [
        `the C driver's ${WORKERS} threads at QD 32, vs one thread`,
        (t) => t.cThreads32.iops / t.c32.iops,
        "",
      ],
    ],
  );
}

for (const { nsid, label } of NAMESPACES) {
  const rows: BenchRow[] = [];
  for (const w of BENCH_WORKLOADS) {
    const key = `${nsid} ${workloadLabel(w)}`;
    const c = cDriver.get(key) ?? null;
    rows.push({ workload: w, ours: runCliPerf(bdf, nsid, w), kernel: kernel.get(key)!, cDriver: c });
  }
  printTable(label, rows);
}
await measureTargets();
