/**
 * A finished perf run as the CLI presents it: what ran, each namespace's figures and the total, as
 * SPDK perf's table (IOPS, MiB/s, average/min/max latency) with the percentiles beside it, and as JSON.
 * @module
 */
import { table } from "../format/table.js";
import { formatNumber } from "../format/units.js";
import { SAMPLE_MS, type WorkloadResult } from "./workload.js";
import type { WorkloadSpec } from "./workload-spec.js";

/** One line of the result: a namespace's figures (on one worker thread, with `--workers`). */
export interface PerfRow {
  /** Namespace ID. */
  nsid: number;
  /** The worker thread that ran it (`--workers`), absent when the controller's thread did. */
  worker?: number;
  /** Its figures (all its queue pairs combined). */
  result: WorkloadResult;
}

/** A finished run. */
export interface PerfSummary {
  /** The controller's transport ID. */
  trid: string;
  /** The workload as run (`queueDepth` per namespace, per worker thread when `workers` is set). */
  workload: WorkloadSpec & { qpairs: number; workers?: number };
  /** Per namespace. */
  rows: PerfRow[];
  /** All namespaces together. */
  total: WorkloadResult;
  /** Whether the run was stopped early (Ctrl-C). */
  interrupted: boolean;
}

const us = (n: number) => formatNumber(n, 2);

/** The result table: one line per namespace and the total; latencies in microseconds. */
export function summaryTable(s: PerfSummary): string[] {
  const columns = [
    { title: "Device" },
    ...["IOPS", "MiB/s", "Average", "min", "max", "p50", "p90", "p99", "p99.9", "p99.99"].map((title) => ({
      title,
      right: true,
    })),
  ];
  const cells = (label: string, r: WorkloadResult) => {
    const l = r.latencyUs;
    return [
      label,
      formatNumber(r.iops, 2),
      formatNumber(r.mibps, 2),
      us(l.avg),
      us(l.min),
      us(l.max),
      us(l.p50),
      us(l.p90),
      us(l.p99),
      us(l.p999),
      us(l.p9999),
    ];
  };
  const rows = s.rows.map((row) => {
    const from = row.worker === undefined ? "" : ` from worker ${row.worker}`;
    return cells(`${s.trid} NSID ${row.nsid}${from}`, row.result);
  });
  rows.push(cells("Total", s.total));
  return ["Latency in microseconds", ...table(columns, rows)];
}

/** Lines after the table: errors, verification, CPU cost, an interruption. */
export function summaryNotes(s: PerfSummary): string[] {
  const t = s.total;
  const notes = [
    `CPU ${formatNumber(t.cpuUsPerIo, 2)} µs per I/O; ${formatNumber(t.ios)} I/Os in ${t.seconds.toFixed(2)} s`,
  ];
  if (s.workload.verify) {
    const v = t.verify;
    notes.push(
      `verify: ${t.verifyFailures} of ${formatNumber(t.reads)} reads did not return what was written ` +
        `(${v.lost} lost, ${v.stale} stale, ${v.torn} torn, ${v.misdirected} misdirected, ` +
        `${v.phantom} phantom, ${v.unfilled} unfilled, ${v.garbled} garbled)`,
    );
    if (t.firstVerifyFailure !== undefined) notes.push(`first: ${t.firstVerifyFailure}`);
  }
  if (t.duplicateCompletions > 0) notes.push(`${t.duplicateCompletions} completions of I/Os not in flight`);
  if (t.errors > 0) notes.push(`${t.errors} I/Os completed with an error status`);
  if (s.interrupted) notes.push("interrupted: the figures cover the time until Ctrl-C");
  return notes;
}

/** A result's figures for JSON (no histogram object). */
export function resultJson(r: WorkloadResult): Record<string, unknown> {
  const { histogram: _h, ...figures } = r;
  return { ...figures, sampleMs: SAMPLE_MS };
}

/** The whole run as JSON. */
export function summaryJson(s: PerfSummary): Record<string, unknown> {
  return {
    trid: s.trid,
    workload: s.workload,
    namespaces: s.rows.map(({ nsid, worker, result }) => ({ nsid, worker, ...resultJson(result) })),
    total: resultJson(s.total),
    interrupted: s.interrupted,
  };
}
