/**
 * The verbs objects of one NVMe-oF RDMA queue: a completion queue shared by its sends and receives,
 * and a reliable-connected queue pair made by rdma_cm on the queue's cm id (so the connection manager
 * moves it through its states as the connection is made and torn down).
 * @module
 */
import { NativeError } from "@nvmekit/core";
import koffi from "koffi";
import type { CmId } from "../native/cm-channel.js";
import type { DataPath } from "../native/data-path.js";
import { IBV_QPT_RC, IbvQpInitAttr, RdmaCmId } from "../native/layouts.js";
import { rdmaLibraries } from "../native/libraries.js";
import { createCq, destroyCq } from "../native/verbs.js";

/** Scatter entries per send: the 64-byte command and, for in-capsule writes, the data. */
export const SEND_SGES = 2;

/** A queue's completion queue and queue pair. */
export class QueueVerbs {
  /** The ibv_cq pointer. */
  readonly cq: bigint;
  /** The ibv_qp pointer. */
  readonly qp: bigint;
  /** The device's data-path verbs. */
  readonly dataPath: DataPath;
  private destroyed = false;

  /**
   * Creates the completion queue and the queue pair for `depth` commands in flight.
   * @param id the queue's cm id, its route resolved (so it knows its device)
   * @param context the device context (`id->verbs`)
   * @param pd the protection domain the queue's memory is registered in
   * @param dataPath the context's data-path verbs
   * @throws NativeError when the adapter refuses either
   */
  constructor(
    private readonly id: CmId,
    context: bigint,
    pd: bigint,
    dataPath: DataPath,
    depth: number,
  ) {
    this.dataPath = dataPath;
    // Every command is one send and one receive, both signalled.
    this.cq = createCq(context, 2 * depth + 1);
    const attr = new Uint8Array(IbvQpInitAttr.size);
    const v = new DataView(attr.buffer);
    v.setBigUint64(IbvQpInitAttr.sendCq, this.cq, true);
    v.setBigUint64(IbvQpInitAttr.recvCq, this.cq, true);
    v.setUint32(IbvQpInitAttr.capMaxSendWr, depth, true);
    v.setUint32(IbvQpInitAttr.capMaxRecvWr, depth, true);
    v.setUint32(IbvQpInitAttr.capMaxSendSge, SEND_SGES, true);
    v.setUint32(IbvQpInitAttr.capMaxRecvSge, 1, true);
    v.setUint32(IbvQpInitAttr.qpType, IBV_QPT_RC, true);
    if (rdmaLibraries().rdma_create_qp(id.id, pd, attr) !== 0) {
      const errno = koffi.errno();
      destroyCq(this.cq);
      throw new NativeError("rdma_create_qp", errno);
    }
    this.qp = new DataView(koffi.view(id.id, RdmaCmId.qp + 8)).getBigUint64(RdmaCmId.qp, true);
  }

  /** Destroys the queue pair, then the completion queue. Nothing may poll or post afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    rdmaLibraries().rdma_destroy_qp(this.id.id);
    destroyCq(this.cq);
  }
}
