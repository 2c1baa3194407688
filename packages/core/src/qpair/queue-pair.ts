/**
 * The queue-pair engine, shared by the admin queue and every I/O queue: requests in, commands to the
 * transport's {@link QueuePort}, completions out to callbacks. SPDK's semantics: a request that finds
 * no free request tracker waits in software and is started when one frees up; a retryable error is
 * resubmitted up to `transportRetryCount` times; split children complete their parent once.
 * The per-I/O path makes no FFI call, allocation or closure.
 * @module
 */
import { type DataPointerBuilder, Payload } from "../dataptr/payload.js";
import { mapOnePagePrp } from "../dataptr/prp.js";
import { PrpSglBuilder } from "../dataptr/prp-sgl-builder.js";
import { bounceOut } from "../dma/bounce.js";
import type { DmaAllocator } from "../dma/dma-memory.js";
import { ENXIO } from "../errors/errno.js";
import { StateError } from "../errors/errors.js";
import { Completion, encodeStatus } from "../nvme-spec/completion.js";
import { readWriteDwords } from "../nvme-spec/nvm-commands.js";
import { AdminOpcode } from "../nvme-spec/opcodes.js";
import { GenericStatus, isRetryableStatus, StatusCodeType } from "../nvme-spec/status.js";
import { TrackerPool } from "../rq/pool.js";
import { type CommandCallback, Request, RequestPool, RequestQueue } from "../rq/request.js";
import type { QueuePort } from "../transport/contract.js";
import { CompletionPoller } from "./poller.js";
import { type Pending, settlePending } from "./promise.js";
import { type QueueLink, QueueLinkState } from "./queue-link.js";

/** Life of a queue pair. */
export enum QueuePairState {
  /** Accepting and completing commands. */
  Active = 0,
  /**
   * Its controller is resetting: submissions are accepted and wait, nothing reaches the device, and
   * `processCompletions` returns -ENXIO.
   */
  Disconnected = 1,
  /**
   * Freed by the application, or its controller detached, failed or removed: submissions throw
   * StateError and `processCompletions` returns -ENXIO.
   */
  Closed = 2,
}

/** Settings the controller gives each queue pair. */
export interface QueuePairSettings {
  /**
   * Requests to preallocate (ioQueueRequests): the most top-level commands, split children included,
   * outstanding or waiting at once. Namespace's common data command, started at once on a request
   * its tracker owns, counts against it too.
   */
  requests: number;
  /** Retries for a retryable status (transportRetryCount). */
  retryCount: number;
  /** Pages of PRP list / SGL segment preallocated per request tracker (0 when the port builds its own data pointers). */
  pagesPerTracker: number;
  /** Whether the controller accepts SGLs for this queue's commands (for the PRP/SGL data pointer). */
  sglSupported: boolean;
  /** Called at the poller's idle interval after polling (the admin queue sends keep-alives from it). */
  onIdleTick?: () => void;
  /**
   * Post commands without ringing the doorbell; rung by flush, at the end of processCompletions, and
   * every `doorbellBatch` completions within it (SPDK's delayed doorbell).
   */
  delayDoorbell: boolean;
  /** Under delayDoorbell, completions between two rings within one processCompletions (a power of two). */
  doorbellBatch: number;
}

/**
 * Under delayDoorbell, commands that completion callbacks post are rung at least this often while
 * processCompletions goes through a batch, so the device starts on them while the host handles the
 * rest of the batch instead of idling until its end. A balance between doorbell traps (each an exit
 * into an emulated controller) and the device's idle time, so the best value moves with the host's
 * per-I/O cost: the cheaper the host's work per completion, the larger the batch can be before the
 * device waits (figures: BENCHMARKS.md, "Figures behind design choices"). A power of two: the check
 * is a mask. The default of the per-queue `doorbellBatch` setting.
 */
export const DOORBELL_BATCH = 16;

/** Timeouts are scanned at most this often (ms): the scan walks every tracker. */
const TIMEOUT_SCAN_INTERVAL_MS = 10;

