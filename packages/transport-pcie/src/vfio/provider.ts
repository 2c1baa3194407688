/**
 * The VFIO {@link PciDeviceProvider}: finds NVMe functions on the PCI bus and opens those bound to
 * vfio-pci. The transport's container module binds it to PCI_DEVICE_PROVIDER.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PciDevice, PciDeviceProvider, PciScan } from "@nvmekit/pci-port";
import { scanNvmeFunctions } from "../sysfs/nvme-scan.js";
import { pciDevicePath } from "../sysfs/pci-function.js";
import { PCI_ADDRESS, type VfioOpenOptions, VfioPciDevice } from "./vfio-pci-device.js";

/** Opens PCI functions through Linux VFIO. */
export class VfioProvider implements PciDeviceProvider {
  /** @inheritdoc */
  readonly name = "vfio";
  readonly #options: VfioOpenOptions;

  /** A provider whose devices are opened with `options`. */
  constructor(options: VfioOpenOptions = {}) {
    this.#options = options;
  }

  /**
   * The device nodes the chosen IOMMU backend opens (any one will do for `auto`): where to look, and
   * what to tell an operator (by their usual /dev names) when they are missing.
   */
  #entryPoints(): { path: string; reason: string }[] {
    const dev = this.#options.devRoot ?? "/dev";
    const container = {
      path: join(dev, "vfio/vfio"),
      reason: "/dev/vfio/vfio is missing: load VFIO with `modprobe vfio-pci`",
    };
    const iommufd = {
      path: join(dev, "iommu"),
      reason:
        "/dev/iommu is missing: iommufd needs a kernel built with CONFIG_IOMMUFD (`modprobe iommufd` where it is a module)",
    };
    const choice = this.#options.iommu ?? "auto";
    return choice === "vfio-type1" ? [container] : choice === "iommufd" ? [iommufd] : [container, iommufd];
  }

  /** @inheritdoc */
  available(): boolean {
    return this.#entryPoints().some(({ path }) => existsSync(path));
  }

  /** @inheritdoc */
  unavailableReason(): string {
    if (this.available()) return "";
    return this.#entryPoints()
      .map(({ reason }) => reason)
      .join("; ");
  }

  /** @inheritdoc */
  async scan(): Promise<PciScan> {
    return scanNvmeFunctions(this.#options.sysfsRoot);
  }

  /** Whether `address` is a PCI address that exists on this machine's bus. */
  owns(address: string): boolean {
    const normalized = address.toLowerCase();
    return PCI_ADDRESS.test(normalized) && existsSync(pciDevicePath(normalized, this.#options.sysfsRoot));
  }

  /** @inheritdoc */
  async open(address: string): Promise<PciDevice> {
    return VfioPciDevice.open(address, this.#options);
  }
}
