/**
 * A minimal hand-written host for the soft controller's tests: plain 32-bit stores and loads on BAR0,
 * queues laid out by hand in the device's DMA memory, completions found by the phase tag. No core
 * or PCIe engine code is involved, so these tests check the device alone.
 * @module
 */
import type { DmaBuffer } from "@nvmekit/core";
import type { SoftPciDevice } from "../../src/index.js";

/** A completion: DW0, the 15-bit status, the CID and the SQ head it reports. */
export interface RawCompletion {
  /** Command specific DW0. */
  dw0: number;
  /** Status field (DW3 bits 31:17). */
  status: number;
  /** Command identifier. */
  cid: number;
  /** SQ head pointer. */
  sqHead: number;
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Puts a 64-bit address into dwords `lo`, `lo + 1`. */
export function putAddr(dw: Uint32Array, lo: number, iova: number): void {
  dw[lo] = (iova % 0x1_0000_0000) >>> 0;
  dw[lo + 1] = Math.floor(iova / 0x1_0000_0000);
}

/** One queue pair laid out in DMA memory. */
export class RawQueue {
  private tail = 0;
  private head = 0;
  private phase = 1;
  private nextCid = 1;
  private readonly sqRing: Uint32Array;
  private readonly cqRing: Uint32Array;

  /**
   * @param bar BAR0 words  @param qid queue id  @param depth entries
   * @param sq the SQ ring  @param cq the CQ ring
   */
  constructor(
    private readonly bar: Uint32Array,
    readonly qid: number,
    readonly depth: number,
    readonly sq: DmaBuffer,
    readonly cq: DmaBuffer,
  ) {
    this.sqRing = new Uint32Array(sq.bytes.buffer, sq.bytes.byteOffset, depth * 16);
    this.cqRing = new Uint32Array(cq.bytes.buffer, cq.bytes.byteOffset, depth * 4);
  }

  /** Writes the entry (CID filled in) and rings the SQ tail doorbell with a plain store; returns the CID. */
  submit(dw: Uint32Array): number {
    const cid = this.nextCid++ & 0xffff;
    dw[0] = ((dw[0]! & 0xffff) | (cid << 16)) >>> 0;
    this.sqRing.set(dw, this.tail * 16);
    this.tail = (this.tail + 1) % this.depth;
    this.bar[(0x1000 + 8 * this.qid) / 4] = this.tail;
    return cid;
  }

  /** The next completion if its phase tag says it is new (then the CQ head doorbell is rung). */
  poll(): RawCompletion | undefined {
    const at = this.head * 4;
    const dw3 = Atomics.load(this.cqRing, at + 3);
    if (((dw3 >>> 16) & 1) !== this.phase) return undefined;
    const c = {
      dw0: this.cqRing[at]!,
      sqHead: this.cqRing[at + 2]! & 0xffff,
      cid: dw3 & 0xffff,
      status: dw3 >>> 17,
    };
    this.head = (this.head + 1) % this.depth;
    if (this.head === 0) this.phase ^= 1;
    this.bar[(0x1000 + 8 * this.qid + 4) / 4] = this.head;
    return c;
  }

  /** Waits for the next completion, yielding to the event loop between looks; throws after `timeoutMs`. */
  async completion(timeoutMs = 2000): Promise<RawCompletion> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const c = this.poll();
      if (c !== undefined) return c;
      if (Date.now() > end) throw new Error(`queue ${this.qid}: no completion within ${timeoutMs} ms`);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Submits and waits for the completion. */
  async run(dw: Uint32Array): Promise<RawCompletion> {
    this.submit(dw);
    return this.completion();
  }
}

/** Register access and bring-up by hand. */
export class RawHost {
  /** BAR0 as words. */
  readonly bar: Uint32Array;

  /** @param device the device driven */
  constructor(readonly device: SoftPciDevice) {
    this.bar = device.bar(0)!.u32;
  }

  /** CAP as a bigint, read as two dwords, low first. */
  cap(): bigint {
    const lo = this.bar[0]!;
    return (BigInt(this.bar[1]!) << 32n) | BigInt(lo);
  }

  /** Stores a 64-bit register as two dwords, low first. */
  write64(offset: number, value: number): void {
    this.bar[offset / 4] = (value % 0x1_0000_0000) >>> 0;
    this.bar[offset / 4 + 1] = Math.floor(value / 0x1_0000_0000);
  }

  /** Polls CSTS until `(csts & mask) === want`; returns CSTS. */
  async waitCsts(mask: number, want: number, timeoutMs = 2000): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const csts = this.bar[0x1c / 4]!;
      if ((csts & mask) === want) return csts;
      if (Date.now() > end)
        throw new Error(`CSTS 0x${csts.toString(16)} never matched 0x${want.toString(16)}`);
      await sleep(1);
    }
  }

  /** Lays out the admin queue, programs AQA/ASQ/ACQ and CC.EN, and waits for CSTS.RDY. */
  async enable(depth = 16): Promise<RawQueue> {
    const dma = this.device.dma;
    const admin = new RawQueue(this.bar, 0, depth, dma.alloc(depth * 64), dma.alloc(depth * 16));
    this.bar[0x24 / 4] = ((depth - 1) << 16) | (depth - 1); // AQA: ACQS 27:16, ASQS 11:0
    this.write64(0x28, admin.sq.iova); // ASQ
    this.write64(0x30, admin.cq.iova); // ACQ
    this.bar[0x14 / 4] = 1 | (6 << 16) | (4 << 20); // CC: EN, IOSQES 6, IOCQES 4
    await this.waitCsts(1, 1);
    return admin;
  }

  /** Creates I/O CQ and SQ `qid` through `admin`; the CQ interrupts on `vector` when given. */
  async createQueuePair(admin: RawQueue, qid: number, depth: number, vector?: number): Promise<RawQueue> {
    const dma = this.device.dma;
    const q = new RawQueue(this.bar, qid, depth, dma.alloc(depth * 64), dma.alloc(depth * 16));
    const cq = new Uint32Array(16);
    cq[0] = 0x05;
    putAddr(cq, 6, q.cq.iova);
    cq[10] = ((depth - 1) << 16) | qid;
    cq[11] = vector === undefined ? 1 : ((vector << 16) | 0b11) >>> 0; // IV 31:16, IEN 1, PC 0
    const c1 = await admin.run(cq);
    if (c1.status !== 0) throw new Error(`Create I/O CQ: status 0x${c1.status.toString(16)}`);
    const sq = new Uint32Array(16);
    sq[0] = 0x01;
    putAddr(sq, 6, q.sq.iova);
    sq[10] = ((depth - 1) << 16) | qid;
    sq[11] = ((qid << 16) | 1) >>> 0; // CQID 31:16, PC
    const c2 = await admin.run(sq);
    if (c2.status !== 0) throw new Error(`Create I/O SQ: status 0x${c2.status.toString(16)}`);
    return q;
  }
}

/** A read (0x02) or write (0x01) of `nlb` blocks at `slba` of `nsid` through PRP1/PRP2. */
export function rw(
  opcode: number,
  nsid: number,
  slba: number,
  nlb: number,
  prp1: number,
  prp2 = 0,
): Uint32Array {
  const dw = new Uint32Array(16);
  dw[0] = opcode;
  dw[1] = nsid;
  putAddr(dw, 6, prp1);
  putAddr(dw, 8, prp2);
  dw[10] = slba;
  dw[12] = nlb - 1;
  return dw;
}
