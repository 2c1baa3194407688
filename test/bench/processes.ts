/**
 * A layer benchmark run in several processes one after another, with the layer's overhead summarised
 * across them. Within one process the slice pairs agree closely, but V8 compiles the shared I/O path
 * differently from one process to the next (which callbacks a call site has seen, what it inlined),
 * and in the rig's guest that moves the overhead by several points between runs of the same code. The
 * median over processes is the figure to compare with a target; each process's is printed beside it.
 * @module
 */
import { spawn } from "node:child_process";
import { type Overhead, quantile } from "./timed-loop.js";

/** The environment variable that marks a child process (its 1-based number). */
const CHILD = "BENCH_PROCESS";
/** The prefix of the line a child prints per workload, with its overhead as JSON. */
const MARK = "#overhead ";

/** One workload's overhead as a child reports it. */
interface Reported extends Overhead {
  label: string;
}

/** Whether this process is one of the children {@link inProcesses} runs. */
export const isChild = (): boolean => process.env[CHILD] !== undefined;

/** Reports one workload's overhead to the parent (a child only; nothing otherwise). */
export function reportOverhead(label: string, o: Overhead): void {
  if (isChild()) console.log(`${MARK}${JSON.stringify({ label, ...o } satisfies Reported)}`);
}

/**
 * Runs this script again in `count` processes, one after another, each with the same arguments and
 * its output passed through, then prints each workload's overhead per process and their median.
 * Returns false at once in a child, or when `count` is 1 (the caller measures in this process);
 * true once the children have run (the caller has nothing left to do).
 */
export async function inProcesses(count: number): Promise<boolean> {
  if (isChild() || count <= 1) return false;
  const byLabel = new Map<string, Reported[]>();
  for (let i = 1; i <= count; i++) {
    console.log(`## process ${i} of ${count}\n`);
    for (const r of await runChild(i)) byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r]);
  }
  const pct = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
  const rows = [...byLabel].map(([label, rs]) => {
    const each = rs.map((r) => `${pct(r.pct)} (${r.ns >= 0 ? "+" : ""}${Math.round(r.ns)} ns)`).join(", ");
    return `| ${label} | ${each} | ${pct(
      quantile(
        rs.map((r) => r.pct),
        0.5,
      ),
    )} |`;
  });
  console.log(
    [
      `## The layer's overhead per I/O across ${count} processes (each: the median of its slice pairs)\n`,
      "| workload | per process | median |",
      "| --- | --- | ---: |",
      ...rows,
      "",
    ].join("\n"),
  );
  return true;
}

/** Runs child `i` to its end with stdout passed through; its reported overheads. */
function runChild(i: number): Promise<Reported[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env: { ...process.env, [CHILD]: String(i) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const reported: Reported[] = [];
    let pending = "";
    child.stdout.setEncoding("utf8");
    const take = (line: string): void => {
      if (line.startsWith(MARK)) reported.push(JSON.parse(line.slice(MARK.length)) as Reported);
      else console.log(line);
    };
    child.stdout.on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) take(line);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (pending !== "") take(pending);
      if (code === 0) resolve(reported);
      else reject(new Error(`benchmark process ${i} exited with ${code}`));
    });
  });
}
