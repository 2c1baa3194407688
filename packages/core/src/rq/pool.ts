/**
 * The request trackers of one queue (libvfn's per-SQ nvme_rq array and free stack): acquire/release,
 * tracker from completion, prep/exec, data pointer mapping and synchronous waits, with libvfn's
 * nvme_rq_* semantics.
 *
 * Ownership, as libvfn's: a tracker is the caller's from acquire to release; it is released once,
 * after its command's completion was taken off the queue (or the queue is gone), never while the
 * device may still use its PRP list pages. Whoever polls the queue consumes every completion on it
 * ({@link TrackerPool.spin}: a completion for another command is the caller's to dispatch, through
 * {@link TrackerPool.fromCqe}). In JavaScript a pool's tracker objects live in one thread, so the
 * `_atomic` variants (libvfn's lock-free compare-and-swap on the free stack, here with Atomics on
 * the same stack) behave as the plain ones; they are offered so libvfn code ports name for name, and
 * the two may be mixed on one pool.
 * @module
 */
import { mapPrp, mapvPrp, type PrpListPages } from "../dataptr/prp.js";
import { mapvSgl, SGL_DESCRIPTOR_SIZE, type SglSegment } from "../dataptr/sgl.js";
import type { DmaAllocator, DmaBuffer, IoVec } from "../dma/dma-memory.js";
import { InvalidArgumentError, NvmeTimeoutError, StateError } from "../errors/errors.js";
import type { NvmeCommand } from "../nvme-spec/command.js";
import type { Completion } from "../nvme-spec/completion.js";
import type { QueuePort } from "../transport/contract.js";
import { RequestTracker } from "./tracker.js";

/** Options of a {@link TrackerPool}. */
export interface TrackerPoolOptions {
  /** Number of trackers; default and maximum `port.depth - 1` (a full ring keeps one slot empty). */
  count?: number;
  /**
   * PRP list pages per tracker (default 1: 512 entries with 4 KiB pages, 2 MiB + 4 KiB per command).
   * More pages allow larger transfers through chained lists; 0 for a queue whose transport builds its
   * own data pointers (fabrics), which then need no list memory.
   */
  pagesPerTracker?: number;
  /** Whether the controller supports SGLs for this queue (Identify Controller SGLS); selects {@link TrackerPool.mapv}'s form. */
  sglSupported?: boolean;
  /**
   * Whether command identifiers carry a generation above the tracker index (default true), so that
   * {@link TrackerPool.fromCqe} rejects a stale or duplicate completion for a tracker in use again.
   * False for a transport that indexes its own per-command state by CID (fabrics ports do).
   */
  cidGenerations?: boolean;
}

const NONE = -1;
const MAX_CID_COUNT = 0x1_0000;
/** The CID a completion of all ones carries (a device that vanished): never issued. */
const ALL_ONES_CID = 0xffff;

/**
 * Request trackers of one queue pair, with an intrusive LIFO free stack over an Int32Array: no
 * allocation after construction. Every tracker's PRP list pages (and SGL segment) come from one DMA
 * buffer allocated here and freed by {@link TrackerPool.destroy}.
 *
 * {@link TrackerPool.spin} and {@link TrackerPool.wait} poll synchronously and block the event loop
 * while they do: use them only with queues whose completions arrive without the event loop's help
 * (PCIe, or a queue in a worker thread), e.g. during controller initialisation.
 */
export class TrackerPool {
  /** The queue the trackers issue commands on. */
  readonly port: QueuePort;
  /** Memory page size used for PRPs (the allocator's). */
  readonly pageSize: number;
  /** Whether {@link TrackerPool.mapv} builds SGLs rather than PRPs. */
  readonly sglSupported: boolean;
  /** Every tracker, indexed by cid. */
  readonly trackers: readonly RequestTracker[];

  private readonly dma: DmaAllocator;
  private memory: DmaBuffer | null;
  private readonly next: Int32Array; // free stack links by index
  private readonly busy: Uint8Array; // 1 while acquired
  private readonly cids: Uint16Array; // each tracker's command identifier (RequestTracker.cid)
  // The free stack's top, in an array so that the _atomic variants can compare-and-swap it.
  private readonly head = new Int32Array([NONE]);
  private closed = false;
  private acquired = 0;
  private readonly scratchCqe = new Uint32Array(4);
  /** Bits of the CID that hold the tracker index; the generation is above them. */
  private readonly indexBits: number;
  private readonly indexMask: number;

