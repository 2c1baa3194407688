#!/usr/bin/env node
// Runs the test tiers named on the command line (unit, device) and prints one summary line,
// `N passed, N failed[, N skipped]`, which CI reads. Lint, the layering check (which way imports may
// point, no cycles: .dependency-cruiser.cjs) and the API docs' check (every export documented, no
// broken links) run first with the unit tier: they are checks, not steps to forget. Each unit test
// file runs in its own node process with a time limit (TEST_FILE_TIMEOUT seconds, default 120): a
// file that hangs is killed and counted as a failure under its name, and the run goes on. (The device
// tier's limit is per suite, in test/rig/device-tests.mjs.)
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const tiers = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const fileSeconds = Number(process.env.TEST_FILE_TIMEOUT ?? 120);
const timedOut = [];
let broken = false;

/**
 * Runs a command, streaming its output as it comes; resolves with its exit code, everything it printed
 * and whether it was killed for running past `limitSeconds` (when given).
 */
function run(cmd, args, limitSeconds) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    const chunks = [];
    let killed = false;
    const timer =
      limitSeconds === undefined
        ? undefined
        : setTimeout(() => {
            killed = true;
            child.kill("SIGKILL");
          }, limitSeconds * 1000);
    child.stdout.on("data", (chunk) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out: Buffer.concat(chunks).toString(), killed });
    });
  });
}

/** Compiled unit test files: every package's dist/test, and test/dist/unit; none under a device folder. */
function unitFiles() {
  const pkgs = readdirSync(join(root, "packages")).map((p) => join("packages", p, "dist", "test"));
  const dirs = [...pkgs, join("test", "dist", "unit")].filter((d) => existsSync(join(root, d)));
  return dirs.flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true })
      .filter((f) => f.endsWith(".test.js") && !/device/.test(f))
      .sort()
      .map((f) => join(dir, f)),
  );
}

/** Adds uvu's `Total / Passed / Skipped` figures to the totals (uvu's Total leaves skipped tests out). */
function countUvu(out, code) {
  const num = (label) => Number(out.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
  const total = num("Total");
  const passed = num("Passed");
  const skipped = num("Skipped");
  totals.passed += passed;
  totals.skipped += skipped;
  totals.failed += total - passed;
  if (code !== 0 && total === passed) broken = true; // crashed outside a test
}

if (tiers.includes("unit")) {
  if ((await run("pnpm", ["exec", "biome", "check", "."])).code !== 0) {
    console.log("lint: failed (run `pnpm format` to fix formatting)");
    broken = true;
  }
  if ((await run("bash", ["scripts/check-layers.sh"])).code !== 0) {
    console.log("layering: an import points the wrong way or closes a cycle (rule names above)");
    broken = true;
  }
  if ((await run("pnpm", ["exec", "typedoc"])).code !== 0) {
    console.log("docs: typedoc reported warnings (undocumented exports or broken links)");
    broken = true;
  }
  // uvu test files run themselves (test.run()) and print uvu's summary.
  for (const file of unitFiles()) {
    const r = await run("node", [file], fileSeconds);
    if (r.killed) {
      console.log(`timeout: ${file} ran past ${fileSeconds} s and was killed`);
      timedOut.push(file);
      totals.failed++;
    } else countUvu(r.out, r.code);
  }
}

if (tiers.includes("device")) {
  const r = await run("node", [join(root, "test/rig/device-tests.mjs")]);
  const m = r.out.match(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/m);
  if (!m) broken = true;
  else {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3] ?? 0);
  }
  if (r.code !== 0) broken = true;
}

if (totals.passed + totals.failed === 0) broken = true; // a run that tested nothing is not green
for (const file of timedOut) console.log(`timed out: ${file}`);
const skipped = totals.skipped ? `, ${totals.skipped} skipped` : "";
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(broken || totals.failed ? 1 : 0);
