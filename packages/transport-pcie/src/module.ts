/**
 * The PCIe transport's inversify modules: PcieTransport as an NVMe transport plugin, and the VFIO
 * device provider. Other providers (the software controller) bind to PCI_DEVICE_PROVIDER in their
 * own modules.
 * @module
 */
import { NVME_TRANSPORT } from "@nvmekit/core/transport";
import { PCI_DEVICE_PROVIDER } from "@nvmekit/pci-port";
import { ContainerModule } from "inversify";
import { PcieTransport } from "./transport.js";
import { VfioProvider } from "./vfio/provider.js";
import type { VfioOpenOptions } from "./vfio/vfio-pci-device.js";

/** Binds PcieTransport (a singleton) as a transport plugin. */
export const pcieTransportModule = new ContainerModule(({ bind }) => {
  bind(PcieTransport).toSelf().inSingletonScope();
  bind(NVME_TRANSPORT).toService(PcieTransport);
});

/** Binds the VFIO device provider (functions bound to vfio-pci), opening devices with `options`. */
export function vfioProviderModule(options: VfioOpenOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(PCI_DEVICE_PROVIDER).toConstantValue(new VfioProvider(options));
  });
}

/** {@link vfioProviderModule} with default options: IOMMU required, hugepages when configured. */
export const vfioModule = vfioProviderModule();
