/**
 * liblightnvm's opaque `struct nvm_async_ctx`: a queue pair of its own, the depth (most commands
 * outstanding), and the preallocated command records, bound to it (device, queue pair, completion).
 * @module
 */
import type { QueuePair } from "@nvmekit/core";
import type { nvm_dev } from "./device.js";
import { CmdRecord } from "./record.js";

/**
 * An asynchronous context from nvm_async_init. Threading: the opening thread's, like its device; it
 * is not shared between threads (as liblightnvm's SPDK backend says of its own).
 */
export class nvm_async_ctx {
  /** Commands outstanding now. */
  outstanding = 0;
  /** Commands completed since the last count was taken (poke and wait read it). @internal */
  completed = 0;
  /** NVMe commands in flight, against `pieceRoom`. @internal */
  piecesInFlight = 0;
  /** Free records. @internal */
  readonly free: CmdRecord[];
  /** False once terminated. */
  live = true;
  /** Resolves a pending nvm_async_wait when `outstanding` reaches 0. @internal */
  drained: (() => void) | null = null;

  /**
   * @param dev the device
   * @param depth most commands outstanding
   * @param qp its queue pair
   * @param pieceRoom NVMe commands the queue pair takes at once (its requests)
   * @internal
   */
  constructor(
    readonly dev: nvm_dev,
    readonly depth: number,
    readonly qp: QueuePair,
    readonly pieceRoom: number,
  ) {
    this.free = Array.from({ length: depth }, () => {
      const rec = new CmdRecord();
      rec.dev = dev;
      rec.ctx = this;
      rec.qp = qp;
      rec.finish = asyncDone;
      return rec;
    });
  }
}

/**
 * Where each of a context's records goes when its command is complete and `ret` filled: the counts,
 * the record back to `free`, a pending nvm_async_wait, then the command's callback.
 */
function asyncDone(rec: CmdRecord): void {
  const ctx = rec.ctx!;
  const ret = rec.ret!;
  ctx.outstanding--;
  ctx.piecesInFlight -= rec.reserved;
  ctx.completed++;
  rec.ret = null;
  ctx.free.push(rec);
  if (ctx.outstanding === 0) ctx.drained?.();
  ret.async.cb?.(ret, ret.async.cb_arg);
}
