/**
 * `nvmekit perf`: SPDK perf's workload flags (-q depth, -o size, -w pattern, -M read share, -t time,
 * -P queue pairs per namespace) on every active namespace of a controller, or the one `--ns` names.
 * With `--workers N`, N worker threads each run that whole workload on queue pairs of their own.
 * A progress bar shows live IOPS; the result is SPDK perf's table with latency percentiles, or JSON,
 * and `--report` writes an HTML page with the charts. `--verify` writes patterns and checks reads.
 * @module
 */
import { writeFileSync } from "node:fs";
import { type Controller, formatTransportId, InvalidArgumentError, type Namespace } from "@nvmekit/core";
import type { Command } from "commander";
import { jsonOption, nsOption, type TargetFlags, tridOption } from "../options/common.js";
import { byteSize, integer, oneOf, seconds } from "../options/numbers.js";
import { PerfProgress } from "../perf/progress.js";
import { perfQueueOptions } from "../perf/queue-sizing.js";
import { type PerfSummary, summaryJson, summaryNotes, summaryTable } from "../perf/summary.js";
import { runInWorkers, type WorkerJob } from "../perf/worker-pool.js";
import { combineResults, type RunOptions, runWorkloads, type WorkloadResult } from "../perf/workload.js";
import { checkWorkload, PATTERNS, type Pattern, type WorkloadSpec } from "../perf/workload-spec.js";
import { renderReport } from "../report/html-report.js";
import { CliError, UsageError } from "../runtime/cli-error.js";
import { notice, print, printJson } from "../runtime/output.js";
import { activeNamespace, withController } from "../runtime/session.js";

interface PerfFlags extends TargetFlags {
  ioDepth: number;
  ioSize: number;
  ioPattern: Pattern;
  rwmixread?: number;
  time: number;
  warmupTime: number;
  qpairs: number;
  workers?: number;
  ns?: number;
  json?: boolean;
  report?: string;
  verify?: boolean;
}

/**
 * The warm-up `perf` runs unless told otherwise. SPDK's perf (compiled C) needs none; here the first
 * second or so runs while V8 is still compiling the I/O path on background threads (seconds, in an
 * emulated guest), so without a warm-up the figures measure the compiler as much as the driver.
 */
export const DEFAULT_WARMUP_SECONDS = 1;

/** The workload the flags describe, before it is checked against each namespace. */
function workloadOf(flags: PerfFlags): WorkloadSpec {
  const mixed = flags.ioPattern === "rw" || flags.ioPattern === "randrw";
  if (mixed && flags.rwmixread === undefined) {
    throw new UsageError(`-w ${flags.ioPattern} needs -M, the percentage of reads (e.g. -M 70)`);
  }
  if (flags.qpairs > flags.ioDepth) {
    throw new UsageError(
      `-q ${flags.ioDepth} is spread over --qpairs ${flags.qpairs}: give -q at least ${flags.qpairs}`,
    );
  }
  return {
    pattern: flags.ioPattern,
    readPercent: flags.rwmixread ?? 0,
    ioSize: flags.ioSize,
    queueDepth: flags.ioDepth,
    seconds: flags.time,
    warmupSeconds: flags.warmupTime,
    verify: flags.verify ?? false,
  };
}

/** The namespaces to run on, each with the workload checked against it; as SPDK perf, skips misfits. */
function targets(
  ctrlr: Controller,
  nsid: number | undefined,
  spec: WorkloadSpec,
): [Namespace, WorkloadSpec][] {
  const namespaces =
    nsid !== undefined
      ? [activeNamespace(ctrlr, nsid)]
      : ctrlr.activeNamespaceIds().map((id) => ctrlr.getNamespace(id)!);
  const out: [Namespace, WorkloadSpec][] = [];
  for (const ns of namespaces) {
    try {
      out.push([ns, checkWorkload(spec, ns)]);
    } catch (e) {
      if (!(e instanceof InvalidArgumentError) || namespaces.length === 1) throw e;
      notice(`skipping namespace ${ns.id}: ${e.message}`);
    }
  }
  if (out.length === 0)
    throw new CliError("no namespace of this controller can run this workload (see above)");
  return out;
}

/** Splits a namespace's queue depth over its queue pairs, the remainder to the first ones. */
function depthShares(depth: number, qpairs: number): number[] {
  return Array.from({ length: qpairs }, (_, i) => Math.floor(depth / qpairs) + (i < depth % qpairs ? 1 : 0));
}

/**
 * With verify, worker `w`'s copy of `job`: each worker verifies its own part of each namespace (the
 * job's own part, cut in `workers` pieces), since two models of one block would disagree.
 */
function inPart(job: WorkerJob, w: number, workers: number): WorkerJob {
  const part = job.spec.part;
  if (!job.spec.verify || part === undefined) return job;
  return {
    ...job,
    spec: { ...job.spec, part: { index: part.index * workers + w, count: part.count * workers } },
  };
}

/**
 * Runs the jobs on this thread, or the same set of jobs in each of `workers` threads (SPDK perf's
 * model: -q per namespace per worker). Returns every job's namespace, worker (when any) and figures.
 */
