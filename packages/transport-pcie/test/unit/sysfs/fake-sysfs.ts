/**
 * A fake sysfs tree in a temporary folder, shaped like the kernel's: PCI functions with
 * vendor/device/class/resource files, driver and iommu_group symlinks and VFIO device cdev folders;
 * and a fake /dev with the device nodes (plain files) that the VFIO code looks for.
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** One function of the fake tree. */
export interface FakeFunction {
  /** PCI address. */
  address: string;
  /** e.g. 0x010802 */
  classCode: number;
  /** Bound driver, if any. */
  driver?: string;
  /** IOMMU group, if any. */
  group?: number;
  /** sysfs `resource` lines (default: one 16 KiB BAR0 at 0xfebf0000). */
  resource?: string;
  /** Name of its VFIO device cdev under `vfio-dev/` (e.g. `vfio0`), as vfio-pci creates it. */
  vfioCdev?: string;
}

/** Builds a tree; returns its root and a cleanup function. */
export function fakeSysfs(
  functions: FakeFunction[],
  drivers: string[],
): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), "nvmekit-sysfs-"));
  for (const driver of drivers) mkdirSync(join(root, "bus/pci/drivers", driver), { recursive: true });
  for (const fn of functions) {
    const dir = join(root, "bus/pci/devices", fn.address);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "vendor"), "0x1b36\n");
    writeFileSync(join(dir, "device"), "0x0010\n");
    writeFileSync(join(dir, "class"), `0x${fn.classCode.toString(16).padStart(6, "0")}\n`);
    writeFileSync(
      join(dir, "resource"),
      fn.resource ??
        "0x00000000febf0000 0x00000000febf3fff 0x0000000000140204\n" +
          "0x0000000000000000 0x0000000000000000 0x0000000000000000\n".repeat(12),
    );
    if (fn.driver) symlinkSync(join(root, "bus/pci/drivers", fn.driver), join(dir, "driver"));
    if (fn.vfioCdev) mkdirSync(join(dir, "vfio-dev", fn.vfioCdev), { recursive: true });
    if (fn.group !== undefined) {
      const groupDir = join(root, "kernel/iommu_groups", String(fn.group));
      mkdirSync(join(groupDir, "devices"), { recursive: true });
      symlinkSync(dir, join(groupDir, "devices", fn.address));
      symlinkSync(groupDir, join(dir, "iommu_group"));
    }
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Builds a fake /dev holding `nodes` (paths relative to it, e.g. `iommu`); returns its root and a cleanup. */
export function fakeDev(nodes: string[]): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), "nvmekit-dev-"));
  for (const node of nodes) {
    mkdirSync(dirname(join(root, node)), { recursive: true });
    writeFileSync(join(root, node), "");
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
