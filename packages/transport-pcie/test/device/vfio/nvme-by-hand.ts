/**
 * A deliberately tiny NVMe admin driver for device tests of the PCI-device port: register
 * bring-up, one admin queue pair in DMA memory, commands posted by hand. It exists to prove the
 * VFIO layer (BAR, DMA, interrupts) without depending on the queue engine under development.
 * @module
 */
import type { DmaBuffer } from "@nvmekit/core";
import type { PciBar, PciDevice } from "@nvmekit/pci-port";

/** Register word indexes in BAR0 (byte offset / 4). */
export const Reg = { CAP_LO: 0, CAP_HI: 1, VS: 2, CC: 5, CSTS: 7, AQA: 9, ASQ: 10, ACQ: 12 } as const;

/** A completion: DW0 and the status field (0: success). */
export interface Completion {
  /** Command-specific DW0. */
  readonly dw0: number;
  /** 15-bit status (SCT/SC/...). */
  readonly status: number;
  /** Command identifier. */
  readonly cid: number;
}

/** One submission/completion queue pair. */
export class QueuePair {
  readonly #sq: Uint32Array;
  readonly #cq: Uint32Array;
  readonly #regs: Uint32Array;
  readonly #sqDoorbell: number;
  readonly #cqDoorbell: number;
  readonly #entries: number;
  #tail = 0;
  #head = 0;
  #phase = 1;
  #cid = 0;

  /** A queue pair of `entries` entries at `sq`/`cq`, doorbells of queue `qid` with stride `dstrd`. */
  constructor(bar: PciBar, qid: number, dstrd: number, sq: DmaBuffer, cq: DmaBuffer, entries: number) {
    this.#regs = bar.u32;
    this.#sq = new Uint32Array(sq.bytes.buffer, sq.bytes.byteOffset, entries * 16);
    this.#cq = new Uint32Array(cq.bytes.buffer, cq.bytes.byteOffset, entries * 4);
    const stride = (4 << dstrd) / 4;
    this.#sqDoorbell = 0x1000 / 4 + 2 * qid * stride;
    this.#cqDoorbell = 0x1000 / 4 + (2 * qid + 1) * stride;
    this.#entries = entries;
  }

  /** Writes a command (16 dwords; CID filled in) and rings the SQ doorbell with a plain store. */
  submit(dwords: readonly number[]): number {
    const cid = this.#cid++ & 0xffff;
    const base = this.#tail * 16;
    for (let i = 0; i < 16; i++) this.#sq[base + i] = dwords[i] ?? 0;
    this.#sq[base] = (this.#sq[base]! & 0xffff) | (cid << 16);
    this.#tail = (this.#tail + 1) % this.#entries;
    this.#regs[this.#sqDoorbell] = this.#tail;
    return cid;
  }

  /** The next completion if its phase bit says it is new (Atomics.load), else null. */
  poll(): Completion | null {
    const base = this.#head * 4;
    const dw3 = Atomics.load(this.#cq, base + 3);
    if (((dw3 >>> 16) & 1) !== this.#phase) return null;
    const completion = { dw0: this.#cq[base]!, status: dw3 >>> 17, cid: dw3 & 0xffff };
    this.#head = (this.#head + 1) % this.#entries;
    if (this.#head === 0) this.#phase ^= 1;
    this.#regs[this.#cqDoorbell] = this.#head;
    return completion;
  }

  /** Spins (yielding to the event loop) until a completion arrives or `timeoutMs` passes. */
  async next(timeoutMs = 5000): Promise<Completion> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = this.poll();
      if (c) return c;
      if (Date.now() > deadline) throw new Error("no completion in time");
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Polls `cond` (yielding) until true or `timeoutMs`; throws with `what` on timeout. */
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A controller brought up by hand over a {@link PciDevice}. */
export class HandDriver {
  /** The device. */
  readonly device: PciDevice;
  /** BAR0. */
  readonly bar: PciBar;
  /** The admin queue pair (after {@link enable}). */
  admin!: QueuePair;
  /** Doorbell stride exponent. */
  readonly dstrd: number;
  readonly #timeoutMs: number;

  /** Wraps `device`; reads CAP. */
  constructor(device: PciDevice) {
    this.device = device;
    const bar = device.bar(0);
    if (!bar) throw new Error("no BAR0");
    this.bar = bar;
    const capHi = bar.u32[Reg.CAP_HI]!;
    this.dstrd = capHi & 0xf;
    this.#timeoutMs = ((bar.u32[Reg.CAP_LO]! >>> 24) & 0xff) * 500 + 1000;
  }

  /** CC.EN = 0 and wait for CSTS.RDY = 0. */
  async disable(): Promise<void> {
    const regs = this.bar.u32;
    regs[Reg.CC] = 0;
    await until(() => (Atomics.load(regs, Reg.CSTS) & 1) === 0, this.#timeoutMs, "CSTS.RDY = 0");
  }

  /** Programs a 64-entry admin queue pair in fresh DMA memory, sets CC.EN and waits for CSTS.RDY. */
  async enable(entries = 64): Promise<void> {
    await this.disable();
    const regs = this.bar.u32;
    const sq = this.device.dma.alloc(entries * 64);
    const cq = this.device.dma.alloc(entries * 16);
    regs[Reg.AQA] = ((entries - 1) << 16) | (entries - 1);
    writeU64(regs, Reg.ASQ, sq.iova);
    writeU64(regs, Reg.ACQ, cq.iova);
    // IOCQES 4 (16 B), IOSQES 6 (64 B), MPS 0 (4 KiB), NVM command set, round robin, EN.
    regs[Reg.CC] = (4 << 20) | (6 << 16) | 1;
    await until(() => (Atomics.load(regs, Reg.CSTS) & 1) === 1, this.#timeoutMs, "CSTS.RDY = 1");
    this.admin = new QueuePair(this.bar, 0, this.dstrd, sq, cq, entries);
  }

  /** Identify Controller into a fresh 4 KiB buffer; returns the buffer. */
  async identifyController(): Promise<DmaBuffer> {
    const data = this.device.dma.alloc(4096);
    const cmd = new Array<number>(16).fill(0);
    cmd[0] = 0x06;
    cmd[6] = data.iova % 2 ** 32;
    cmd[7] = Math.floor(data.iova / 2 ** 32);
    cmd[10] = 1; // CNS 1: controller
    this.admin.submit(cmd);
    const c = await this.admin.next();
    if (c.status !== 0) throw new Error(`Identify failed: status 0x${c.status.toString(16)}`);
    return data;
  }

  /** An admin command with the given dwords; resolves its completion. */
  async adminCommand(dwords: readonly number[]): Promise<Completion> {
    this.admin.submit(dwords);
    return this.admin.next();
  }
}

/** Writes a 64-bit register as two 32-bit stores (low first). */
export function writeU64(regs: Uint32Array, index: number, value: number): void {
  regs[index] = value % 2 ** 32;
  regs[index + 1] = Math.floor(value / 2 ** 32);
}

/** The ASCII field at bytes [from, to) of an identify structure, trailing spaces removed. */
export function asciiField(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.subarray(from, to)).toString("latin1").trimEnd();
}
