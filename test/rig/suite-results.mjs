/**
 * Reads the results of suites run by guest/run-suites.sh out of the guest's stdout: marker lines
 * around each suite, and uvu's `Total: / Passed: / Skipped:` summary inside. uvu's Total counts the
 * tests that ran (skipped ones are not in it), so failed = Total - Passed.
 */

/**
 * Results of each suite in `files`, in order. A suite that crashed, timed out, ran no tests or never
 * finished (its guest failed) counts as one failure with a reason, on top of what uvu reported.
 * @param {string} stdout everything the guest printed on stdout
 * @param {string[]} files the suites the guest was asked to run
 * @param {string | null} guestFailure why the guest failed, if it did
 * @returns {{ file: string, passed: number, failed: number, skipped: number, problem: string | null }[]}
 */
export function suiteResults(stdout, files, guestFailure) {
  return files.map((file) => {
    const begin = stdout.indexOf(`=== rig suite ${file}\n`);
    const endMatch = new RegExp(`^=== rig suite ${escapeRegExp(file)} exit (\\d+)$`, "m").exec(stdout);
    const body = begin >= 0 ? stdout.slice(begin, endMatch?.index ?? stdout.length) : "";
    const count = (label) => Number(new RegExp(`^\\s*${label}:\\s+(\\d+)`, "m").exec(body)?.[1] ?? 0);
    const hasSummary = /^\s*Total:\s+\d+/m.test(body);
    const total = count("Total");
    const passed = count("Passed");
    const skipped = count("Skipped");
    const result = { file, passed, failed: total - passed, skipped, problem: null };
    const exit = endMatch ? Number(endMatch[1]) : null;
    if (exit === null) result.problem = `did not finish: ${guestFailure ?? "the guest stopped early"}`;
    else if (exit === 124 || exit === 137) result.problem = "timed out";
    else if (!hasSummary) result.problem = `exited ${exit} without a uvu summary`;
    else if (total + skipped === 0) result.problem = "ran no tests";
    else if (exit !== 0 && result.failed === 0) result.problem = `exited ${exit} although its tests passed`;
    if (result.problem) result.failed += 1;
    return result;
  });
}

/** Escapes a string for use inside a regular expression. */
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
