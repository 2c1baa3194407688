/**
 * The verbs objects of one NVMe-oF RDMA queue: a completion queue shared by its sends and receives,
 * with a completion channel to sleep on, and a reliable-connected queue pair made by rdma_cm on the
 * queue's cm id (so the connection manager moves it through its states as the connection is made and
 * torn down).
 * @module
 */
import { NativeError } from "@nvmekit/core";
import koffi from "koffi";
import type { CmId } from "../native/cm-channel.js";
import type { DataPath } from "../native/data-path.js";
import { IBV_QPT_RC, IbvQpInitAttr, POLLIN, RdmaCmId } from "../native/layouts.js";
import { rdmaLibraries } from "../native/libraries.js";
import {
  type CompletionChannel,
  consumeCompletionEvent,
  createCompletionChannel,
  createCq,
  destroyCompletionChannel,
  destroyCq,
} from "../native/verbs.js";

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
  private readonly channel: CompletionChannel;
  /** pollfd for the channel's fd, and ibv_get_cq_event's out-parameters: reused by every wait. */
  private readonly pollfd: Int32Array;
  private readonly cqOut = new BigUint64Array(1);
  private readonly ctxOut = new BigUint64Array(1);
  private waiting: Promise<boolean> | null = null;
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
    this.channel = createCompletionChannel(context);
    this.pollfd = new Int32Array([this.channel.fd, POLLIN]);
    // Every command is at most one send completion (only a chain's last send is signalled) and one receive.
    try {
      this.cq = createCq(context, 2 * depth + 1, this.channel.channel);
    } catch (e) {
      destroyCompletionChannel(this.channel);
      throw e;
    }
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
      destroyCompletionChannel(this.channel);
      throw new NativeError("rdma_create_qp", errno);
    }
    this.qp = new DataView(koffi.view(id.id, RdmaCmId.qp + 8)).getBigUint64(RdmaCmId.qp, true);
  }

  /**
   * Sleeps on the thread pool until the completion channel signals (the caller armed the completion
   * queue) or `timeoutMs` passes; resolves whether it signalled. One wait at a time: a second caller
   * shares the first's.
   */
  waitForEvent(timeoutMs: number): Promise<boolean> {
    if (this.waiting !== null) return this.waiting;
    this.pollfd[1] = POLLIN;
    this.waiting = new Promise<boolean>((resolve) => {
      rdmaLibraries().poll.async(this.pollfd, 1, timeoutMs, () => {
        this.waiting = null;
        if (this.destroyed) {
          destroyCompletionChannel(this.channel); // deferred by destroy() while this wait ran
          resolve(false);
        } else resolve(consumeCompletionEvent(this.channel, this.cqOut, this.ctxOut));
      });
    });
    return this.waiting;
  }

  /**
   * Destroys the queue pair, then the completion queue, then the channel (once a wait on it has
   * returned: a pool thread may still be polling its fd). Nothing may poll or post afterwards.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    rdmaLibraries().rdma_destroy_qp(this.id.id);
    destroyCq(this.cq);
    if (this.waiting === null) destroyCompletionChannel(this.channel);
  }
}
