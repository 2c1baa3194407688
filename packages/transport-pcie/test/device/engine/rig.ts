/**
 * Helpers for device suites in the rig: bind QEMU's NVMe function to vfio-pci (or back to the kernel's
 * nvme driver), attach it through the PCIe transport, and read the guest kernel's log for IOMMU faults.
 * Suites run with the checkout as their working folder.
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { type Controller, type ControllerOptions, coreModule, NvmeDriver } from "@nvmekit/core";
import { Container } from "inversify";
import { pcieTransportModule, type VfioOpenOptions, vfioProviderModule } from "../../../src/index.js";

/** Binds the first NVMe function (or `bdf`) to `driver` and returns its PCI address. */
export function bind(driver: "vfio" | "nvme", bdf = ""): string {
  return execFileSync("sh", ["test/rig/guest/nvme-bind.sh", driver, ...(bdf ? [bdf] : [])], {
    encoding: "utf8",
  }).trim();
}

const drivers: NvmeDriver[] = [];

/** A driver with the core, the PCIe transport and the VFIO device provider opening devices with `vfio`. */
export function makeDriver(vfio: VfioOpenOptions = {}): NvmeDriver {
  const container = new Container();
  container.load(coreModule, pcieTransportModule, vfioProviderModule(vfio));
  const driver = container.get(NvmeDriver);
  drivers.push(driver);
  return driver;
}

/**
 * Detaches whatever a test left attached (a failed assertion skips its own detach), so the next test
 * can open the function: register it with `test.after.each(releaseControllers)`.
 */
export async function releaseControllers(): Promise<void> {
  for (const d of drivers.splice(0)) await d.detachAll().catch(() => undefined);
}

/** Binds the function to vfio-pci and attaches it, opening it with the VFIO options `vfio`. */
export async function attachVfio(
  options: Partial<ControllerOptions> = {},
  bdf = "",
  vfio: VfioOpenOptions = {},
): Promise<{ driver: NvmeDriver; ctrlr: Controller; bdf: string }> {
  const address = bind("vfio", bdf);
  const driver = makeDriver(vfio);
  const ctrlr = await driver.connect(`trtype:PCIe traddr:${address}`, options);
  return { driver, ctrlr, bdf: address };
}

/** Lines of the guest kernel's log that report a DMA remapping (IOMMU) fault. */
export function dmarFaults(): string[] {
  const log = execFileSync("dmesg", { encoding: "utf8" });
  return log.split("\n").filter((l) => /DMAR:.*fault|DMAR: \[DMA (Read|Write)/i.test(l));
}

export { randomFill } from "../../scenarios/seeded-bytes.js";