/**
 * Empty polls in a row, with commands outstanding, after which {@link QueuePair.onStall} runs (a
 * power of two: the check is a mask). Its owner decides, by the clock, whether to read the
 * controller's status then. Rare enough that the clock read stays off a QD 1 I/O's path: where the
 * clock is an emulated device (the rig's HPET), each read costs as much as the I/O's own host work,
 * and a command waits far more empty polls than this only when something is wrong.
 */
const STALL_POLLS = 4096;

/** How far past its time limit a command is when {@link QueuePair.onTimeout} reports it. */
export enum TimeoutStage {
  /** Its time limit passed. */
  Expired = 1,
  /** Twice its time limit passed: whatever was done at {@link TimeoutStage.Expired} did not end it. */
  StillOutstanding = 2,
}

/**
 * Completions a queue pair refused, by reason: each is counted and otherwise ignored (no request
 * completes from it). Checked on queues whose completions the device writes into host memory
 * (PCIe and the software controller); fabrics transports check their own PDUs.
 */
export interface RejectedCompletions {
  /**
   * The CID names no command outstanding: a duplicate, a stale completion of an earlier command
   * whose tracker is in use again (its generation differs), or one never issued (all ones included).
   * On queues the device reads from host memory, also a CID of a command posted after the last
   * doorbell: the device cannot have seen it yet.
   */
  unknownCid: number;
  /** The SQ identifier (DW2 bits 31:16) is not this queue's. */
  wrongSqid: number;
  /** The SQ head pointer (DW2 bits 15:0) is not inside the submission queue. */
  badSqHead: number;
}

/**
 * One submission/completion queue pair and its requests (spdk_nvme_qpair).
 *
 * Threading: a queue pair belongs to the thread that created it (the controller's thread for
 * `Controller.allocIoQpair`, a worker for `attachQueuePair`). Submit, poll and flush only there;
 * every callback of its commands runs there. It is not shared between threads and takes no locks.
 */
export class QueuePair {
  /** Current state. */
  state = QueuePairState.Active;
  /** Top-level requests submitted and not yet completed. */
  outstanding = 0;
  /**
   * The poller the Promise and RxJS faces use. While it polls (a Promise-face command is pending, or
   * its idle tick is on) it calls {@link processCompletions} from setImmediate and timers on this
   * thread, so callback-face callbacks of this queue pair run from it too.
   */
  readonly poller: CompletionPoller;
  /**
   * Called when a command has been outstanding longer than its time limit, at
   * {@link TimeoutStage.Expired} and again at {@link TimeoutStage.StillOutstanding}, once each, from inside
   * {@link processCompletions}; `own` tells a limit given with the command (the Promise face's) from
   * the queue pair's `timeoutMs`. The controller escalates from here (abort, then reset).
   */
  onTimeout: ((qpair: QueuePair, cid: number, stage: TimeoutStage, own: boolean) => void) | null = null;
  /** Command time limit in milliseconds, 0 for none. */
  timeoutMs = 0;
  /**
   * Time limit in ms the Promise face gives each command it submits on this queue pair unless the
   * call names its own (0: none); the controller sets it from its `ioTimeoutMs` option.
   */
  promiseTimeoutMs = 0;
  /**
   * @internal The time limit of the commands being submitted now (the Promise face sets it around
   * one submission); 0: none of their own.
   */
  submitTimeoutMs = 0;
  /**
   * Called from {@link processCompletions} when it keeps finding nothing while commands are
   * outstanding, and at once on a completion of all ones: the controller checks its health from
   * here (cheaply: it reads the status register at most every so often).
   */
  onStall: (() => void) | null = null;
  /** Completions refused, by reason (see {@link RejectedCompletions}). */
  readonly rejected: RejectedCompletions = { unknownCid: 0, wrongSqid: 0, badSqHead: 0 };

