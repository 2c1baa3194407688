#!/usr/bin/env node
/**
 * Runs one command in a fresh guest and exits with its exit code.
 *   node test/rig/run.mjs [--config NAME] [--timeout SECONDS] -- COMMAND [ARGS...]
 * A guest failure (no boot, panic, time-out) prints why and exits with 125.
 */
import { parseArgs } from "node:util";
import { configs } from "./configs.mjs";
import { runInGuest } from "./guest-run.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { config: { type: "string", default: "default" }, timeout: { type: "string", default: "300" } },
});
if (positionals.length === 0) {
  console.error("usage: node test/rig/run.mjs [--config NAME] [--timeout SECONDS] -- COMMAND [ARGS...]");
  console.error(`configurations: ${Object.keys(configs).join(", ")}`);
  process.exit(2);
}
const result = await runInGuest({
  command: positionals,
  config: values.config,
  timeoutSeconds: Number(values.timeout),
}).catch((err) => {
  console.error(`rig: ${err.message}`);
  process.exit(2);
});
if (result.failure) {
  console.error(`rig: ${result.failure}`);
  process.exit(125);
}
console.error(`rig: exit ${result.exitCode} after ${result.seconds.toFixed(1)} s`);
process.exit(result.exitCode);
