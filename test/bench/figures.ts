/**
 * The figures a benchmark row shows, whichever engine produced them, and the table they print as.
 * @module
 */

/** One benchmark workload. */
export interface BenchWorkload {
  /** fio/SPDK pattern name. */
  pattern: "randread" | "randwrite" | "read" | "write";
  /** Bytes per I/O. */
  ioSize: number;
  /** Queue depth. */
  queueDepth: number;
  /** Seconds to run. */
  seconds: number;
}

/** What one engine achieved on one workload. */
export interface BenchFigures {
  /** Who did the I/O. */
  engine: string;
  /** I/Os per second. */
  iops: number;
  /** MiB per second. */
  mibps: number;
  /** Average latency, microseconds. */
  avgUs: number;
  /** Median latency, microseconds. */
  p50Us: number;
  /** 99th percentile latency, microseconds. */
  p99Us: number;
  /** 99.9th percentile latency, microseconds. */
  p999Us: number;
  /** CPU time per I/O, microseconds. */
  cpuUsPerIo: number;
  /** JS heap growth over the run in bytes (ours only). */
  heapGrowthBytes: number | null;
}

/** Seconds per workload: BENCH_SECONDS, default 5. */
export const BENCH_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/**
 * Seconds an engine runs in the rig's guest before it is measured: under TCG V8 compiles the I/O
 * path on background threads for the first seconds of a run.
 */
export const RIG_WARMUP_SECONDS = 3;

/** The workloads the device benchmarks run on every engine: 4 KiB random at QD 1 and 32, 128 KiB sequential reads. */
export const BENCH_WORKLOADS: readonly BenchWorkload[] = [
  { pattern: "randread", ioSize: 4096, queueDepth: 1, seconds: BENCH_SECONDS },
  { pattern: "randread", ioSize: 4096, queueDepth: 32, seconds: BENCH_SECONDS },
  { pattern: "randwrite", ioSize: 4096, queueDepth: 32, seconds: BENCH_SECONDS },
  { pattern: "read", ioSize: 128 * 1024, queueDepth: 8, seconds: BENCH_SECONDS },
];

/** A workload's label, e.g. "randread 4k qd32". */
export function workloadLabel(w: BenchWorkload): string {
  const size = w.ioSize >= 1024 ? `${w.ioSize / 1024}k` : `${w.ioSize}`;
  return `${w.pattern} ${size} qd${w.queueDepth}`;
}

/** One workload's figures: ours, the kernel's (the reference) and the C driver's where it can run it. */
export interface BenchRow {
  /** The workload. */
  workload: BenchWorkload;
  /** nvmekit's figures. */
  ours: BenchFigures;
  /** The kernel's (fio with io_uring). */
  kernel: BenchFigures;
  /** The C userspace driver's, or null when it cannot run this workload. */
  cDriver: BenchFigures | null;
}

/** `a / b` as a multiple, e.g. "0.84x", or "" when there is no `b`. */
export function ratio(a: number, b: number | undefined): string {
  return b === undefined ? "" : `${(a / b).toFixed(2)}x`;
}

/**
 * Prints one table: a row per engine per workload (an engine's figures once, when several rows share
 * them), each engine's IOPS as a multiple of the kernel's and of the C driver's, and its CPU per I/O
 * and average latency as multiples of the C driver's.
 */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  const f = (n: number, d = 0): string => n.toFixed(d);
  const lines = [
    `## ${title}`,
    "",
    "| workload | engine | IOPS | MiB/s | avg us | p50 us | p99 us | p99.9 us | CPU us/IO | heap growth | IOPS vs kernel | IOPS vs C | CPU/IO vs C | avg latency vs C |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const printed = new Set<BenchFigures>();
  for (const { workload, ours, kernel, cDriver } of rows) {
    for (const r of [ours, cDriver, kernel]) {
      if (r === null || printed.has(r)) continue;
      printed.add(r);
      const heap = r.heapGrowthBytes === null ? "" : `${f(r.heapGrowthBytes / 1024)} KiB`;
      const c = cDriver ?? undefined;
      lines.push(
        `| ${workloadLabel(workload)} | ${r.engine} | ${f(r.iops)} | ${f(r.mibps, 1)} | ${f(r.avgUs, 1)} | ${f(r.p50Us)} | ${f(r.p99Us)} | ${f(r.p999Us)} | ${f(r.cpuUsPerIo, 1)} | ${heap} | ${ratio(r.iops, kernel.iops)} | ${ratio(r.iops, c?.iops)} | ${ratio(r.cpuUsPerIo, c?.cpuUsPerIo)} | ${ratio(r.avgUs, c?.avgUs)} |`,
      );
    }
  }
  console.log(`${lines.join("\n")}\n`);
}

/**
 * Rounds of a target comparison: the engines take turns, the order reversed every other round, so a
 * change in the host's load falls on all of them; the targets are read off the median of the rounds'
 * ratios. BENCH_TARGET_ROUNDS, default 3.
 */
const TARGET_ROUNDS = Number(process.env.BENCH_TARGET_ROUNDS ?? 3);

/** Runs `steps` (named runs) for {@link TARGET_ROUNDS} rounds in turns; each round's figures by name. */
export async function runRounds<K extends string>(
  steps: readonly [K, () => BenchFigures | Promise<BenchFigures>][],
): Promise<Record<K, BenchFigures>[]> {
  const rounds: Record<K, BenchFigures>[] = [];
  for (let r = 0; r < TARGET_ROUNDS; r++) {
    const round = {} as Record<K, BenchFigures>;
    for (const [key, run] of r % 2 === 0 ? steps : [...steps].reverse()) round[key] = await run();
    rounds.push(round);
  }
  return rounds;
}

/** A ratio a target comparison prints: its name, how a round yields it, and the target ("" for none). */
export type TargetMeasure<R> = [name: string, of: (round: R) => number, target: string];

/** Prints a target comparison: `title`, a line per round (`describe`), then each measure's median and rounds. */
export function printTargets<R>(
  title: string,
  rounds: readonly R[],
  describe: (round: R) => string,
  measures: readonly TargetMeasure<R>[],
): void {
  const lines = [
    `${title}, ${rounds.length} rounds in turns:`,
    ...rounds.map((t, i) => `- round ${i + 1}: ${describe(t)}`),
    ...measures.map(([name, of, target]) => {
      const xs = rounds.map(of).sort((a, b) => a - b);
      const median = xs[xs.length >> 1]!;
      return `- ${name}: median ${median.toFixed(2)}x (rounds ${xs.map((x) => `${x.toFixed(2)}x`).join(", ")})${target ? `; target ${target}` : ""}`;
    }),
  ];
  console.log(`${lines.join("\n")}\n`);
}
