/**
 * The VFIO {@link PciDeviceProvider}: finds NVMe functions on the PCI bus and opens those bound to
 * vfio-pci. The transport's container module binds it to PCI_DEVICE_PROVIDER.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PciDevice, PciDeviceProvider, PciScan } from "../pci-device.js";
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

  /** @inheritdoc */
  available(): boolean {
    return existsSync(join(this.#options.devRoot ?? "/dev", "vfio/vfio"));
  }

  /** @inheritdoc */
  unavailableReason(): string {
    return this.available() ? "" : "/dev/vfio/vfio is missing: load VFIO with `modprobe vfio-pci`";
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