  // Set by usePort, from the constructor and at every reconnect.
  private port!: QueuePort;
  private trackers!: TrackerPool;
  /** Per tracker index: the request its command belongs to, null while the tracker is free. */
  private inFlight!: (Request | null)[];
  /** Per tracker index: the tracker's own request, for {@link submitReadWrite}. */
  private own!: Request[];
  private readonly requests: RequestPool;
  private readonly waiting = new RequestQueue();
  private readonly cqe = new Completion();
  private readonly cpl = new Completion();
  private dataPointer!: DataPointerBuilder;
  /** The memory page size when the core builds PRPs/SGLs over host memory for this port (0: the port builds its own). */
  private prpPageSize = 0;
  private readonly staged = new Payload();
  private unrung = false;
  private lastTimeoutScan = 0;
  private linkGeneration = 0;
  private resuming = false;
  /** Whether completions are checked beyond their CID (SQ ID and head): see {@link RejectedCompletions}. */
  private checked!: boolean;
  /**
   * Commands posted so far, and how many of them the last doorbell announced to the device, both
   * modulo 2^32 as int32, compared by their difference: right while a command completes within 2^31
   * posts of its own (a command the device holds longer is one the timeouts abort). Integers, not
   * doubles: a floating-point operation is a helper call under emulation (the QEMU rig).
   */
  private posted = 0;
  private rung = 0;
  /** Per tracker index: the post count its command was posted at (announced when not after `rung`). */
  private postedAt!: Int32Array;
  private emptyPolls = 0;
  /** `doorbellBatch` - 1: completions within a batch are counted with a mask. */
  private readonly batchMask: number;
  /** Outstanding top-level requests with a time limit of their own. */
  private ownLimits = 0;

  /**
   * @param port the transport's queue
   * @param dma memory for PRP lists and SGL segments
   * @param settings engine settings
   * @param link for a queue pair in a worker thread: how its controller's thread announces resets
   */
  constructor(
    port: QueuePort,
    private readonly dma: DmaAllocator,
    private readonly settings: QueuePairSettings,
    private readonly link: QueueLink | null = null,
  ) {
    this.batchMask = settings.doorbellBatch - 1;
    this.usePort(port);
    this.requests = new RequestPool(settings.requests);
    this.poller = new CompletionPoller(
      () => this.processCompletions(0),
      settings.onIdleTick ?? null,
      (ms) => this.port.waitForInterrupt?.(ms) ?? null,
      () => this.port.eventDriven === true,
    );
  }

  /** Queue identifier (0 for the admin queue). */
  get id(): number {
    return this.port.qid;
  }

  /** The transport queue currently behind this pair (replaced by a controller reset). */
  get transportQueue(): QueuePort {
    return this.port;
  }

  /**
   * Whether completions reach this queue pair only through the event loop (NVMe/TCP's socket
   * events): a polling loop that finds none must yield (setImmediate) before polling again.
   */
  get completionsNeedEventLoop(): boolean {
    return this.port.eventDriven === true;
  }

  /**
   * Sleeps until a completion may be waiting (an interrupt, or data on an NVMe/TCP socket) or
   * `timeoutMs` passed; null when the transport queue has nothing to sleep on (poll instead).
   */
  waitForCompletions(timeoutMs: number): Promise<boolean> | null {
    return this.port.waitForInterrupt?.(timeoutMs) ?? null;
  }

  /** Requests that can still be taken before submissions return ENOMEM. */
  get freeRequests(): number {
    return this.requests.available;
  }

  /**
   * Throws unless new commands may be submitted.
   * @throws {@link StateError} when the queue pair is closed
   */
  assertUsable(): void {
    if (this.state === QueuePairState.Closed) {
      throw new StateError(`queue pair ${this.id} is closed: allocate a new one from the controller`);
    }
  }

  /**
   * @internal The descriptor a submitter fills to describe a whole transfer before splitting it into
   * requests (cleared; one per queue pair, so describing allocates nothing). Valid until the next call.
   */
  stagePayload(): Payload {
    this.staged.clear();
    return this.staged;
  }

