/**
 * The NVMe/TCP transport plugin (trtype TCP): pure TypeScript over node:net, available everywhere.
 * @module
 */

import { DISCOVERY_NQN } from "@nvmekit/core/nvme-spec";
import {
  type ControllerOptions,
  type NvmeTransport,
  type TransportId,
  TransportIdError,
  TransportType,
} from "@nvmekit/core/transport";
import { injectable } from "inversify";
import { EMPTY, type Observable, of } from "rxjs";
import { NVME_TCP_DISCOVERY_PORT, NVME_TCP_PORT } from "../pdu/constants.js";
import { TcpConnection } from "./tcp-connection.js";

/** The NVMe/TCP host transport. */
@injectable()
export class TcpTransport implements NvmeTransport {
  /** TCP (3). */
  readonly trtype = TransportType.TCP;
  /** As it appears in transport IDs. */
  readonly name = "TCP";
  /** NVMe over Fabrics: an address without subnqn is the discovery service. */
  readonly fabric = true;

  /** Always: it needs nothing but node:net. */
  available(): boolean {
    return true;
  }

  /**
   * The controller `trid` names; nothing without an address (a probe of every transport finds no
   * TCP controller by itself). Discovery (an address with no subsystem) is the core's.
   */
  probe(trid: TransportId): Observable<TransportId> {
    return trid.traddr === "" ? EMPTY : of(trid);
  }

  /**
   * A connection to the target at `trid` (traddr, trsvcid: default 4420, or 8009 for the discovery
   * service as nvme-cli chooses). Sockets open as the core creates queues.
   * @throws TransportIdError when traddr is missing or trsvcid is not a port number
   */
  async connect(trid: TransportId, options: Readonly<ControllerOptions>): Promise<TcpConnection> {
    if (trid.traddr === "")
      throw new TransportIdError("traddr", "an NVMe/TCP transport ID needs traddr (the target's address)");
    const port = trid.trsvcid === "" ? defaultPort(trid) : Number(trid.trsvcid);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new TransportIdError(`trsvcid:${trid.trsvcid}`, "trsvcid must be a TCP port number");
    return new TcpConnection(trid.traddr, port, trid.subnqn === "" ? DISCOVERY_NQN : trid.subnqn, options);
  }
}

function defaultPort(trid: TransportId): number {
  return trid.subnqn === "" || trid.subnqn === DISCOVERY_NQN ? NVME_TCP_DISCOVERY_PORT : NVME_TCP_PORT;
}
