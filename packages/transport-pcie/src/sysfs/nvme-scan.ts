/**
 * The PCI bus scan for NVMe functions: which can be opened through VFIO now, and which cannot, with
 * the reason and the commands that would make them usable.
 * @module
 */
import { vfioBindCommands } from "./bind-commands.js";
import {
  DEFAULT_SYSFS_ROOT,
  listPciAddresses,
  NVME_CLASS_CODE,
  type PciFunctionInfo,
  readPciFunction,
  vfioPciLoaded,
} from "./pci-function.js";

/** A function found by the scan that cannot be opened as it is. */
export interface UnusableFunction {
  /** PCI address. */
  readonly address: string;
  /** Why, and the commands that fix it. */
  readonly reason: string;
}

/** Result of {@link scanNvmeFunctions}. */
export interface NvmeScan {
  /** Functions bound to vfio-pci with an IOMMU group. */
  readonly usable: string[];
  /** Everything else, with reasons. */
  readonly unusable: UnusableFunction[];
}

/** Why `fn` cannot be opened through VFIO, or null when it can. */
export function unusableReason(fn: PciFunctionInfo, vfioLoaded: boolean): string | null {
  if (fn.iommuGroup === null) {
    return (
      `${fn.address} has no IOMMU group: the IOMMU is off. Enable VT-d/AMD-Vi in the firmware and ` +
      "boot with intel_iommu=on (or amd_iommu=on); nvmekit does not drive devices without an IOMMU"
    );
  }
  if (fn.driver === "vfio-pci") return null;
  const bound = fn.driver ? `bound to ${fn.driver}` : "not bound to any driver";
  const commands = vfioBindCommands(fn.address, fn.driver, vfioLoaded);
  return `${fn.address} is ${bound}, not vfio-pci. As root:\n  ${commands.join("\n  ")}`;
}

/** Scans sysfs for NVMe-class PCI functions. */
export function scanNvmeFunctions(sysfsRoot = DEFAULT_SYSFS_ROOT): NvmeScan {
  const vfioLoaded = vfioPciLoaded(sysfsRoot);
  const usable: string[] = [];
  const unusable: UnusableFunction[] = [];
  for (const address of listPciAddresses(sysfsRoot)) {
    const fn = readPciFunction(address, sysfsRoot);
    if (fn.classCode !== NVME_CLASS_CODE) continue;
    const reason = unusableReason(fn, vfioLoaded);
    if (reason === null) usable.push(address);
    else unusable.push({ address, reason });
  }
  return { usable, unusable };
}
