/**
 * What suites and the soak running inside a rig guest ask of the guest: bind QEMU's NVMe function to
 * a driver, and the kernel log's IOMMU (DMAR) faults. They run with the checkout as working folder.
 * @module
 */
import { execFileSync } from "node:child_process";

/** Binds the first NVMe function to `driver` (vfio-pci or the kernel's nvme) and returns its PCI address. */
export const bind = (driver: "vfio" | "nvme"): string =>
  execFileSync("sh", ["test/rig/guest/nvme-bind.sh", driver], { encoding: "utf8" }).trim();

/** Lines of the guest kernel's log that report a DMA remapping (IOMMU) fault. */
export const dmarFaults = (): string[] =>
  execFileSync("dmesg", { encoding: "utf8" })
    .split("\n")
    .filter((l) => /DMAR:.*fault|DMAR: \[DMA (Read|Write)/i.test(l));
