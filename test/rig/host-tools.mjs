/**
 * Running host commands and installing Debian packages, for the rig's set-up steps.
 */
import { spawnSync } from "node:child_process";

/** Runs a command, throwing with its stderr when it fails; returns its stdout. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr ?? ""}`);
  return r.stdout ?? "";
}

/** Environment for apt-get: never prompt. */
export const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };

/**
 * Installs those of `packages` that are missing from Debian's archive (one apt-get update, one apt-get
 * install); does nothing, quickly, when all are there.
 * @param {string[]} packages
 * @param {(line: string) => void} log
 */
export function ensurePackages(packages, log) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
  const format = "-f=${Package} ${db:Status-Status}\n";
  const r = spawnSync("dpkg-query", ["-W", format, ...packages], { encoding: "utf8" });
  const installed = new Set(
    r.stdout
      .split("\n")
      .filter((l) => l.endsWith(" installed"))
      .map((l) => l.split(" ")[0]),
  );
  const missing = packages.filter((p) => !installed.has(p));
  if (missing.length === 0) return;
  log(`rig setup: installing ${missing.join(" ")}`);
  run("apt-get", ["update", "-qq"], { env: aptEnv });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env: aptEnv });
}