  /** @internal Takes a cleared request, or null when all are in use (the caller returns ENOMEM). */
  takeRequest(): Request | null {
    return this.requests.take();
  }

  /**
   * @internal Submits a top-level request, or the parent of split children (each child's `parent` set and
   * `childrenLeft` counted on the parent). Never fails: requests without a tracker wait.
   */
  submit(req: Request, children: Request | null): void {
    this.outstanding++;
    const limit = this.submitTimeoutMs;
    if (limit > 0) {
      req.timeoutMs = limit;
      this.ownLimits++;
    }
    if (children === null) this.startOrWait(req);
    else this.startChildren(children, limit);
  }

  /**
   * @internal The common data command in one call: a Read, Write or Compare (`opcode`) of `count`
   * blocks at `lba` from or into `length` bytes of contiguous `view`, which reaches the device at
   * `iova`, with no protection information, no split and no time limit of its own, all checked by the
   * caller. When a tracker is free and nothing waits, the command starts at once with the tracker's
   * own request: nothing is taken from the request pool or cleared, only counted. On a port whose
   * PRPs the core builds, a transfer within one memory page gets its PRP1 here and is posted without
   * the payload descriptor (a retry posts the command as it is). Returns false,
   * having done nothing, when it cannot start at once (the queue pair not active, commands waiting,
   * a Promise-face time limit, no free request or tracker): the caller then submits the general way,
   * where it waits or gets -ENOMEM.
   */
  submitReadWrite(
    opcode: number,
    nsid: number,
    lba: number,
    count: number,
    ioFlags: number,
    view: ArrayBufferView,
    iova: number,
    length: number,
    cb: CommandCallback<never> | null,
    cbArg: unknown,
  ): boolean {
    if (this.state !== QueuePairState.Active || this.waiting.length > 0 || this.submitTimeoutMs > 0)
      return false;
    if (this.requests.available === 0) return false;
    const index = this.trackers.acquireIndex();
    if (index < 0) return false;
    this.requests.reserve();
    const req = this.own[index]!;
    req.cb = cb;
    req.cbArg = cbArg;
    // The rest of an own request stays as it was cleared, but for what the engine counts on it.
    req.retries = 0;
    req.timeoutStage = 0;
    req.submittedAt = 0;
    const cmd = readWriteDwords(req.cmd, opcode, nsid, lba, count, ioFlags, 0, 0, 0);
    this.outstanding++;
    // One page over PRPs, the common case, is written here; the rest builds from the payload descriptor.
    const pageSize = this.prpPageSize;
    if (pageSize > 0 && mapOnePagePrp(cmd, iova, length, pageSize)) {
      cmd.cid = this.trackers.cidAt(index);
      this.post(req, index);
    } else {
      req.payload.setContiguous(view, iova, length);
      this.launch(req, index);
    }
    return true;
  }

  /** Starts the children of a split request, each with the parent's time `limit` (0: none of its own). */
  private startChildren(children: Request, limit: number): void {
    for (let c: Request | null = children; c !== null; ) {
      const next: Request | null = c.next;
      c.timeoutMs = limit;
      this.startOrWait(c);
      c = next;
    }
  }

  /**
   * Rings the submission doorbell for commands posted under the delayed-doorbell option (a no-op
   * when nothing is unrung). Under `delayDoorbell` a submitted command reaches the device only at
   * this call or at {@link processCompletions}, which rings at its end.
   * - Threading: only on the thread that owns this queue pair.
   * - Callback: none runs from here. Throws nothing.
   */
  flush(): void {
    if (this.unrung) {
      this.unrung = false;
      this.port.ringSubmission();
      this.rung = this.posted;
    }
  }

