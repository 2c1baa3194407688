/**
 * One PCIe submission/completion queue pair: the rings live in memory the controller reaches (DMA
 * memory, or the controller memory buffer for submission queues), the doorbells in BAR0.
 *
 * The per-I/O path is here. A command is copied into the SQ ring with typed-array stores and the
 * doorbell is rung with a plain 32-bit store: Atomics.store would compile to a locked `xchg`, a bus
 * lock on a PCIe BAR; x86 keeps a plain store ordered after the ring's stores, as C drivers rely on.
 * Completions are found by the phase tag, read with Atomics.load so every poll really reads memory;
 * the rest of an entry is read plainly once its phase says it is new. No FFI call, allocation or
 * closure happens per command.
 * @module
 */
import type { QueuePort } from "@nvmekit/core/transport";
import type { InterruptVector } from "@nvmekit/pci-port";
import { passesEventIdx, type ShadowDoorbellViews, shadowIndex } from "./shadow-doorbells.js";

/** Where a queue's rings are and how to reach its doorbells. */
export interface QueueRings {
  /** Queue identifier. */
  qid: number;
  /** Entries per ring. */
  depth: number;
  /** The submission ring as dwords (16 per entry). */
  sq: Uint32Array;
  /** The completion ring as dwords (4 per entry). */
  cq: Uint32Array;
  /** BAR0 as dwords. */
  bar: Uint32Array;
  /** Doorbell stride exponent, CAP.DSTRD. */
  dstrd: number;
  /** The MSI-X vector the completion queue raises, when it was created with interrupts enabled. */
  interrupt?: InterruptVector;
  /** The controller's shadow doorbell pages, when Doorbell Buffer Config enabled them. */
  shadow?: ShadowDoorbellViews;
}

/** Index into BAR0's dwords of a queue's doorbell register, which start at 0x1000. */
export function doorbellIndex(qid: number, completion: boolean, dstrd: number): number {
  return (0x1000 >>> 2) + shadowIndex(qid, completion, dstrd);
}

/** A PCIe queue pair's rings and doorbells. */
export class PcieQueuePort implements QueuePort {
  /** Queue identifier. */
  readonly qid: number;
  /** Entries per ring. */
  readonly depth: number;
  /** Where the rings and doorbells are (what a worker thread needs to drive this queue instead). */
  readonly rings: QueueRings;
  private readonly sq: Uint32Array;
  private readonly cq: Uint32Array;
  private readonly bar: Uint32Array;
  private readonly sqDoorbell: number;
  private readonly cqDoorbell: number;
  private readonly shadow: Uint32Array | null;
  private readonly eventIdx: Uint32Array | null;
  private readonly sqShadow: number;
  private readonly cqShadow: number;
  private sqTail = 0;
  private cqHead = 0;
  private phase = 1;
  /** The SQ tail and CQ head the controller was last told of (shadow or register). */
  private sqPublished = 0;
  private cqPublished = 0;
  private registerWrites = 0;

  /**
   * @param rings the queue's rings and BAR
   * @param onRelease frees the rings' memory once the controller has forgotten the queue
   */
  constructor(
    rings: QueueRings,
    private readonly onRelease: () => Promise<void>,
  ) {
    this.qid = rings.qid;
    this.depth = rings.depth;
    this.rings = rings;
    this.sq = rings.sq;
    this.cq = rings.cq;
    this.bar = rings.bar;
    this.sqDoorbell = doorbellIndex(rings.qid, false, rings.dstrd);
    this.cqDoorbell = doorbellIndex(rings.qid, true, rings.dstrd);
    this.shadow = rings.shadow?.doorbells ?? null;
    this.eventIdx = rings.shadow?.eventIdx ?? null;
    this.sqShadow = shadowIndex(rings.qid, false, rings.dstrd);
    this.cqShadow = shadowIndex(rings.qid, true, rings.dstrd);
    const vector = rings.interrupt;
    if (vector !== undefined) this.waitForInterrupt = (ms) => vector.wait(ms);
  }

