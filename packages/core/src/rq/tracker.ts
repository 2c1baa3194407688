/**
 * A request tracker (libvfn's struct nvme_rq): one outstanding command's identity and preallocated
 * state, owned by a {@link TrackerPool}.
 * @module
 */
import type { PrpListPages } from "../dataptr/prp.js";
import type { SglSegment } from "../dataptr/sgl.js";
import type { Completion } from "../nvme-spec/completion.js";

/** A completion callback in SPDK's shape (spdk_nvme_cmd_cb): the caller's argument and the completion. */
export type TrackerCallback = (arg: unknown, cqe: Completion) => void;

/**
 * Tracks one command from acquire to release. Everything here is created once with the pool, so a
 * command needs no allocation; the pool's owner fills the user fields at submission and reads them
 * back when the completion arrives.
 */
export class RequestTracker {
  /** Command identifier of every command issued with this tracker: its index in the pool. */
  readonly cid: number;
  /** PRP list pages of this tracker (page-aligned DMA memory). */
  readonly prpPages: PrpListPages;
  /** SGL segment of this tracker: the same memory as the first PRP list page, as libvfn shares rq->page. */
  readonly sglSegment: SglSegment;
  /** Opaque user data (libvfn's `opaque`). */
  opaque: unknown = undefined;
  /** Completion callback for the pool's owner to call; the pool itself never calls it. */
  callback: TrackerCallback | null = null;
  /** Argument passed to {@link RequestTracker.callback}. */
  callbackArg: unknown = undefined;
  /** Four numeric slots for the owner, e.g. submission time or bytes transferred. */
  readonly slots = new Float64Array(4);

  /** @internal Created by {@link TrackerPool} only. */
  constructor(cid: number, prpPages: PrpListPages, sglSegment: SglSegment) {
    this.cid = cid;
    this.prpPages = prpPages;
    this.sglSegment = sglSegment;
  }

  /** Forgets the user fields so that a released tracker holds no reference to the caller's objects. */
  clearUserFields(): void {
    this.opaque = undefined;
    this.callback = null;
    this.callbackArg = undefined;
    const slots = this.slots;
    slots[0] = slots[1] = slots[2] = slots[3] = 0; // plain stores: fill() is a builtin call
  }
}
