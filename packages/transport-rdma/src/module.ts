/**
 * The NVMe-oF RDMA transport's inversify module.
 * @module
 */
import { NVME_TRANSPORT, type NvmeTransport } from "@nvmekit/core/transport";
import { ContainerModule } from "inversify";
import { RdmaTransport, type RdmaTransportOptions } from "./host/rdma-transport.js";

/**
 * Binds an {@link RdmaTransport} (one instance) as a transport plugin: load it next to coreModule for
 * `trtype:RDMA`.
 * @param options the transport's options (registered memory per controller)
 */
export function rdmaTransportModule(options: RdmaTransportOptions = {}): ContainerModule {
  const transport = new RdmaTransport(options);
  return new ContainerModule(({ bind }) => {
    bind<NvmeTransport>(NVME_TRANSPORT).toConstantValue(transport);
    bind(RdmaTransport).toConstantValue(transport);
  });
}
