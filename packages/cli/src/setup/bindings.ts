/**
 * Moving NVMe functions between the kernel's nvme driver and vfio-pci, with the PCIe transport's own
 * bind commands (the ones `list` prints), refusing functions whose namespaces are mounted, as
 * SPDK's setup.sh refuses active devices.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_SYSFS_ROOT,
  kernelBindCommands,
  listPciAddresses,
  NVME_CLASS_CODE,
  type PciFunctionInfo,
  pciDevicePath,
  readPciFunction,
  vfioBindCommands,
  vfioPciLoaded,
} from "@nvmekit/transport-pcie";
import { CliError } from "../runtime/cli-error.js";
import { vfioOptions } from "../runtime/vfio-options.js";

/** The sysfs and /dev roots in use (the real ones unless the test seam moved them). */
export function roots(): { sysfsRoot: string; devRoot: string } {
  const o = vfioOptions();
  return { sysfsRoot: o.sysfsRoot ?? DEFAULT_SYSFS_ROOT, devRoot: o.devRoot ?? "/dev" };
}

/** The NVMe functions on the bus, or those of `addresses` (each must exist and be NVMe). */
export function nvmeFunctions(sysfsRoot: string, addresses: readonly string[]): PciFunctionInfo[] {
  const all = listPciAddresses(sysfsRoot)
    .map((a) => readPciFunction(a, sysfsRoot))
    .filter((f) => f.classCode === NVME_CLASS_CODE);
  if (addresses.length === 0) return all;
  return addresses.map((a) => {
    const f = all.find((x) => x.address === a.toLowerCase());
    if (f === undefined) {
      throw new CliError(`${a} is not an NVMe function on this machine: \`nvmekit list\` shows them`);
    }
    return f;
  });
}

/** Block devices of `fn` (nvme driver) that are mounted, from /proc/mounts. */
export function mountedNamespaces(fn: PciFunctionInfo, sysfsRoot: string): string[] {
  const dir = join(pciDevicePath(fn.address, sysfsRoot), "nvme");
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).flatMap((ctrl) =>
    readdirSync(join(dir, ctrl)).filter((n) => /^nvme\d+n\d+$/.test(n)),
  );
  let mounts = "";
  try {
    mounts = readFileSync("/proc/mounts", "utf8");
  } catch {}
  return names.filter((n) => new RegExp(`^/dev/${n}(p\\d+)?\\s`, "m").test(mounts));
}

/** The commands that bind `fn` to vfio-pci (none when it already is). */
export function toVfioCommands(fn: PciFunctionInfo, sysfsRoot: string): string[] {
  if (fn.driver === "vfio-pci") return [];
  return vfioBindCommands(fn.address, fn.driver, vfioPciLoaded(sysfsRoot));
}

/** The commands that give `fn` back to the kernel's nvme driver (none unless it is on vfio-pci). */
export function toKernelCommands(fn: PciFunctionInfo): string[] {
  return fn.driver === "vfio-pci" ? kernelBindCommands(fn.address, "nvme") : [];
}

/** Runs shell commands as printed, one at a time, stopping at the first failure. */
export function runCommands(commands: readonly string[]): void {
  for (const command of commands) {
    try {
      execFileSync("sh", ["-c", command], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
      throw new CliError(`\`${command}\` failed${stderr ? `: ${stderr}` : ""}`);
    }
  }
}
