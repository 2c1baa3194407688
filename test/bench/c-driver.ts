/**
 * The C userspace driver baseline: test/bench/c-baseline/nvme-vfio-bench, built on the host by
 * `pnpm bench:pcie`, run in the same guest boot on the same controller through VFIO, its one line
 * of JSON reduced to the same figures as ours.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { BenchFigures, BenchWorkload } from "./figures.js";

/** Where `pnpm bench:pcie` puts the binary (test/dist is the shared, ignored build folder). */
export const C_DRIVER = new URL("./nvme-vfio-bench", import.meta.url).pathname;

/** Whether the C driver can run `w`: it does 4 KiB random reads or writes only. */
export function cDriverRuns(w: BenchWorkload): boolean {
  return w.ioSize === 4096 && (w.pattern === "randread" || w.pattern === "randwrite");
}

/**
 * Runs `w` with the C driver on namespace `nsid` of the vfio-pci-bound controller `bdf`, in `threads`
 * threads with a queue pair each at `w`'s depth (the figures are their totals).
 */
export function runCDriver(bdf: string, nsid: number, w: BenchWorkload, threads = 1): BenchFigures {
  if (!existsSync(C_DRIVER))
    throw new Error(`${C_DRIVER} is missing: run the benchmark with pnpm bench:pcie`);
  const out = execFileSync(
    C_DRIVER,
    [bdf, String(nsid), w.pattern, String(w.queueDepth), String(w.seconds), String(threads)],
    { encoding: "utf8" },
  );
  const r = JSON.parse(out.trim().split("\n").pop()!) as Record<string, number> & { engine: string };
  return {
    engine: r.engine,
    iops: r.iops!,
    mibps: r.mibps!,
    avgUs: r.avgUs!,
    p50Us: r.p50Us!,
    p99Us: r.p99Us!,
    p999Us: r.p999Us!,
    cpuUsPerIo: r.cpuUsPerIo!,
    heapGrowthBytes: null,
  };
}