  /**
   * Processes up to `max` completions (0: all available, at most one queue's worth, as SPDK caps it so
   * a callback that resubmits cannot keep one call going forever), calling each request's callback
   * (spdk_nvme_qpair_process_completions). Non-blocking: it takes what has arrived and returns. It
   * then starts the commands that waited for a tracker, rings the doorbells, and scans for timeouts
   * when a time limit is set (at most every 10 ms; {@link onTimeout} runs from here).
   * - Threading: only on the thread that owns this queue pair. The queue pair's {@link poller} also
   *   calls it, from setImmediate or timers, while a Promise-face command is pending.
   * - Callback: each completed command's callback runs synchronously from this call, on this thread;
   *   a callback may submit again (its request is already free). An exception from a callback
   *   propagates out of this call, which stops there: the remaining completions wait for the next call.
   * - In a worker, it first follows its controller's thread: on a reset it completes every command
   *   as aborted (their callbacks run from here) and waits; when the queue is gone for good it closes.
   * - A completion whose CID names no outstanding command (stale, duplicate), or (on queues the
   *   device writes into host memory) whose SQ ID or SQ head is wrong, is consumed and counted in
   *   {@link rejected}, and completes nothing.
   * @returns how many completions were consumed (may be 0), or -ENXIO when the queue pair is
   *   disconnected (its controller is resetting: poll again later) or closed (freed, or its
   *   controller failed, removed or detached: allocate a new one), as SPDK returns a negative value
   *   on error so that a polling loop notices
   */
  processCompletions(max = 0): number {
    if (this.link !== null) this.followLink(this.link);
    if (this.state !== QueuePairState.Active) return -ENXIO;
    const cap = this.port.depth - 1;
    if (max === 0 || max > cap) max = cap;
    const cqe = this.cqe;
    let n = 0;
    const dw = cqe.dw;
    while (n < max && this.port.poll(dw)) {
      n++;
      const dw3 = dw[3]!;
      const index = this.trackers.indexOfCid(dw3 & 0xffff);
      const req = index < 0 ? null : (this.inFlight[index] as Request | null);
      if (req === null) {
        this.rejected.unknownCid++;
        if (dw3 === 0xffff_ffff) this.onStall?.(); // all ones: is the device still there?
        continue;
      }
      if (this.checked && !(this.fromThisQueue(dw[2]!) && this.announced(index))) continue;
      const status = dw3 >>> 17;
      if (status !== 0 && this.retried(req, index, status)) continue;
      this.inFlight[index] = null;
      this.trackers.releaseIndex(index);
      this.finish(req, status, dw[0]!, dw[1]!, dw[2]!, dw3);
      if ((n & this.batchMask) === 0) this.flush();
    }
    if (n > 0) {
      this.port.ringCompletion();
      this.emptyPolls = 0;
    } else if (this.outstanding > 0 && (++this.emptyPolls & (STALL_POLLS - 1)) === 0) this.onStall?.();
    this.startWaiting();
    this.flush();
    if (this.timeoutMs > 0 || this.ownLimits > 0) this.scanTimeouts();
    return n;
  }

  /**
   * Whether the command on tracker `index` was announced by a doorbell; counts the completion when
   * not. Under delayed doorbells the host polls between posting and ringing, and a bogus CID may name
   * a command only just posted.
   */
  private announced(index: number): boolean {
    if (((this.postedAt[index]! - this.rung) | 0) <= 0) return true;
    this.rejected.unknownCid++;
    return false;
  }

  /** Whether a completion's DW2 names this queue and an SQ head inside it; counts it when not. */
  private fromThisQueue(dw2: number): boolean {
    if (dw2 >>> 16 === this.port.qid && (dw2 & 0xffff) < this.port.depth) return true;
    this.countForeign(dw2);
    return false;
  }

  /** Counts a completion whose DW2 names another queue, or an SQ head outside this one. */
  private countForeign(dw2: number): void {
    if (dw2 >>> 16 !== this.port.qid) this.rejected.wrongSqid++;
    else this.rejected.badSqHead++;
  }

