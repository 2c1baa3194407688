/**
 * The kernel baseline: fio with io_uring on the kernel's nvme driver, with the same workload as ours,
 * reduced to the same figures.
 * @module
 */
import { execFileSync } from "node:child_process";
import type { BenchFigures, BenchWorkload } from "./figures.js";

interface FioJob {
  job_runtime: number;
  usr_cpu: number;
  sys_cpu: number;
  read: FioSide;
  write: FioSide;
}
interface FioSide {
  io_bytes: number;
  total_ios: number;
  lat_ns: { mean: number; min: number; max: number };
  clat_ns: { percentile?: Record<string, number> };
}

/** Runs `w` with fio (io_uring, O_DIRECT) on the block device `dev` and returns its figures. */
export function runFio(dev: string, w: BenchWorkload): BenchFigures {
  const out = execFileSync(
    "fio",
    [
      "--name=bench",
      `--filename=${dev}`,
      "--ioengine=io_uring",
      "--direct=1",
      `--rw=${w.pattern}`,
      `--bs=${w.ioSize}`,
      `--iodepth=${w.queueDepth}`,
      `--runtime=${w.seconds}`,
      "--time_based",
      "--norandommap",
      "--randrepeat=0",
      "--percentile_list=50:99:99.9",
      "--output-format=json",
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const job = (JSON.parse(out) as { jobs: FioJob[] }).jobs[0]!;
  const side = w.pattern.includes("write") ? job.write : job.read;
  const seconds = job.job_runtime / 1000;
  const pct = (p: string): number => (side.clat_ns.percentile?.[p] ?? 0) / 1000;
  return {
    engine: "kernel io_uring (fio)",
    iops: side.total_ios / seconds,
    mibps: side.io_bytes / 2 ** 20 / seconds,
    avgUs: side.lat_ns.mean / 1000,
    p50Us: pct("50.000000"),
    p99Us: pct("99.000000"),
    p999Us: pct("99.900000"),
    cpuUsPerIo: (((job.usr_cpu + job.sys_cpu) / 100) * seconds * 1e6) / side.total_ios,
    heapGrowthBytes: null,
  };
}
