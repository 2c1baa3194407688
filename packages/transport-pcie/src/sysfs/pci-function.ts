/**
 * What sysfs says about one PCI function: IDs, class, bound driver and IOMMU group. The sysfs root
 * is a parameter so tests can point it at a fake tree.
 * @module
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";

/** The sysfs mount point used when none is given. */
export const DEFAULT_SYSFS_ROOT = "/sys";

/** The NVMe class code: mass storage (01), non-volatile memory (08), NVM Express (02). */
export const NVME_CLASS_CODE = 0x010802;

/** A PCI function as sysfs describes it. */
export interface PciFunctionInfo {
  /** `DDDD:BB:DD.F` */
  readonly address: string;
  /** Vendor ID. */
  readonly vendorId: number;
  /** Device ID. */
  readonly deviceId: number;
  /** 24-bit class code. */
  readonly classCode: number;
  /** Name of the bound driver, or null when none is bound. */
  readonly driver: string | null;
  /** IOMMU group number, or null when the function has none (no IOMMU, or it is disabled). */
  readonly iommuGroup: number | null;
}

/** The sysfs folder of PCI function `address`. */
export function pciDevicePath(address: string, sysfsRoot = DEFAULT_SYSFS_ROOT): string {
  return join(sysfsRoot, "bus/pci/devices", address);
}

const readHex = (path: string) => Number.parseInt(readFileSync(path, "utf8").trim(), 16);

/** Basename of a symlink's target, or null when the link does not exist. */
function linkName(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
}

/** Reads what sysfs knows about `address`; throws when the function does not exist. */
export function readPciFunction(address: string, sysfsRoot = DEFAULT_SYSFS_ROOT): PciFunctionInfo {
  const dir = pciDevicePath(address, sysfsRoot);
  const group = linkName(join(dir, "iommu_group"));
  return {
    address,
    vendorId: readHex(join(dir, "vendor")),
    deviceId: readHex(join(dir, "device")),
    classCode: readHex(join(dir, "class")),
    driver: linkName(join(dir, "driver")),
    iommuGroup: group === null ? null : Number(group),
  };
}

/** Addresses of every PCI function, sorted. */
export function listPciAddresses(sysfsRoot = DEFAULT_SYSFS_ROOT): string[] {
  const dir = join(sysfsRoot, "bus/pci/devices");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Addresses of the functions in IOMMU group `group`, sorted. */
export function iommuGroupMembers(group: number, sysfsRoot = DEFAULT_SYSFS_ROOT): string[] {
  const dir = join(sysfsRoot, "kernel/iommu_groups", String(group), "devices");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Whether the vfio-pci driver is loaded (registered with the PCI bus). */
export function vfioPciLoaded(sysfsRoot = DEFAULT_SYSFS_ROOT): boolean {
  return existsSync(join(sysfsRoot, "bus/pci/drivers/vfio-pci"));
}

/**
 * Bus address of each memory BAR from sysfs `resource` (one `start end flags` line per resource;
 * lines 0-5 are the BARs). Null entries are absent BARs.
 */
export function readBarAddresses(address: string, sysfsRoot = DEFAULT_SYSFS_ROOT): (number | null)[] {
  const lines = readFileSync(join(pciDevicePath(address, sysfsRoot), "resource"), "utf8").split("\n");
  return lines.slice(0, 6).map((line) => {
    const [start, end] = line
      .trim()
      .split(/\s+/)
      .map((v) => BigInt(v));
    return start === undefined || end === undefined || end === 0n ? null : Number(start);
  });
}
