/**
 * Finding what the iommufd path needs for one PCI function: /dev/iommu, and the function's VFIO
 * device cdev, which sysfs names under the function (`vfio-dev/vfioN`) once vfio-pci is bound and
 * devtmpfs (or udev) creates as /dev/vfio/devices/vfioN. What is missing is said precisely.
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { TransportError } from "@nvmekit/core";
import { pciDevicePath } from "../sysfs/pci-function.js";
import type { IommuBackendOptions } from "./iommu-backend.js";

/** The files the iommufd backend opens for one function. */
export interface IommufdFiles {
  /** /dev/iommu */
  readonly iommu: string;
  /** /dev/vfio/devices/vfioN */
  readonly cdev: string;
}

/** {@link probeIommufd}'s answer when everything is there. */
export interface IommufdUsable {
  /** Always true. */
  readonly usable: true;
  /** What to open. */
  readonly files: IommufdFiles;
}

/** {@link probeIommufd}'s answer when something is missing. */
export interface IommufdMissing {
  /** Always false. */
  readonly usable: false;
  /** Each missing piece, with why it is missing. */
  readonly missing: readonly string[];
}

/** What the iommufd path needs for one function: its files, or what is missing and why. */
export type IommufdProbe = IommufdUsable | IommufdMissing;

/** The `vfioN` name of `address`'s device cdev, from sysfs, or null when it has none. */
function cdevName(address: string, sysfsRoot?: string): string | null {
  const dir = join(pciDevicePath(address, sysfsRoot), "vfio-dev");
  if (!existsSync(dir)) return null;
  // A function bound in no-IOMMU mode has a `noiommu-vfioN` cdev: not one this backend accepts.
  return readdirSync(dir).find((name) => /^vfio\d+$/.test(name)) ?? null;
}

/** Looks for /dev/iommu and the device cdev of `address`. */
export function probeIommufd(address: string, options: IommuBackendOptions = {}): IommufdProbe {
  const devRoot = options.devRoot ?? "/dev";
  const iommu = join(devRoot, "iommu");
  const missing: string[] = [];
  if (!existsSync(iommu)) missing.push(`${iommu} (the kernel was built without CONFIG_IOMMUFD)`);
  const name = cdevName(address, options.sysfsRoot);
  let cdev = "";
  if (name === null) {
    missing.push(
      `a VFIO device cdev for ${address} (${join(pciDevicePath(address, options.sysfsRoot), "vfio-dev")}: ` +
        "the function is not bound to vfio-pci, or the kernel was built without CONFIG_VFIO_DEVICE_CDEV)",
    );
  } else {
    cdev = join(devRoot, "vfio/devices", name);
    if (!existsSync(cdev)) {
      // Kernels 6.1-6.5 list vfio-dev/vfioN in sysfs but have no cdev at all.
      missing.push(
        `${cdev} (sysfs lists ${name} but there is no device node: the kernel was built without ` +
          "CONFIG_VFIO_DEVICE_CDEV, or devtmpfs/udev did not create the node)",
      );
    }
  }
  return missing.length === 0 ? { usable: true, files: { iommu, cdev } } : { usable: false, missing };
}

/** The iommufd backend was asked for, but this kernel or this function cannot provide it. */
export class IommufdUnavailableError extends TransportError {
  /** The PCI function that was to be opened. */
  readonly address: string;
  /** Each missing piece, with why it is missing. */
  readonly missing: readonly string[];

  /** @param address the function  @param missing what {@link probeIommufd} found missing */
  constructor(address: string, missing: readonly string[]) {
    super(
      `${address}: the iommufd IOMMU backend is not usable here; missing: ${missing.join("; ")}. ` +
        'Open with { iommu: "auto" } or { iommu: "vfio-type1" } to use the VFIO container instead',
    );
    this.address = address;
    this.missing = missing;
  }
}
