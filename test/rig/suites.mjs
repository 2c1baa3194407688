/**
 * Finds device suites and the configuration each needs. A suite is a file under
 *   packages/<pkg>/dist/test/device/ or test/dist/device/ named *.test.js, or under test/rig/checks/
 *   named *.test.mjs,
 * and it names its configuration (configs.mjs) with a comment line `// rig-config: NAME` among its first
 * lines; without one it gets `default`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { getConfig } from "./configs.mjs";
import { checkoutDir } from "./paths.mjs";

/** Folders that hold device suites, with the file-name ending of a suite there. */
function suiteRoots() {
  const packagesDir = join(checkoutDir, "packages");
  const packages = existsSync(packagesDir) ? readdirSync(packagesDir) : [];
  return [
    ...packages.map((p) => ({ dir: join(packagesDir, p, "dist", "test", "device"), ending: ".test.js" })),
    { dir: join(checkoutDir, "test", "dist", "device"), ending: ".test.js" },
    { dir: join(checkoutDir, "test", "rig", "checks"), ending: ".test.mjs" },
  ];
}

/** Files under `dir` (recursively) whose names end with `ending`. */
function filesUnder(dir, ending) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ending))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/** The configuration a suite asks for. */
export function suiteConfig(file) {
  const head = readFileSync(file, "utf8").split("\n", 10).join("\n");
  const name = /^\/\/ rig-config: *(\S+)/m.exec(head)?.[1] ?? "default";
  getConfig(name); // an unknown name fails here, before any guest boots
  return name;
}

/**
 * Device suites, as paths relative to the checkout, each with its configuration.
 * @param {string[]} [only] suite files to run instead of all discovered ones
 * @returns {{ file: string, config: string }[]}
 */
export function findSuites(only = []) {
  const files = only.length
    ? only.map((f) => resolve(f))
    : suiteRoots().flatMap(({ dir, ending }) => filesUnder(dir, ending));
  return files.sort().map((f) => ({ file: relative(checkoutDir, f), config: suiteConfig(f) }));
}
