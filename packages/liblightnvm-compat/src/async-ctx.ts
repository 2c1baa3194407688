/**
 * liblightnvm's opaque `struct nvm_async_ctx`: a queue pair of its own, the depth (most commands
 * outstanding), and the preallocated command records.
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
    this.free = Array.from({ length: depth }, () => new CmdRecord());
  }
}
