/**
 * The PCIe transport's inversify module: PcieTransport as an NVMe transport plugin. Device providers
 * (VFIO, the software controller) bind to PCI_DEVICE_PROVIDER in their own modules.
 * @module
 */
import { NVME_TRANSPORT } from "@nvmekit/core";
import { ContainerModule } from "inversify";
import { PcieTransport } from "./transport.js";

/** Binds PcieTransport (a singleton) as a transport plugin. */
export const pcieTransportModule = new ContainerModule(({ bind }) => {
  bind(PcieTransport).toSelf().inSingletonScope();
  bind(NVME_TRANSPORT).toService(PcieTransport);
});