async function runJobs(
  ctrlr: Controller,
  jobs: WorkerJob[],
  workers: number | undefined,
  options: RunOptions,
): Promise<{ ns: Namespace; worker?: number; result: WorkloadResult }[]> {
  if (workers === undefined) {
    const withQpairs = [];
    for (const job of jobs) {
      const depth = job.spec.queueDepth;
      const qp = await ctrlr.allocIoQpair(perfQueueOptions(ctrlr, depth));
      withQpairs.push({ ...job, qp });
    }
    const results = await runWorkloads(withQpairs, options);
    return results.map((result, i) => ({ ns: jobs[i]!.ns, result }));
  }
  const results = await runInWorkers(
    ctrlr,
    Array.from({ length: workers }, (_, w) => jobs.map((job) => inPart(job, w, workers))),
    options,
  );
  return results.map((result, i) => ({
    ns: jobs[i % jobs.length]!.ns,
    worker: Math.floor(i / jobs.length),
    result,
  }));
}

async function runPerf(ctrlr: Controller, flags: PerfFlags): Promise<PerfSummary> {
  const spec = workloadOf(flags);
  const chosen = targets(ctrlr, flags.ns, spec);
  const needed = chosen.length * flags.qpairs * (flags.workers ?? 1);
  if (needed > ctrlr.options.numIoQueues) {
    const workers = flags.workers === undefined ? "" : ` × --workers ${flags.workers}`;
    throw new UsageError(
      `${chosen.length} namespaces × --qpairs ${flags.qpairs}${workers} needs ${needed} I/O queues; ` +
        `this controller grants ${ctrlr.options.numIoQueues} (lower --qpairs or pick one with --ns)`,
    );
  }
  const jobs: WorkerJob[] = [];
  for (const [ns, checked] of chosen) {
    for (const [k, depth] of depthShares(checked.queueDepth, flags.qpairs).entries()) {
      // With verify each queue pair (and each worker's) checks a part of the namespace of its own.
      const part = spec.verify ? { part: { index: k, count: flags.qpairs } } : {};
      const job = { ns, spec: { ...checked, queueDepth: depth, ...part } };
      // Each part still needs a range per I/O in flight.
      for (let w = 0; w < (flags.workers ?? 1); w++)
        checkWorkload(inPart(job, w, flags.workers ?? 1).spec, ns);
      jobs.push(job);
    }
  }
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on("SIGINT", onSigint);
  const progress = new PerfProgress(spec.seconds);
  try {
    const done = await runJobs(ctrlr, jobs, flags.workers, {
      progressMs: 250,
      onProgress: (ios, ms) => progress.update(ios, ms),
      shouldStop: () => interrupted,
    });
    // As SPDK perf: a line per namespace, per worker when there are workers.
    const rows = Array.from({ length: flags.workers ?? 1 }, (_, w) =>
      chosen.map(([ns]) => ({
        nsid: ns.id,
        ...(flags.workers === undefined ? {} : { worker: w }),
        result: combineResults(done.filter((d) => d.ns === ns && (d.worker ?? 0) === w).map((d) => d.result)),
      })),
    ).flat();
    const workers = flags.workers === undefined ? {} : { workers: flags.workers };
    return {
      trid: formatTransportId(ctrlr.trid),
      workload: { ...spec, readPercent: chosen[0]![1].readPercent, qpairs: flags.qpairs, ...workers },
      rows,
      total: combineResults(rows.map((r) => r.result)),
      interrupted,
    };
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
  }
}

/** Registers `perf`. */
export function registerPerf(program: Command): void {
  const cmd = program
    .command("perf")
    .description("measure IOPS, bandwidth and latency with SPDK perf's workload flags")
    .option("-q, --io-depth <n>", "I/Os kept in flight per namespace (SPDK perf -q)", integer(1, 65536), 32)
    .option("-o, --io-size <bytes>", "bytes per I/O, e.g. 4096 or 4k (SPDK perf -o)", byteSize(), 4096)
    .option(
      `-w, --io-pattern <pattern>`,
      `access pattern: ${PATTERNS.join(", ")}`,
      oneOf(PATTERNS),
      "randread",
    )
    .option("-M, --rwmixread <percent>", "percentage of reads for rw and randrw", integer(0, 100))
    .option("-t, --time <seconds>", "run time in seconds", seconds(), 3)
    .option(
      "-a, --warmup-time <seconds>",
      "seconds of I/O before measuring, not counted: V8 compiles the I/O path meanwhile (SPDK perf -a)",
      seconds(3600, true),
      DEFAULT_WARMUP_SECONDS,
    )
    .option("-P, --qpairs <n>", "I/O queue pairs per namespace, sharing -q", integer(1, 1024), 1)
    .option(
      "--workers <n>",
      "worker threads, each running the workload (-q per namespace) on its own queue pairs",
      integer(1, 256),
    )
    .option("--verify", "pre-fill the range with patterns, write patterns, check every read")
    .option("--report <file.html>", "write an HTML page with the latency histogram and IOPS over time");
  jsonOption(nsOption(tridOption(cmd))).action((flags: PerfFlags) =>
    withController(flags.trid, async ({ ctrlr }) => {
      const summary = await runPerf(ctrlr, flags);
      if (flags.json) printJson(summaryJson(summary));
      else for (const line of [...summaryTable(summary), "", ...summaryNotes(summary)]) print(line);
      if (flags.report !== undefined) {
        writeFileSync(flags.report, renderReport(summary));
        notice(`report written to ${flags.report}`);
      }
      const t = summary.total;
      if (t.verifyFailures > 0)
        throw new CliError(`verify failed: ${t.verifyFailures} reads returned the wrong data`);
      if (t.errors > 0) throw new CliError(`${t.errors} I/Os failed (NVMe error status)`);
    }),
  );
}
