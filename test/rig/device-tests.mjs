#!/usr/bin/env node
/**
 * Runs the device suites in QEMU guests and prints one `N passed, N failed[, N skipped]` line last.
 *   node test/rig/device-tests.mjs [SUITE_FILE...]
 * Suites that need the same configuration share one guest, unless it is `isolated` (see suites.mjs for
 * discovery). Exits non-zero
 * when a test failed, a suite crashed or a guest failed.
 */
import { getConfig } from "./configs.mjs";
import { runInGuest } from "./guest-run.mjs";
import { isMain } from "./paths.mjs";
import { ensureRig } from "./setup.mjs";
import { suiteResults } from "./suite-results.mjs";
import { findSuites } from "./suites.mjs";

/** Time limit for one suite inside the guest, in seconds. */
const suiteSeconds = Number(process.env.RIG_SUITE_TIMEOUT ?? 240);
/** Allowance for booting and powering off a guest, in seconds. */
const guestSeconds = 60;

/**
 * Runs `suites` grouped by configuration, one guest per group, streaming their output. A configuration
 * marked `isolated` (its suites use the device up, e.g. by hot-removing it) gives every suite a guest.
 * @param {{ file: string, config: string }[]} suites
 */
export async function runDeviceSuites(suites) {
  const groups = new Map();
  for (const s of suites) {
    const key = getConfig(s.config).isolated ? `${s.config} ${s.file}` : s.config;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const results = [];
  for (const members of groups.values()) {
    const config = members[0].config;
    let files = members.map((s) => s.file);
    for (let attempt = 1; ; attempt++) {
      const run = await runGroup(config, files);
      const unfinished = run.results.filter((r) => r.problem?.startsWith("did not finish"));
      // QEMU 7.2 under TCG has crashed (SIGSEGV inside QEMU, dmesg) while a suite ran, leaving the
      // guest's suites unrun: those run once more in a new guest, said so, and count from there.
      if (run.emulatorCrashed && attempt === 1 && unfinished.length > 0) {
        console.log(
          `=== rig: QEMU crashed; the ${unfinished.length} suite(s) that did not finish run again in a new guest`,
        );
        results.push(...run.results.filter((r) => !unfinished.includes(r)));
        files = unfinished.map((r) => r.file);
        continue;
      }
      results.push(...run.results);
      break;
    }
  }
  return results;
}

/**
 * Runs `files` (suites of configuration `config`) in one guest: their results, with a failure of the
 * guest's own when every suite finished yet the guest did not power off cleanly, and whether QEMU
 * itself crashed.
 */
async function runGroup(config, files) {
  console.log(`\n=== rig guest: configuration ${config}, ${files.length} suite(s)`);
  const stdout = [];
  const run = await runInGuest({
    config,
    command: ["sh", "test/rig/guest/run-suites.sh", String(suiteSeconds), ...files],
    timeoutSeconds: guestSeconds + files.length * (suiteSeconds + 5),
    env: { NO_COLOR: "1" },
    onStdout: (chunk) => {
      stdout.push(chunk);
      process.stdout.write(chunk);
    },
  });
  if (run.failure) console.log(`=== rig guest failed: ${run.failure}`);
  console.log(`=== rig guest: configuration ${config} done in ${run.seconds.toFixed(1)} s`);
  const guestFailure = run.failure?.split("\n")[0] ?? null;
  const results = suiteResults(Buffer.concat(stdout).toString(), files, guestFailure);
  if (guestFailure && !results.some((r) => r.problem?.startsWith("did not finish"))) {
    results.push({ file: `guest (${config})`, passed: 0, failed: 1, skipped: 0, problem: guestFailure });
  }
  return { results, emulatorCrashed: run.emulatorCrashed };
}

if (isMain(import.meta.url)) {
  const started = Date.now();
  const suites = findSuites(process.argv.slice(2));
  // Every kernel the suites need, before any guest boots: a kernel the rig builds takes minutes once.
  for (const kernel of new Set(suites.map((s) => getConfig(s.config).kernel ?? "debian"))) {
    ensureRig({ kernel });
  }
  const results = suites.length ? await runDeviceSuites(suites) : [];
  const sum = (key) => results.reduce((n, r) => n + r[key], 0);
  const problems = results.filter((r) => r.problem);
  for (const r of problems) console.log(`rig: ${r.file}: ${r.problem}`);
  if (suites.length === 0) console.log("rig: no device suites found");
  console.log(
    `device tests: ${suites.length} suite(s), wall time ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const skipped = sum("skipped") ? `, ${sum("skipped")} skipped` : "";
  console.log(`${sum("passed")} passed, ${sum("failed")} failed${skipped}`);
  process.exit(sum("failed") > 0 || suites.length === 0 ? 1 : 0);
}