  /**
   * @param port the queue; the pool posts commands and polls completions through it
   * @param dma allocator for the trackers' PRP list pages
   * @throws InvalidArgumentError for a count outside 1..depth - 1 or a negative pagesPerTracker
   */
  constructor(port: QueuePort, dma: DmaAllocator, options: TrackerPoolOptions = {}) {
    const max = Math.min(port.depth - 1, MAX_CID_COUNT);
    const count = options.count ?? max;
    const perTracker = options.pagesPerTracker ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > max) {
      throw new InvalidArgumentError(
        "count",
        `must be 1..${max} for a queue of depth ${port.depth}, got ${count}`,
      );
    }
    if (!Number.isInteger(perTracker) || perTracker < 0) {
      throw new InvalidArgumentError("pagesPerTracker", `must be a non-negative integer, got ${perTracker}`);
    }
    this.port = port;
    this.dma = dma;
    this.pageSize = dma.pageSize;
    this.sglSupported = options.sglSupported ?? false;
    this.memory = perTracker === 0 ? null : dma.alloc(count * perTracker * this.pageSize, this.pageSize);
    // With generations, the index takes the fewest bits that hold it and the generation the rest.
    this.indexBits = options.cidGenerations === false ? 16 : Math.max(1, Math.ceil(Math.log2(count)));
    this.indexMask = (1 << this.indexBits) - 1;
    this.next = new Int32Array(count);
    this.busy = new Uint8Array(count);
    this.cids = new Uint16Array(count);
    for (let i = 0; i < count; i++) this.cids[i] = i;
    const trackers: RequestTracker[] = [];
    for (let i = 0; i < count; i++) trackers.push(this.makeTracker(i, perTracker));
    this.trackers = trackers;
    // Push in reverse so that the first acquire returns cid 0, as libvfn's initial stack does.
    for (let i = count - 1; i >= 0; i--) this.push(i);
  }

  private makeTracker(index: number, perTracker: number): RequestTracker {
    const pages: Uint32Array[] = [];
    const iovas: number[] = [];
    if (this.memory === null) {
      return new RequestTracker(
        index,
        { pages, iovas },
        { entries: new Uint32Array(0), iova: 0, capacity: 0 },
        this.cids,
      );
    }
    const { bytes, iova } = this.memory;
    for (let p = 0; p < perTracker; p++) {
      const offset = (index * perTracker + p) * this.pageSize;
      pages.push(new Uint32Array(bytes.buffer, bytes.byteOffset + offset, this.pageSize / 4));
      iovas.push(iova + offset);
    }
    const prp: PrpListPages = { pages, iovas };
    const sgl: SglSegment = {
      entries: pages[0]!,
      iova: iovas[0]!,
      capacity: this.pageSize / SGL_DESCRIPTOR_SIZE,
    };
    return new RequestTracker(index, prp, sgl, this.cids);
  }

  /** Number of trackers. */
  get count(): number {
    return this.trackers.length;
  }

  /** Number of trackers acquired and not yet released. */
  get inFlight(): number {
    return this.acquired;
  }

  /**
   * Takes a tracker off the free stack (the most recently released first), or returns null when all
   * are in use: back-pressure, submit again after completions. Its `cid` is the command identifier
   * {@link TrackerPool.prep} puts in the command (the index alone the first time; see {@link
   * RequestTracker.cid} for the generation added after each release).
   */
  acquire(): RequestTracker | null {
    const i = this.acquireIndex();
    return i === NONE ? null : this.trackers[i]!;
  }

  /**
   * @internal The queue-pair engine's {@link acquire}: the tracker's index, or -1 when all are in
   * use. Indexes keep the engine's per-I/O path free of tracker objects.
   */
  acquireIndex(): number {
    const i = this.head[0]!;
    if (i === NONE) return NONE;
    this.head[0] = this.next[i]!;
    this.taken(i);
    return i;
  }

  /**
   * @internal The queue-pair engine's {@link release}, by index.
   * @throws StateError when the tracker is not acquired
   */
  releaseIndex(index: number): void {
    if (this.busy[index] !== 1) throw notAcquired(this.trackers[index]!, "release");
    this.given(index);
    if (!this.closed) this.push(index);
  }

  /**
   * @internal The queue-pair engine's {@link fromCqe}: the index of the acquired tracker whose
   * current command identifier is `cid`, or -1.
   */
  indexOfCid(cid: number): number {
    const index = cid & this.indexMask;
    return index < this.cids.length && this.busy[index] === 1 && this.cids[index] === cid ? index : NONE;
  }

  /** @internal The command identifier of the tracker at `index` ({@link RequestTracker.cid}). */
  cidAt(index: number): number {
    return this.cids[index]!;
  }

  /** {@link acquire} by compare-and-swap on the free stack (nvme_rq_acquire_atomic); see the module's note. */
  acquireAtomic(): RequestTracker | null {
    for (;;) {
      const i = Atomics.load(this.head, 0);
      if (i === NONE) return null;
      if (Atomics.compareExchange(this.head, 0, i, Atomics.load(this.next, i)) === i) return this.taken(i);
    }
  }

  /**
   * Puts a tracker back on the free stack and clears its `opaque`.
   * @throws StateError when the tracker is not acquired from this pool (a double release)
   */
  release(rq: RequestTracker): void {
    this.requireAcquired(rq, "release");
    rq.clearUserFields();
    this.releaseIndex(rq.index);
  }

  /** {@link release} by compare-and-swap on the free stack (nvme_rq_release_atomic); see the module's note. */
  releaseAtomic(rq: RequestTracker): void {
    this.requireAcquired(rq, "release");
    rq.clearUserFields();
    this.given(rq.index);
    if (this.closed) return;
    const index = rq.index;
    for (;;) {
      const top = Atomics.load(this.head, 0);
      Atomics.store(this.next, index, top);
      if (Atomics.compareExchange(this.head, 0, top, index) === top) return;
    }
  }

  private taken(i: number): RequestTracker {
    this.busy[i] = 1;
    this.acquired++;
    return this.trackers[i]!;
  }

  private given(index: number): void {
    this.busy[index] = 0;
    this.acquired--;
    if (this.indexBits < 16) {
      // Next generation (integer arithmetic only); the all-ones CID is skipped.
      const cid = (this.cids[index]! + (1 << this.indexBits)) & 0xffff;
      this.cids[index] = cid === ALL_ONES_CID ? index : cid;
    }
  }

  /**
   * The acquired tracker whose command the completion is for, or null when its CID names no command
   * this pool has out: a stale completion (of an earlier command with a tracker now reused: its
   * generation differs), a duplicate, or a corrupted one. Accepts a Completion or its four dwords.
   */
  fromCqe(cqe: Completion | Uint32Array): RequestTracker | null {
    const dw = cqe instanceof Uint32Array ? cqe : cqe.dw;
    const index = this.indexOfCid(dw[3]! & 0xffff);
    return index === NONE ? null : this.trackers[index]!;
  }

  /** Associates `cmd` with `rq` by setting its command identifier. */
  prep(rq: RequestTracker, cmd: NvmeCommand): void {
    cmd.cid = rq.cid;
  }

  /**
   * Prepares `cmd`, posts it on the queue and rings the submission doorbell (nvme_rq_exec). `cmd` is
   * copied into the ring: it may be reused at once; the data pointer's memory may not, until the
   * completion is taken.
   * @throws StateError when `rq` is not acquired, or the pool is closed (its queue is gone)
   */
  exec(rq: RequestTracker, cmd: NvmeCommand): void {
    this.requireAcquired(rq, "exec");
    if (this.closed) {
      throw new StateError(
        `queue ${this.port.qid} is gone (controller reset, failed or removed): nothing posted`,
      );
    }
    this.prep(rq, cmd);
    this.port.post(cmd.dw);
    this.port.ringSubmission();
  }

  /** Sets PRPs in `cmd` for `length` bytes contiguous from `iova`, using `rq`'s list pages. See {@link mapPrp}. */
  mapPrp(rq: RequestTracker, cmd: NvmeCommand, iova: number, length: number): void {
    mapPrp(cmd, iova, length, this.pageSize, rq.prpPages);
  }

  /** Sets PRPs in `cmd` for the first `niov` elements of `iov`, using `rq`'s list pages. See {@link mapvPrp}. */
  mapvPrp(rq: RequestTracker, cmd: NvmeCommand, iov: readonly IoVec[], niov: number): void {
    mapvPrp(cmd, iov, niov, this.pageSize, rq.prpPages);
  }

  /** Sets an SGL in `cmd` for the first `niov` elements of `iov`, using `rq`'s segment. See {@link mapvSgl}. */
  mapvSgl(rq: RequestTracker, cmd: NvmeCommand, iov: readonly IoVec[], niov: number): void {
    mapvSgl(cmd, iov, niov, rq.sglSegment);
  }

  /** Maps `iov` as an SGL when the controller supports SGLs, else as PRPs. */
  mapv(rq: RequestTracker, cmd: NvmeCommand, iov: readonly IoVec[], niov: number): void {
    if (this.sglSupported) mapvSgl(cmd, iov, niov, rq.sglSegment);
    else mapvPrp(cmd, iov, niov, this.pageSize, rq.prpPages);
  }

  /**
   * Busy-polls until the queue yields a completion, consumes it (rings the completion doorbell) and
   * copies it into `cqeOut` when given. Returns true when it is `rq`'s, false when it belongs to another
   * command (libvfn's EAGAIN): that completion is consumed all the same, so dispatch it from `cqeOut`
   * with {@link TrackerPool.fromCqe}. Spins forever if no completion ever comes; prefer
   * {@link TrackerPool.wait}.
   */
  spin(rq: RequestTracker, cqeOut?: Completion | Uint32Array): boolean {
    const out = this.outDwords(cqeOut);
    while (!this.port.poll(out)) {
      // busy-wait: the controller writes the completion by DMA
    }
    return this.consumed(rq, out);
  }

  /**
   * Takes the next completion off the queue if one has arrived: copies it into `cqeOut`, consumes
   * it (rings the completion doorbell) and returns true; false when there is none. Never blocks, so
   * an application can wait in the event loop where {@link TrackerPool.spin} would block it; dispatch
   * the completion with {@link TrackerPool.fromCqe}.
   */
  reap(cqeOut: Completion | Uint32Array): boolean {
    const out = this.outDwords(cqeOut);
    if (!this.port.poll(out)) return false;
    this.port.ringCompletion();
    return true;
  }

  /**
   * Like {@link TrackerPool.spin}, but gives up after `timeoutMs` milliseconds.
   * @throws NvmeTimeoutError when no completion arrived in time (nothing was consumed)
   */
  wait(rq: RequestTracker, cqeOut: Completion | Uint32Array | undefined, timeoutMs: number): boolean {
    const out = this.outDwords(cqeOut);
    const deadline = performance.now() + timeoutMs;
    while (!this.port.poll(out)) {
      if (performance.now() >= deadline) {
        throw new NvmeTimeoutError(
          `no completion on queue ${this.port.qid} within ${timeoutMs} ms while waiting for cid ${rq.cid}`,
        );
      }
    }
    return this.consumed(rq, out);
  }

  /**
   * The queue is gone or going (a controller reset, failure or removal): acquire returns null and
   * exec throws from now on. Trackers still out stay usable for {@link TrackerPool.fromCqe} and
   * release; their list pages stay allocated until {@link TrackerPool.destroy}.
   */
  close(): void {
    this.closed = true;
    this.head[0] = NONE;
  }

  /**
   * Closes the pool and frees the trackers' DMA memory; call it only once the device can no longer
   * use it (the queue deleted or the controller disabled).
   */
  destroy(): void {
    this.close();
    if (this.memory !== null) this.dma.free(this.memory);
    this.memory = null;
  }

  private outDwords(cqeOut: Completion | Uint32Array | undefined): Uint32Array {
    if (cqeOut === undefined) return this.scratchCqe;
    return cqeOut instanceof Uint32Array ? cqeOut : cqeOut.dw;
  }

  private consumed(rq: RequestTracker, cqe: Uint32Array): boolean {
    this.port.ringCompletion();
    return (cqe[3]! & 0xffff) === rq.cid;
  }

  private push(index: number): void {
    this.next[index] = this.head[0]!;
    this.head[0] = index;
  }

  private requireAcquired(rq: RequestTracker, what: string): void {
    if (this.trackers[rq.index] !== rq || this.busy[rq.index] !== 1) throw notAcquired(rq, what);
  }
}

/** The error of a tracker used without being acquired (its message built out of the per-I/O path). */
function notAcquired(rq: RequestTracker, what: string): StateError {
  return new StateError(`${what}: tracker cid ${rq.cid} is not acquired from this pool; acquire() it first`);
}
