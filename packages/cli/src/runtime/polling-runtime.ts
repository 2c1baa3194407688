/**
 * The V8 setting `nvmekit perf` runs under. Its polling loop keeps one core busy per queue pair, so it
 * runs without V8's helper threads (`--single-threaded`): background compiling and garbage-collection
 * threads otherwise take a core from the device or from the other pollers (in the QEMU rig, 9-26% of
 * the CPU per I/O at QD 32, at the same IOPS; see BENCHMARKS.md, issue 17). Larger inlining budgets
 * were measured too and left out: the core's loop alone got faster, `perf` did not, and its QD 1 got
 * slower.
 *
 * The entry point (`bin/nvmekit.js`) starts the command again in a Node.js with this flag when it is
 * missing; flags the user gave Node.js are passed on.
 * @module
 */
import { spawn } from "node:child_process";
import os from "node:os";

/** The Node.js (V8) flags the polling commands run under. */
export const POLLING_NODE_FLAGS: readonly string[] = ["--single-threaded"];

/** Commands that run a polling loop for their whole life. */
const POLLING_COMMANDS = new Set(["perf"]);

/**
 * The Node.js arguments to start `argv` (as process.argv) again with, or null when it should run in
 * this process: not a polling command, the flags are set already, or it runs under the inspector.
 * @param execArgv the Node.js flags of this process (process.execArgv), kept after ours
 */
export function pollingRerunArgs(argv: readonly string[], execArgv: readonly string[]): string[] | null {
  // The CLI has no global option that takes a value, so the command is the first word.
  const command = argv.slice(2).find((a) => !a.startsWith("-"));
  if (command === undefined || !POLLING_COMMANDS.has(command)) return null;
  // A debugger attached to this process stays with it: the restart would run the command elsewhere.
  if (execArgv.some((a) => a.startsWith("--inspect"))) return null;
  const missing = POLLING_NODE_FLAGS.filter((f) => !execArgv.includes(f));
  if (missing.length === 0) return null;
  return [...missing, ...execArgv, ...argv.slice(1)];
}

/**
 * Runs `node args` with this process's stdio and resolves with its exit code (128 + the signal's
 * number when a signal ended it). Ctrl-C reaches the child through the terminal; this process waits
 * for it instead of dying first, and passes on a SIGTERM sent to it alone. Rejects when Node.js
 * cannot be started.
 */
export function rerun(args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: "inherit" });
  const ignore = (): void => {};
  const forward = (): void => {
    child.kill("SIGTERM");
  };
  process.on("SIGINT", ignore);
  process.on("SIGTERM", forward);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + signalNumber(signal));
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : ((os.constants.signals as Record<string, number>)[signal] ?? 0);
}
