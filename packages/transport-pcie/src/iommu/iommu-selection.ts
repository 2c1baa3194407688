/**
 * Choosing the IOMMU backend of a VFIO function, as libvfn does: iommufd where the kernel offers it
 * for the function (/dev/iommu and the function's device cdev), else the type1 container.
 * @module
 */
import { InvalidArgumentError } from "@nvmekit/core";
import { IommufdUnavailableError, probeIommufd } from "./device-cdev.js";
import type { IommuBackend, IommuBackendOptions } from "./iommu-backend.js";
import { IommufdBackend } from "./iommufd-backend.js";
import { Type1Backend } from "./type1-backend.js";

/** Which IOMMU interface to open a function with: a backend by name, or `auto` to pick. */
export type IommuChoice = "auto" | IommuBackend["kind"];

/** Every value of {@link IommuChoice}. */
export const IOMMU_CHOICES: readonly IommuChoice[] = ["auto", "vfio-type1", "iommufd"];

/** Backend options plus the choice of backend. */
export interface IommuSelectionOptions extends IommuBackendOptions {
  /**
   * The IOMMU interface (default `auto`: iommufd when /dev/iommu exists and the function has a VFIO
   * device cdev, else vfio-type1). Asking for `iommufd` where it is missing throws
   * {@link IommufdUnavailableError}. Neither backend has a no-IOMMU mode: see `unsafeNoIommu`.
   */
  readonly iommu?: IommuChoice;
}

/** The backend `options.iommu` asks for on `address`, resolving `auto`; throws when iommufd is asked for but missing. */
export function chooseIommuBackend(
  address: string,
  options: IommuSelectionOptions = {},
): IommuBackend["kind"] {
  const choice = options.iommu ?? "auto";
  if (!IOMMU_CHOICES.includes(choice)) {
    throw new InvalidArgumentError("iommu", `"${choice}" is not one of ${IOMMU_CHOICES.join(", ")}`);
  }
  if (choice === "vfio-type1") return choice;
  const probe = probeIommufd(address, options);
  if (probe.usable) return "iommufd";
  if (choice === "iommufd") throw new IommufdUnavailableError(address, probe.missing);
  return "vfio-type1";
}

/** Opens `address` (bound to vfio-pci) through the backend {@link chooseIommuBackend} picks. */
export function openIommuBackend(address: string, options: IommuSelectionOptions = {}): IommuBackend {
  return chooseIommuBackend(address, options) === "iommufd"
    ? IommufdBackend.open(address, options)
    : Type1Backend.open(address, options);
}
