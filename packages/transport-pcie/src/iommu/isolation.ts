/**
 * The rule every IOMMU backend applies before touching a function: it must sit in an IOMMU group
 * that a real IOMMU isolates. nvmekit has no no-IOMMU mode, whichever backend is asked for.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TransportError } from "@nvmekit/core";
import { readPciFunction } from "../sysfs/pci-function.js";
import type { IommuBackendOptions } from "./iommu-backend.js";

/** The group number of `address`, refusing functions without IOMMU isolation unless opted in. */
export function isolatedGroup(address: string, options: IommuBackendOptions): number {
  const { iommuGroup } = readPciFunction(address, options.sysfsRoot);
  const devRoot = options.devRoot ?? "/dev";
  const noIommu = iommuGroup !== null && existsSync(join(devRoot, "vfio", `noiommu-${iommuGroup}`));
  if (iommuGroup !== null && !noIommu) return iommuGroup;
  if (!options.unsafeNoIommu) {
    throw new TransportError(
      `${address} is not isolated by an IOMMU; refusing to drive it (a wrong address in a command could ` +
        "overwrite any memory). Enable the IOMMU (VT-d/AMD-Vi in firmware, intel_iommu=on or amd_iommu=on), " +
        "or pass { unsafeNoIommu: true } to accept the risk",
    );
  }
  throw new TransportError(
    `${address}: { unsafeNoIommu: true } was given, but VFIO's no-IOMMU mode is not usable here: it needs a ` +
      "kernel built with CONFIG_VFIO_NOIOMMU (Debian's is not) and enable_unsafe_noiommu_mode=1, and " +
      "nvmekit does not yet translate DMA memory to physical addresses for it",
  );
}
