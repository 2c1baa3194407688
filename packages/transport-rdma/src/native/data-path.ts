/**
 * The verbs on the per-I/O path. libibverbs has no exported symbols for them (they are static inline
 * in verbs.h, calling through the device context's `ops`), so each is read from the context once,
 * decoded into a callable with its prototype, and cached: a call is then one FFI transition, with no
 * lookup. Arguments are pointers the caller prepared in native memory (BigInt addresses created once).
 * @module
 */
import koffi, { type TypeObject } from "koffi";
import { IbvContext } from "./layouts.js";

const PostSend = koffi.proto("int nvmekit_ibv_post_send(void *qp, void *wr, void *bad_wr)");
const PostRecv = koffi.proto("int nvmekit_ibv_post_recv(void *qp, void *wr, void *bad_wr)");
const PollCq = koffi.proto("int nvmekit_ibv_poll_cq(void *cq, int num_entries, void *wc)");
const ReqNotifyCq = koffi.proto("int nvmekit_ibv_req_notify_cq(void *cq, int solicited_only)");

/** A counter of native calls. */
export interface CallCounter {
  /** Calls so far. */
  count: number;
}

/** Data-path verbs calls made by this thread so far (posts, polls, arming): what benchmarks divide by I/Os. */
export const dataPathCalls: CallCounter = { count: 0 };

/**
 * Sleeps on a completion channel begun by this thread so far (each a thread-pool round trip, an
 * event-loop wake and a completion event read): what benchmarks divide by I/Os.
 */
export const channelWaits: CallCounter = { count: 0 };

/** Posts a chain of work requests; returns 0 or an errno value (the failed request is stored at `bad_wr`). */
export type PostFunction = (qp: bigint, wr: bigint, badWr: bigint) => number;
/** Fills up to `n` work completions at `wc`; returns how many, or a negative value on error. */
export type PollFunction = (cq: bigint, n: number, wc: bigint) => number;

/** Arms a completion queue: its next completion signals the completion channel; returns 0 or an errno value. */
export type NotifyFunction = (cq: bigint, solicitedOnly: number) => number;

/** The data-path verbs of one device context. */
export class DataPath {
  /** `ibv_post_send`. */
  readonly postSend: PostFunction;
  /** `ibv_post_recv`. */
  readonly postRecv: PostFunction;
  /** `ibv_poll_cq`. */
  readonly pollCq: PollFunction;
  /** `ibv_req_notify_cq`. */
  readonly reqNotifyCq: NotifyFunction;

  /** @param context the ibv_context pointer whose ops to use */
  constructor(context: bigint) {
    const ops = new DataView(koffi.view(context, IbvContext.postRecv + 8));
    const fn = (offset: number, proto: TypeObject) =>
      koffi.decode(ops.getBigUint64(offset, true), proto) as (...args: unknown[]) => number;
    this.postSend = fn(IbvContext.postSend, PostSend);
    this.postRecv = fn(IbvContext.postRecv, PostRecv);
    this.pollCq = fn(IbvContext.pollCq, PollCq);
    this.reqNotifyCq = fn(IbvContext.reqNotifyCq, ReqNotifyCq);
  }
}
