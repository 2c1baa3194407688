/**
 * The NVMe/TCP transport's inversify module.
 * @module
 */
import { NVME_TRANSPORT } from "@nvmekit/core/transport";
import { ContainerModule } from "inversify";
import { TcpTransport } from "./host/tcp-transport.js";

/** Binds TcpTransport (a singleton) as a transport plugin: load it next to coreModule for `trtype:TCP`. */
export const tcpTransportModule = new ContainerModule(({ bind }) => {
  bind(TcpTransport).toSelf().inSingletonScope();
  bind(NVME_TRANSPORT).toService(TcpTransport);
});