  /** Sleeps on the queue's MSI-X vector; absent when the queue was created without interrupts. */
  waitForInterrupt?: (timeoutMs: number) => Promise<boolean>;

  /**
   * Copies a 64-byte command into the next SQ slot. Sixteen plain stores rather than `sq.set()`:
   * for 64 bytes, the builtin call costs more than the copy it does.
   */
  post(cmd: Uint32Array): void {
    const sq = this.sq;
    const at = this.sqTail << 4;
    sq[at] = cmd[0]!;
    sq[at + 1] = cmd[1]!;
    sq[at + 2] = cmd[2]!;
    sq[at + 3] = cmd[3]!;
    sq[at + 4] = cmd[4]!;
    sq[at + 5] = cmd[5]!;
    sq[at + 6] = cmd[6]!;
    sq[at + 7] = cmd[7]!;
    sq[at + 8] = cmd[8]!;
    sq[at + 9] = cmd[9]!;
    sq[at + 10] = cmd[10]!;
    sq[at + 11] = cmd[11]!;
    sq[at + 12] = cmd[12]!;
    sq[at + 13] = cmd[13]!;
    sq[at + 14] = cmd[14]!;
    sq[at + 15] = cmd[15]!;
    this.sqTail = this.sqTail + 1 === this.depth ? 0 : this.sqTail + 1;
  }

  /** Doorbell register writes so far: each one is a trap into an emulated controller. */
  get doorbellRegisterWrites(): number {
    return this.registerWrites;
  }

  /** Publishes the SQ tail: to the shadow page, and to the register when the controller asks or has no shadow. */
  ringSubmission(): void {
    const tail = this.sqTail;
    if (this.mustWriteRegister(this.sqShadow, tail, this.sqPublished)) {
      this.bar[this.sqDoorbell] = tail;
      this.registerWrites++;
    }
    this.sqPublished = tail;
  }

  /** Copies the completion at the CQ head into `out` when its phase tag says it is new. */
  poll(out: Uint32Array): boolean {
    const base = this.cqHead << 2;
    const dw3 = Atomics.load(this.cq, base + 3);
    if (((dw3 >>> 16) & 1) !== this.phase) return false;
    out[0] = this.cq[base]!;
    out[1] = this.cq[base + 1]!;
    out[2] = this.cq[base + 2]!;
    out[3] = dw3;
    if (++this.cqHead === this.depth) {
      this.cqHead = 0;
      this.phase ^= 1;
    }
    return true;
  }

  /**
   * Back to the rings' first slots and phase 1, as a new queue starts: after a controller reset, in
   * the worker thread that drives this queue, before the controller's thread creates it again.
   */
  restart(): void {
    this.sqTail = 0;
    this.cqHead = 0;
    this.phase = 1;
    this.sqPublished = 0;
    this.cqPublished = 0;
  }

  /** Publishes the CQ head, like {@link PcieQueuePort.ringSubmission}. */
  ringCompletion(): void {
    const head = this.cqHead;
    if (this.mustWriteRegister(this.cqShadow, head, this.cqPublished)) {
      this.bar[this.cqDoorbell] = head;
      this.registerWrites++;
    }
    this.cqPublished = head;
  }

  /**
   * With shadow doorbells: stores `now` in the shadow page, then reads the EventIdx. The store is
   * Atomics.store (a full barrier, on ordinary memory) so that the read cannot pass it: otherwise the
   * controller could miss the update and the host the request to ring.
   */
  private mustWriteRegister(index: number, now: number, old: number): boolean {
    const shadow = this.shadow;
    if (shadow === null) return true;
    Atomics.store(shadow, index, now);
    return passesEventIdx(Atomics.load(this.eventIdx!, index), now, old, this.depth);
  }

  /** Frees the rings. */
  release(): Promise<void> {
    return this.onRelease();
  }
}
