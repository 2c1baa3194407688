/**
 * A request tracker (libvfn's struct nvme_rq): one outstanding command's identity and preallocated
 * state, owned by a {@link TrackerPool}.
 * @module
 */
import type { PrpListPages } from "../dataptr/prp.js";
import type { SglSegment } from "../dataptr/sgl.js";

/**
 * Tracks one command from acquire to release. Everything here is created once with the pool, so a
 * command needs no allocation; the pool's owner sets `opaque` at submission and reads it back when
 * the completion arrives.
 */
export class RequestTracker {
  /** Index of this tracker in its pool. */
  readonly index: number;
  /** PRP list pages of this tracker (page-aligned DMA memory). */
  readonly prpPages: PrpListPages;
  /** SGL segment of this tracker: the same memory as the first PRP list page, as libvfn shares rq->page. */
  readonly sglSegment: SglSegment;
  /** Opaque user data (libvfn's `opaque`). */
  opaque: unknown = undefined;
  /** The pool's command identifiers, by tracker index. */
  private readonly cids: Uint16Array;

  /** Created by {@link TrackerPool} only: acquire trackers from a pool, never construct them. */
  constructor(index: number, prpPages: PrpListPages, sglSegment: SglSegment, cids: Uint16Array) {
    this.index = index;
    this.prpPages = prpPages;
    this.sglSegment = sglSegment;
    this.cids = cids;
  }

  /**
   * Command identifier of the next command issued with this tracker: its index in the low bits and,
   * on pools that keep generations, a generation in the high bits that changes at every release, so
   * that a late completion of an earlier command with this tracker is told from the current one's.
   */
  get cid(): number {
    return this.cids[this.index]!;
  }

  /** Forgets `opaque`, so that a released tracker holds no reference to the caller's objects. */
  clearUserFields(): void {
    this.opaque = undefined;
  }
}
