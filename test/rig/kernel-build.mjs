/**
 * Guest kernels the rig builds itself, for features Debian's kernels leave out (iommufd: Debian ships
 * `# CONFIG_IOMMUFD is not set` up to 7.x). A build is Debian's linux-source package, configured with
 * `make allnoconfig` plus a fragment `kernel/NAME.config`, everything built in (no modules), and only
 * the uncompressed vmlinux kept (the rig boots it through its PVH entry). It is cached under the rig
 * cache, keyed by the source version and a hash of the fragment, and takes about 5 minutes on 2 cores.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { aptEnv, ensurePackages, run } from "./host-tools.mjs";
import { cacheDir, rigDir } from "./paths.mjs";

/** The Debian package with the kernel source (Debian's patches applied): bookworm-security. */
const sourcePackage = "linux-source-6.12";

/** What building needs on the host: compiler, Kconfig's parser generators, objtool's libelf, tar's xz. */
const buildPackages = ["gcc", "libc6-dev", "make", "bc", "bison", "flex", "libelf-dev", "xz-utils", "kmod"];

/** Part of the cache key: bump it when the way a kernel is built changes, so old builds are not reused. */
const recipeVersion = "1";

/** The options a fragment sets: name -> value, or null for `# CONFIG_X is not set`. */
export function fragmentOptions(text) {
  const options = new Map();
  for (const line of text.split("\n")) {
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (set) options.set(set[1], set[2]);
    else if (unset) options.set(unset[1], null);
  }
  return options;
}

/**
 * Options of `fragment` that the resolved .config does not have as asked: Kconfig silently drops an
 * option whose dependencies are off, so a fragment that no longer fits the source must fail loudly.
 * @returns {string[]} one line per mismatch
 */
export function configMismatches(fragment, dotConfig) {
  const resolved = fragmentOptions(dotConfig);
  const mismatches = [];
  for (const [name, wanted] of fragmentOptions(fragment)) {
    const got = resolved.get(name) ?? null;
    if (got !== wanted) mismatches.push(`${name}: asked ${wanted ?? "n"}, got ${got ?? "n"}`);
  }
  return mismatches;
}

/** The version apt would install of `pkg`, refreshing the package lists once if it knows none. */
function candidateVersion(pkg) {
  const candidate = () => /Candidate: (\S+)/.exec(run("apt-cache", ["policy", pkg]))?.[1];
  let version = candidate();
  if (!version || version === "(none)") {
    run("apt-get", ["update", "-qq"], { env: aptEnv });
    version = candidate();
  }
  if (!version || version === "(none)") throw new Error(`Debian's archive offers no ${pkg}`);
  return version;
}

/** Runs make in `src` with its output appended to `logFile`; on failure throws with the log's end. */
function make(src, args, logFile) {
  const fd = openSync(logFile, "a");
  try {
    run("make", ["-C", src, ...args], { stdio: ["ignore", fd, fd] });
  } catch {
    const tail = readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-30).join("\n");
    throw new Error(`make ${args.join(" ")} failed for the rig's guest kernel:\n${tail}`);
  } finally {
    closeSync(fd);
  }
}

/** Downloads, configures and builds into `work`; returns the kernel's description (paths under `final`). */
function build(fragmentFile, version, work, final, log) {
  run("apt-get", ["download", `${sourcePackage}=${version}`], { cwd: work, env: aptEnv });
  const deb = readdirSync(work).find((f) => f.endsWith(".deb"));
  run("dpkg", ["-x", deb, "pkg"], { cwd: work });
  const tarball = join(work, "pkg/usr/src", `${sourcePackage}.tar.xz`);
  run("tar", ["-xJf", tarball, "-C", work]);
  rmSync(join(work, "pkg"), { recursive: true });
  rmSync(join(work, deb));
  const src = join(work, sourcePackage);
  const logFile = join(work, "build.log");
  make(src, ["allnoconfig", `KCONFIG_ALLCONFIG=${fragmentFile}`], logFile);
  const mismatches = configMismatches(
    readFileSync(fragmentFile, "utf8"),
    readFileSync(join(src, ".config"), "utf8"),
  );
  if (mismatches.length) {
    throw new Error(
      `${fragmentFile} does not fit ${sourcePackage} ${version}:\n  ${mismatches.join("\n  ")}`,
    );
  }
  make(src, [`-j${availableParallelism()}`, "vmlinux"], logFile);
  const kver = run("make", ["-s", "-C", src, "kernelrelease"]).trim();
  // modules.builtin lets the guest's modprobe answer "built in" for vfio-pci, nvme, configfs, ...
  const modulesDir = join(work, "root/lib/modules", kver);
  mkdirSync(modulesDir, { recursive: true });
  for (const f of ["modules.builtin", "modules.builtin.modinfo"])
    copyFileSync(join(src, f), join(modulesDir, f));
  run("depmod", ["-b", join(work, "root"), kver]);
  copyFileSync(join(src, "vmlinux"), join(work, "vmlinux"));
  rmSync(src, { recursive: true });
  log(`rig setup: built ${kver}`);
  return {
    kver,
    source: `${sourcePackage} ${version}`,
    vmlinux: join(final, "vmlinux"),
    modulesRoot: join(final, "root"),
    modulesDir: join(final, "root/lib/modules", kver),
    bootModules: [], // everything is built in
  };
}

/**
 * The kernel built from `kernel/NAME.config`, building it first when the cache has none (minutes).
 * @param {string} name
 * @param {(line: string) => void} log
 * @returns {{ kver: string, source: string, vmlinux: string, modulesRoot: string, modulesDir: string, bootModules: string[] }}
 */
export function ensureBuiltKernel(name, log) {
  const fragmentFile = join(rigDir, "kernel", `${name}.config`);
  if (!existsSync(fragmentFile)) throw new Error(`no kernel configuration ${fragmentFile}`);
  const hash = createHash("sha256")
    .update(readFileSync(fragmentFile))
    .update(recipeVersion)
    .digest("hex")
    .slice(0, 16);
  const prefix = `kernel-${name}-`;
  const builds = () => readdirSync(cacheDir).filter((d) => d.startsWith(prefix) && !d.includes(".partial-"));
  // Any source version built from this fragment will do: a Debian security update must not cost
  // every run a rebuild. A fresh cache gets the current version.
  for (const dir of builds().filter((d) => d.endsWith(`-${hash}`))) {
    const stamp = join(cacheDir, dir, "kernel.json");
    if (existsSync(stamp)) return JSON.parse(readFileSync(stamp, "utf8"));
  }
  ensurePackages(buildPackages, log);
  const version = candidateVersion(sourcePackage);
  const final = join(cacheDir, `${prefix}${version}-${hash}`);
  const work = `${final}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(
    `rig setup: building the ${name} guest kernel from ${sourcePackage} ${version} (about 5 minutes on 2 cores)`,
  );
  const started = Date.now();
  let kernel;
  try {
    kernel = build(fragmentFile, version, work, final, log);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(join(work, "kernel.json"), `${JSON.stringify(kernel, null, 2)}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(work, final);
  for (const old of builds())
    if (join(cacheDir, old) !== final) rmSync(join(cacheDir, old), { recursive: true });
  log(`rig setup: the ${name} guest kernel took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return kernel;
}
