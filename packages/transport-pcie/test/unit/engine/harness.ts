/**
 * The PCIe transport's queue engine against the software controller: the same driver code a VFIO
 * device runs, with the controller in a worker thread whose faults a test can inject.
 * @module
 */
import "reflect-metadata";
import { type Controller, type ControllerOptions, coreModule, NvmeDriver } from "@nvmekit/core";
import { PCI_DEVICE_PROVIDER } from "@nvmekit/pci-port";
import { SoftControllerProvider, type SoftPciDevice } from "@nvmekit/softnvme";
import { type PcieConnection, pcieTransportModule } from "@nvmekit/transport-pcie";
import { Container, ContainerModule } from "inversify";

/** A driver over the PCIe transport with one software controller at fffe:00:00.0. */
export async function attachSoft(
  options: Partial<ControllerOptions> = {},
): Promise<{ driver: NvmeDriver; ctrlr: Controller; device: SoftPciDevice }> {
  const container = new Container();
  const soft = new ContainerModule(({ bind }) => {
    bind(PCI_DEVICE_PROVIDER).toConstantValue(new SoftControllerProvider([{}]));
  });
  container.load(coreModule, pcieTransportModule, soft);
  const driver = container.get(NvmeDriver);
  const ctrlr = await driver.connect("trtype:PCIe traddr:fffe:00:00.0", options);
  return { driver, ctrlr, device: (ctrlr.connection as PcieConnection).device as SoftPciDevice };
}
