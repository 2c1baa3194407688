/**
 * The controller's side of the queue rings: a submission queue it fetches 64-byte entries from and a
 * completion queue it posts 16-byte entries to, both in host DMA memory at the addresses the host
 * programmed (ASQ/ACQ, or PRP1 of Create I/O SQ/CQ), with head/tail pointers and the phase tag.
 * @module
 */
import { writeCqe } from "./sqe.js";

/** A completion waiting for room in a full completion queue. */
interface Waiting {
  dw0: number;
  sqid: number;
  sqHead: number;
  cid: number;
  status: number;
  dw1: number;
}

/** A completion queue as the controller drives it. */
export class DeviceCq {
  /** Tail: the slot the next completion goes to. */
  tail = 0;
  /** Head as last written by the host to the CQ head doorbell. */
  head = 0;
  /** Phase tag the controller writes on this pass through the ring; inverts at every wrap. */
  phase = 1;
  /** Completions produced while the ring was full, posted as the host frees slots. */
  private readonly waiting: Waiting[] = [];
  /** The submission queues completing here, by QID: a waiting completion reports the head as it is when posted. */
  readonly sqs = new Map<number, DeviceSq>();
  /** Ring entries as dwords; views the host's DMA memory (chaos mode rewrites entries it posted). */
  readonly ring: Uint32Array;

  /**
   * @param qid queue identifier
   * @param size entries in the ring
   * @param base IOVA of the ring (for reports)
   * @param bytes the ring's host memory, `size * 16` bytes
   * @param vector MSI-X vector raised after each posted entry, or -1 (interrupts disabled)
   * @param raise how to raise it
   */
  constructor(
    readonly qid: number,
    readonly size: number,
    readonly base: number,
    bytes: Uint8Array,
    readonly vector = -1,
    private readonly raise?: (vector: number) => void,
  ) {
    this.ring = new Uint32Array(bytes.buffer, bytes.byteOffset, size * 4);
  }

  /** Completions waiting for room. */
  get backlog(): number {
    return this.waiting.length;
  }

  /**
   * Posts a completion (`dw1`: command specific DW1, e.g. a Zone Append's LBA high half), or queues it
   * while the ring is full (a full ring holds size - 1 entries).
   */
  post(dw0: number, sqid: number, sqHead: number, cid: number, status: number, dw1 = 0): void {
    if (this.waiting.length > 0 || (this.tail + 1) % this.size === this.head) {
      this.waiting.push({ dw0, sqid, sqHead, cid, status, dw1 });
      return;
    }
    this.write(dw0, sqid, sqHead, cid, status, dw1);
  }

  /** The host consumed entries up to `head`: post what was waiting for room. */
  setHead(head: number): void {
    this.head = head;
    while (this.waiting.length > 0 && (this.tail + 1) % this.size !== this.head) {
      const w = this.waiting.shift()!;
      this.write(w.dw0, w.sqid, this.sqs.get(w.sqid)?.head ?? w.sqHead, w.cid, w.status, w.dw1);
    }
  }

  private write(dw0: number, sqid: number, sqHead: number, cid: number, status: number, dw1: number): void {
    writeCqe(this.ring, this.tail * 4, dw0, sqHead, sqid, cid, this.phase, status, dw1);
    this.tail++;
    if (this.tail === this.size) {
      this.tail = 0;
      this.phase ^= 1;
    }
    if (this.vector >= 0) this.raise?.(this.vector);
  }
}

/** A submission queue as the controller drives it. */
export class DeviceSq {
  /** Head: the next entry the controller fetches. */
  head = 0;
  /** Tail as last written by the host to the SQ tail doorbell. */
  tail = 0;
  // Ring entries as dwords; views the host's DMA memory.
  private readonly ring: Uint32Array;

  /**
   * @param qid queue identifier
   * @param size entries in the ring
   * @param base IOVA of the ring (for reports)
   * @param bytes the ring's host memory, `size * 64` bytes
   * @param cq the completion queue its commands complete to
   * @param priority QPRIO from Create I/O SQ (0 for the admin queue)
   */
  constructor(
    readonly qid: number,
    readonly size: number,
    readonly base: number,
    bytes: Uint8Array,
    readonly cq: DeviceCq,
    readonly priority: number,
  ) {
    this.ring = new Uint32Array(bytes.buffer, bytes.byteOffset, size * 16);
    cq.sqs.set(qid, this);
  }

  /** Fetches the entry at the head into `out` and advances the head; false when the queue is empty. */
  fetch(out: Uint32Array): boolean {
    if (this.head === this.tail) return false;
    out.set(this.ring.subarray(this.head * 16, this.head * 16 + 16));
    this.head = (this.head + 1) % this.size;
    return true;
  }
}
