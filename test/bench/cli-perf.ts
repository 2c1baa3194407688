/**
 * nvmekit as a user runs it: the `nvmekit perf` command with default flags, as a child process, its
 * `--json` summary reduced to the same figures as the C driver's and fio's.
 * @module
 */
import { execFileSync } from "node:child_process";
import type { BenchFigures, BenchWorkload } from "./figures.js";

/** The CLI's bin (packages/cli's package.json "bin"), run by node as `npx nvmekit` would. */
const NVMEKIT = new URL("../../../packages/cli/bin/nvmekit.js", import.meta.url).pathname;

/** The `total` figures of `nvmekit perf --json` this benchmark reads. */
interface PerfTotal {
  iops: number;
  mibps: number;
  cpuUsPerIo: number;
  latencyUs: { avg: number; p50: number; p99: number; p999: number };
}

/** The perf command line for `w` on namespace `nsid` of the vfio-pci-bound controller `bdf`. */
export function perfArgs(bdf: string, nsid: number, w: BenchWorkload, workers?: number): string[] {
  const args = ["perf", "-r", `trtype:PCIe traddr:${bdf}`, "--ns", String(nsid)];
  args.push("-q", String(w.queueDepth), "-o", String(w.ioSize), "-w", w.pattern, "-t", String(w.seconds));
  if (workers !== undefined) args.push("--workers", String(workers));
  return [...args, "--json"];
}

/** Runs `nvmekit perf` for `w` (with `workers` worker threads when given) and returns its totals. */
export function runCliPerf(bdf: string, nsid: number, w: BenchWorkload, workers?: number): BenchFigures {
  const out = execFileSync(process.execPath, [NVMEKIT, ...perfArgs(bdf, nsid, w, workers)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const t = (JSON.parse(out) as { total: PerfTotal }).total;
  return {
    engine: workers === undefined ? "nvmekit perf" : `nvmekit perf --workers ${workers}`,
    iops: t.iops,
    mibps: t.mibps,
    avgUs: t.latencyUs.avg,
    p50Us: t.latencyUs.p50,
    p99Us: t.latencyUs.p99,
    p999Us: t.latencyUs.p999,
    cpuUsPerIo: t.cpuUsPerIo,
    heapGrowthBytes: null,
  };
}
