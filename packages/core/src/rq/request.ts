/**
 * Requests: the unit the queue-pair engine schedules. One request is one NVMe command, or a parent
 * whose children are the pieces of a split I/O. A queue pair preallocates `ioQueueRequests` of them;
 * they are recycled through an intrusive free stack so the per-I/O path allocates nothing.
 * @module
 */
import { Payload } from "../dataptr/payload.js";
import type { DmaBuffer } from "../dma/dma-memory.js";
import { NvmeCommand } from "../nvme-spec/command.js";
import type { Completion } from "../nvme-spec/completion.js";

/**
 * Completion callback of the low-level face (spdk_nvme_cmd_cb): a plain function and an argument
 * of the caller's, so submitting needs no closure. `cpl` carries the controller's completion entry
 * (CID, SQ head, SQ ID and phase included) in an object the queue pair reuses: it is only valid during the call. It runs
 * once, on the queue pair's thread; when, is in the callback face rules on `Namespace`. An exception
 * it throws propagates out of the call that ran it.
 */
export type CommandCallback<A = unknown> = (arg: A, cpl: Completion) => void;

/** One schedulable command. Fields are public for the engine's files; applications never see requests. */
export class Request {
  /** The command as built by the submitter; the engine adds the CID and data pointer. */
  readonly cmd = new NvmeCommand();
  /** Completion callback, or null. */
  cb: CommandCallback<never> | null = null;
  /** The callback's argument. */
  cbArg: unknown = undefined;
  /** The command's data, which the transport turns into its data pointer. */
  readonly payload = new Payload();
  /** The parent of a split child, else null. */
  parent: Request | null = null;
  /** For a parent: children still outstanding. */
  childrenLeft = 0;
  /** For a parent: the first error status a child reported (15-bit status field), 0 if none. */
  childStatus = 0;
  /** Times this request was resubmitted after a retryable error. */
  retries = 0;
  /** When it was handed to the controller (performance.now()), for timeouts; 0 when not tracked. */
  submittedAt = 0;
  /** Time limit of its own in ms (the Promise face's), 0: its queue pair's. */
  timeoutMs = 0;
  /** How far past its queue pair's time limit it was found (a TimeoutStage), 0 while within it. */
  timeoutStage = 0;
  /** How far past its own time limit it was found (a TimeoutStage), 0 while within it. */
  ownTimeoutStage = 0;
  /** DMA memory the core allocated for this command (DSM ranges, reservation data), freed when it ends. */
  owned: DmaBuffer | null = null;
  /** The caller's buffer `owned` stands in for, copied back into when the command ends (see dma/bounce.ts). */
  copyOut: ArrayBufferView | null = null;
  /** Link in the free stack or the waiting queue. */
  next: Request | null = null;

  /**
   * @param pooled false for a tracker's own request (QueuePair.submitReadWrite), which is never in
   *   the pool's free stack: the pool only counts it
   */
  constructor(readonly pooled = true) {}

  /**
   * Clears everything but the preallocated command object, which every submitter rebuilds whole (a
   * command builder starts with `init`, raw commands with `copyFrom`), so zeroing it here too would be
   * sixteen more stores per I/O for nothing.
   */
  reset(): void {
    this.cb = null;
    this.cbArg = undefined;
    this.payload.clear();
    this.parent = null;
    this.childrenLeft = 0;
    this.childStatus = 0;
    this.retries = 0;
    this.submittedAt = 0;
    this.timeoutMs = 0;
    this.timeoutStage = 0;
    this.ownTimeoutStage = 0;
    this.owned = null;
    this.copyOut = null;
    this.next = null;
  }
}

/** A fixed set of requests with a free stack; `take` returns null when all are in use (back-pressure). */
export class RequestPool {
  private free: Request | null = null;
  /** Requests currently taken. */
  inUse = 0;

  /** @param size number of requests to preallocate */
  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      const r = new Request();
      r.next = this.free;
      this.free = r;
    }
  }

  /** Number of requests that can still be taken. */
  get available(): number {
    return this.size - this.inUse;
  }

  /** Takes a cleared request (see {@link Request.reset}), or returns null when none is free. */
  take(): Request | null {
    const r = this.free;
    if (r === null || this.inUse >= this.size) return null;
    this.free = r.next;
    r.reset();
    this.inUse++;
    return r;
  }

  /**
   * Counts one request in use without taking one: a tracker's own request (not pooled) stands in for
   * it, so that a pool of `size` still bounds what is outstanding. False, counting nothing, when none is free.
   */
  reserve(): boolean {
    if (this.inUse >= this.size) return false;
    this.inUse++;
    return true;
  }

  /** Returns a request to the pool (a request that is not pooled is only uncounted: see {@link reserve}). */
  give(r: Request): void {
    this.inUse--;
    if (!r.pooled) return;
    r.next = this.free;
    this.free = r;
  }
}

/** A FIFO of requests linked through `next`, for requests waiting for a free request tracker. */
export class RequestQueue {
  private head: Request | null = null;
  private tail: Request | null = null;
  /** Number of queued requests. */
  length = 0;

  /** Appends a request. */
  push(r: Request): void {
    r.next = null;
    if (this.tail === null) this.head = r;
    else this.tail.next = r;
    this.tail = r;
    this.length++;
  }

  /** Puts a request back at the front. */
  unshift(r: Request): void {
    r.next = this.head;
    this.head = r;
    if (this.tail === null) this.tail = r;
    this.length++;
  }

  /** Removes and returns the oldest request, or null. */
  shift(): Request | null {
    const r = this.head;
    if (r === null) return null;
    this.head = r.next;
    if (this.head === null) this.tail = null;
    r.next = null;
    this.length--;
    return r;
  }
}
