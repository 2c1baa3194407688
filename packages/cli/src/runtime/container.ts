/**
 * Composes the CLI's inversify container: the core, the PCIe transport, the VFIO device provider
 * (real functions bound to vfio-pci), the software controller provider (the embedded default), and
 * the NVMe/TCP and NVMe-oF RDMA transports.
 * @module
 */
import "reflect-metadata";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import { PCI_DEVICE_PROVIDER } from "@nvmekit/pci-port";
import { SoftControllerProvider } from "@nvmekit/softnvme";
import { PcieTransport, pcieTransportModule, vfioProviderModule } from "@nvmekit/transport-pcie";
import { rdmaTransportModule } from "@nvmekit/transport-rdma";
import { tcpTransportModule } from "@nvmekit/transport-tcp";
import { Container, ContainerModule } from "inversify";
import { softDefaultControllers } from "./soft-default.js";
import { vfioOptions } from "./vfio-options.js";

/** What the commands get from the container. */
export interface Runtime {
  /** The driver: probe, connect, detach. */
  readonly driver: NvmeDriver;
  /** The PCIe transport, for {@link PcieTransport.scan} (usable and unusable functions). */
  readonly pcie: PcieTransport;
}

/** A container with every transport and device provider the CLI knows, and what commands need from it. */
export function composeRuntime(): Runtime {
  const container = new Container();
  const softModule = new ContainerModule(({ bind }) => {
    bind(PCI_DEVICE_PROVIDER).toConstantValue(new SoftControllerProvider(softDefaultControllers()));
  });
  container.load(
    coreModule,
    pcieTransportModule,
    vfioProviderModule(vfioOptions()),
    softModule,
    tcpTransportModule,
    rdmaTransportModule(),
  );
  return { driver: container.get(NvmeDriver), pcie: container.get(PcieTransport) };
}