  /**
   * @internal The controller's recovery path (reset, removal, close); applications free the queue
   * pair through `Controller.freeIoQpair`.
   * Completes every outstanding and waiting request with the given status (reset, removal, close).
   * Call it only once the device can no longer transfer data for them (the controller disabled,
   * the queue deleted or its connection closed): their callbacks hand the buffers back. Their
   * trackers are forgotten: the transport queue behind them is gone.
   * Threading: the owning thread. Callback: every callback runs synchronously from this call; one
   * that throws does not stop the others: the first error is rethrown once all have run.
   */
  abortAll(sct: number, sc: number, dnr: boolean): void {
    const status = encodeStatus(sct, sc, { dnr });
    // No CQE: as SPDK's manual completion, the queue's SQID, the tracker's CID (0 for a request that
    // never had one), SQ head and phase 0.
    const sqid = this.port.qid << 16;
    // Only those waiting now: a callback may submit again, and that request waits for the queue's return.
    const waited = this.waiting.length;
    let thrown: unknown = null;
    for (let index = 0; index < this.inFlight.length; index++) {
      const req = this.inFlight[index] as Request | null;
      if (req === null) continue;
      const cid = this.trackers.cidAt(index);
      this.inFlight[index] = null;
      this.trackers.releaseIndex(index);
      try {
        this.finish(req, status, 0, 0, sqid, cid);
      } catch (e) {
        thrown ??= e;
      }
    }
    for (let n = waited; n > 0; n--) {
      try {
        this.finish(this.waiting.shift()!, status, 0, 0, sqid, 0);
      } catch (e) {
        thrown ??= e;
      }
    }
    if (thrown !== null) throw thrown;
  }

  /**
   * @internal Used by the controller's reset.
   * Puts a new transport queue behind this pair after a controller reset, and resumes it: the
   * commands that waited are posted from this call. Threading: the owning thread.
   */
  reconnect(port: QueuePort): void {
    this.trackers.destroy();
    this.usePort(port);
    this.state = QueuePairState.Active;
    this.startWaiting();
    this.flush();
  }

