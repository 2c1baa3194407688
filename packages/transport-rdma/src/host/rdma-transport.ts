/**
 * The NVMe-oF RDMA transport plugin (trtype RDMA) over libibverbs and librdmacm.
 * @module
 */
import { existsSync } from "node:fs";
import { DISCOVERY_NQN } from "@nvmekit/core/nvme-spec";
import {
  type ControllerOptions,
  type NvmeTransport,
  type TransportId,
  TransportIdError,
  TransportType,
} from "@nvmekit/core/transport";
import { EMPTY, type Observable, of } from "rxjs";
import { rdmaLibraries } from "../native/libraries.js";

/** The connection manager's device: present when the kernel's rdma_ucm is loaded. */
const RDMA_CM_DEVICE = "/dev/infiniband/rdma_cm";

import { RdmaConnection } from "./rdma-connection.js";

/** NVMe-oF's port for RDMA, I/O and discovery alike. */
export const NVME_RDMA_PORT = 4420;
/** Registered memory per controller when the transport's options name none: 64 MiB. */
export const DEFAULT_RDMA_MEMORY_BYTES = 64 << 20;

/** Options of the RDMA transport. */
export interface RdmaTransportOptions {
  /**
   * Bytes of memory each controller registers with the adapter up front, from which the core and
   * the application allocate buffers (`controller.dma`). Default {@link DEFAULT_RDMA_MEMORY_BYTES}.
   */
  memoryBytes?: number;
}

/** The NVMe-oF RDMA host transport. */
export class RdmaTransport implements NvmeTransport {
  /** RDMA (1). */
  readonly trtype = TransportType.RDMA;
  /** As it appears in transport IDs. */
  readonly name = "RDMA";
  /** NVMe over Fabrics: an address without subnqn is the discovery service. */
  readonly fabric = true;
  private readonly memoryBytes: number;

  /** @param options registered memory per controller */
  constructor(options: RdmaTransportOptions = {}) {
    this.memoryBytes = options.memoryBytes ?? DEFAULT_RDMA_MEMORY_BYTES;
  }

  /** When libibverbs and librdmacm load and the kernel's rdma_cm is there (`modprobe rdma_ucm`). */
  available(): boolean {
    return this.unavailableReason() === "";
  }

  /** What is missing for {@link available}, or "" when nothing is. */
  unavailableReason(): string {
    try {
      rdmaLibraries();
    } catch (e) {
      return (e as Error).message;
    }
    if (!existsSync(RDMA_CM_DEVICE))
      return `no ${RDMA_CM_DEVICE}: load the kernel's rdma_ucm module (modprobe rdma_ucm) and add an RDMA device on the interface that reaches the target (rdma link; soft-RoCE: rdma link add rxe0 type rxe netdev IFACE)`;
    return "";
  }

  /**
   * The controller `trid` names; nothing without an address (a probe of every transport finds no RDMA
   * controller by itself). Discovery (an address with no subsystem) is the core's.
   */
  probe(trid: TransportId): Observable<TransportId> {
    return trid.traddr === "" ? EMPTY : of(trid);
  }

  /**
   * A connection to the target at `trid` (traddr, trsvcid: default 4420): the route resolved and
   * memory registered; queues connect as the core creates them.
   * @throws TransportIdError when traddr is missing or trsvcid is not a port number
   * @throws TransportError or NativeError when no RDMA device reaches the target, or setting up fails
   */
  async connect(trid: TransportId, options: Readonly<ControllerOptions>): Promise<RdmaConnection> {
    if (trid.traddr === "")
      throw new TransportIdError(
        "traddr",
        "an NVMe-oF RDMA transport ID needs traddr (the target's address)",
      );
    const port = trid.trsvcid === "" ? NVME_RDMA_PORT : Number(trid.trsvcid);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new TransportIdError(`trsvcid:${trid.trsvcid}`, "trsvcid must be a port number");
    const subnqn = trid.subnqn === "" ? DISCOVERY_NQN : trid.subnqn;
    return RdmaConnection.open({ host: trid.traddr, port, subnqn, memoryBytes: this.memoryBytes }, options);
  }
}
