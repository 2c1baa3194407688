/**
 * Helpers for VFIO device suites in the rig's guest: binding the NVMe function, the checkout's
 * paths, DMAR faults in the kernel log, the VFIO files a process holds open, and a collectable-garbage trigger.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The checkout's root (the folder holding test/rig). */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "test/rig/guest/nvme-bind.sh"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("test/rig not found above this file");
    dir = parent;
  }
  return dir;
})();

/** Binds the first (or the given) NVMe function to `driver`; returns its PCI address. */
export function bind(driver: "vfio" | "nvme", address?: string): string {
  const args = [join(repoRoot, "test/rig/guest/nvme-bind.sh"), driver, ...(address ? [address] : [])];
  return execFileSync("sh", args, { encoding: "utf8" }).trim();
}

/** The driver `address` is bound to, or null. */
export function boundDriver(address: string): string | null {
  try {
    return execFileSync("sh", ["-c", `basename "$(readlink /sys/bus/pci/devices/${address}/driver)"`], {
      encoding: "utf8",
    }).trim();
  } catch {
    return null;
  }
}

/** DMAR fault lines in the kernel log (the vIOMMU blocked a DMA outside the mapped IOVAs). */
export function dmarFaults(): string[] {
  const log = execFileSync("dmesg", { encoding: "utf8" });
  return log.split("\n").filter((line) => /DMAR/i.test(line) && /fault/i.test(line));
}

/** What this process's open fds under /dev/iommu and /dev/vfio point at, sorted. */
export function openVfioFiles(): string[] {
  const targets = readdirSync("/proc/self/fd").map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ""; // the fd readdir itself used, closed since
    }
  });
  return targets.filter((t) => t === "/dev/iommu" || t.startsWith("/dev/vfio/")).sort();
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Collects garbage until `done()` holds (finalizers run between turns) or `timeoutMs` passes. */
export async function collectUntil(done: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (done()) return true;
  }
  return done();
}