  /**
   * A worker's queue pair follows its controller's thread (see QueueLink): on a reset it completes
   * its commands as aborted, rewinds the rings and acknowledges; once the queue exists again it
   * resumes; when the queue is gone for good it closes.
   */
  private followLink(link: QueueLink): void {
    const generation = link.generation;
    if (generation !== this.linkGeneration) {
      this.linkGeneration = generation;
      if (this.state === QueuePairState.Closed) {
        link.acknowledge(generation); // closed here for good: nothing to drop, and the reset need not wait
        return;
      }
      const failed = link.state === QueueLinkState.Failed;
      this.state = QueuePairState.Disconnected; // what callbacks submit meanwhile waits
      this.abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, failed);
      if (failed) {
        this.state = QueuePairState.Closed;
        this.abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, true);
        return;
      }
      this.port.restart?.();
      link.acknowledge(generation);
      return;
    }
    if (this.state === QueuePairState.Disconnected && link.state === QueueLinkState.Active) {
      const resume = this.port.resume;
      if (resume === undefined) this.reconnect(this.port);
      else if (!this.resuming) this.resumeThenReconnect(resume.call(this.port));
    }
  }

  /**
   * A port that must re-establish itself from this thread (a worker's socket) resumes first; the
   * waiting commands go out once it has. If it cannot, the queue pair closes and they fail.
   */
  private resumeThenReconnect(resumed: Promise<void>): void {
    this.resuming = true;
    resumed.then(
      () => {
        this.resuming = false;
        if (this.state === QueuePairState.Disconnected) this.reconnect(this.port);
      },
      () => {
        this.resuming = false;
        this.state = QueuePairState.Closed;
        this.abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, true);
      },
    );
  }

  /**
   * @internal Used by the controller (`freeIoQpair`, detach) and by a worker's `close()`.
   * Closes the queue pair and frees the preallocated tracker memory. The transport queue is released
   * by the controller. Outstanding commands are not completed here (call {@link abortAll} first, as
   * the controller does): their callbacks would never run. Threading: the owning thread.
   */
  destroy(): void {
    this.state = QueuePairState.Closed;
    this.poller.stop();
    this.trackers.destroy();
  }

  /**
   * Puts `port` behind this pair with the state that goes with one transport queue: its trackers, each
   * with a request of its own and no request in flight, the post counts by tracker, and the data
   * pointer builder (the port's own, or PRPs/SGLs over the controller's DMA memory). A port without a
   * builder of its own is one the device reads commands and writes completions through host memory
   * (PCIe, the software controller): its trackers carry PRP/SGL pages and CID generations, and its
   * completions are checked beyond their CID.
   */
  private usePort(port: QueuePort): void {
    const hostMemory = port.dataPointer === undefined;
    this.port = port;
    this.trackers = new TrackerPool(port, this.dma, {
      count: port.depth - 1,
      pagesPerTracker: hostMemory ? this.settings.pagesPerTracker : 0,
      sglSupported: this.settings.sglSupported,
      cidGenerations: hostMemory,
    });
    this.inFlight = this.trackers.trackers.map(() => null);
    this.own = this.trackers.trackers.map(() => new Request(false));
    this.postedAt = new Int32Array(port.depth);
    this.dataPointer = port.dataPointer ?? new PrpSglBuilder(this.dma, this.settings.sglSupported);
    this.prpPageSize = hostMemory ? this.dma.pageSize : 0;
    this.checked = hostMemory;
  }

  private startOrWait(req: Request): void {
    if (this.state !== QueuePairState.Active || this.waiting.length > 0 || !this.start(req)) {
      this.waiting.push(req);
    }
  }

  private startWaiting(): void {
    while (this.waiting.length > 0 && this.state === QueuePairState.Active) {
      const req = this.waiting.shift()!;
      if (!this.start(req)) {
        this.waiting.unshift(req); // still first in line
        return;
      }
    }
  }

  /** Gives `req` a tracker and launches it; false when no tracker is free. */
  private start(req: Request): boolean {
    const index = this.trackers.acquireIndex();
    if (index < 0) return false;
    this.launch(req, index);
    return true;
  }

  /**
   * Posts `req`'s command on tracker `index` (acquired, or still held for a retry): its CID set, its
   * data pointer built by the transport; a build that fails ends the request instead.
   */
  private launch(req: Request, index: number): void {
    const cmd = req.cmd;
    cmd.cid = this.trackers.cidAt(index);
    const failed = this.dataPointer.build(cmd, req.payload, this.trackers.trackers[index]!);
    if (failed !== 0) {
      this.buildFailed(req, index, failed);
      return;
    }
    this.post(req, index);
  }

  /** Posts `req`'s command, built (CID and data pointer set), on tracker `index`, and rings or marks the doorbell. */
  private post(req: Request, index: number): void {
    const cmd = req.cmd;
    this.inFlight[index] = req;
    if (this.timeoutMs > 0 || req.timeoutMs > 0) req.submittedAt = performance.now();
    this.port.post(cmd.dw);
    this.posted = (this.posted + 1) | 0;
    this.postedAt[index] = this.posted;
    if (this.settings.delayDoorbell) this.unrung = true;
    else {
      this.port.ringSubmission();
      this.rung = this.posted;
    }
  }

  /** The data pointer of `req` could not be built (status code `failed`): frees tracker `index` and ends it. */
  private buildFailed(req: Request, index: number, failed: number): void {
    const cid = this.trackers.cidAt(index);
    this.inFlight[index] = null;
    this.trackers.releaseIndex(index);
    const status = encodeStatus(StatusCodeType.Generic, failed, { dnr: true });
    this.finish(req, status, 0, 0, this.port.qid << 16, cid);
  }

  /**
   * Posts `req` again, on the tracker `index` it holds, when its error `status` may go away on a retry
   * and it has retries left; whether it did. Only on an active queue pair: a callback earlier in the
   * same `processCompletions` may have closed it or started a reset, and a tracker's own request
   * cannot wait for the queue's return. Out of line, as every rare case of the per-I/O path: V8
   * inlines a call only while the caller's inlined bytecode stays within a budget, and each call left
   * costs about 60 instructions per I/O (BENCHMARKS.md, issue 17).
   */
  private retried(req: Request, index: number, status: number): boolean {
    if (this.state !== QueuePairState.Active || req.retries >= this.settings.retryCount) return false;
    if (!isRetryableStatus((status >> 8) & 7, status & 0xff, ((status >> 14) & 1) === 1)) return false;
    req.retries++;
    // PRPs and SGLs over host memory are as the first post left them (the tracker, its list pages and
    // the command's CID are the same); a port that builds its own data pointers builds it again.
    if (this.prpPageSize > 0) this.post(req, index);
    else this.launch(req, index);
    return true;
  }

  /**
   * Ends a request: a child reports to its parent; a top-level request calls back with a completion
   * made of `cdw0`, `cdw1`, `dw2` (SQ head and ID) and the CID and phase tag of `dw3` (bits 16:0),
   * with `status` as its status field (a split parent's is its first failed child's).
   */
  private finish(req: Request, status: number, cdw0: number, cdw1: number, dw2: number, dw3: number): void {
    if (req.parent !== null) {
      const parent = this.childFinished(req, status);
      if (parent === null) return;
      req = parent;
      status = parent.childStatus;
    }
    const cpl = this.cpl.dw;
    cpl[0] = cdw0;
    cpl[1] = cdw1;
    cpl[2] = dw2;
    cpl[3] = ((dw3 & 0x1ffff) | ((status & 0x7fff) << 17)) >>> 0;
    if (req.timeoutMs > 0) this.ownLimits--;
    if (req.owned !== null) this.freeOwned(req);
    const cb = req.cb as ((arg: unknown, cpl: Completion) => void) | null;
    const arg = req.cbArg;
    // Give the request back before calling out, so the callback can submit again at once.
    this.requests.give(req);
    this.outstanding--;
    if (cb !== null) cb(arg, this.cpl);
  }

  /** A split child ended with `status`: gives it back; its parent when that was the last child, else null. */
  private childFinished(child: Request, status: number): Request | null {
    const parent = child.parent!;
    if (status !== 0 && parent.childStatus === 0) parent.childStatus = status;
    this.requests.give(child);
    return --parent.childrenLeft > 0 ? null : parent;
  }

  /** Frees the DMA memory the core allocated for `req`, copying it back to the caller's buffer first if asked. */
  private freeOwned(req: Request): void {
    const owned = req.owned!;
    if (req.copyOut !== null) bounceOut(owned, req.copyOut);
    this.dma.free(owned);
  }

  private scanTimeouts(): void {
    const now = performance.now();
    if (now - this.lastTimeoutScan < TIMEOUT_SCAN_INTERVAL_MS) return;
    this.lastTimeoutScan = now;
    const registered = this.timeoutMs;
    for (let index = 0; index < this.inFlight.length; index++) {
      const req = this.inFlight[index] as Request | null;
      if (req === null || req.submittedAt === 0) continue;
      const cid = this.trackers.cidAt(index);
      // An AER waits for an event, not for the device: never timed (as SPDK).
      if (this.port.qid === 0 && req.cmd.opcode === AdminOpcode.AsyncEventRequest) continue;
      const age = now - req.submittedAt;
      if (registered > 0 && req.timeoutStage < TimeoutStage.StillOutstanding) {
        if (age >= registered * (req.timeoutStage + 1)) {
          req.timeoutStage++;
          this.onTimeout?.(this, cid, req.timeoutStage, false);
        }
      }
      const own = req.timeoutMs;
      if (own > 0 && req.ownTimeoutStage < TimeoutStage.StillOutstanding) {
        if (age >= own * (req.ownTimeoutStage + 1)) {
          req.ownTimeoutStage++;
          // The Promise it belongs to rejects with a timeout error whatever error ends it.
          const top = req.parent ?? req;
          if (top.cb === (settlePending as unknown)) (top.cbArg as Pending).expired = true;
          this.onTimeout?.(this, cid, req.ownTimeoutStage, true);
        }
      }
    }
  }
}
