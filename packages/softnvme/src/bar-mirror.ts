/**
 * The worker side of BAR0: the host's engine writes registers and doorbells into shared memory with
 * plain stores, so the controller finds those writes by comparing each writable word with the value
 * it last saw, and feeds the changes to the model in the order a device would have received them. It
 * publishes what the host reads (CAP, VS, CSTS) and reads all ones once the device is removed.
 * @module
 */
import type { SoftController } from "./controller.js";
import { Reg } from "./nvme-raw.js";

/** Size of BAR0: registers, then doorbells from 0x1000 (16 KiB: 1536 queue pairs at stride 4). */
export const BAR0_SIZE = 16 * 1024;

// Word indices (BAR offset / 4).
const CC = Reg.CC / 4;
const DOORBELLS = Reg.DOORBELLS / 4;
// Host-writable registers other than CC; CC is fed to the model after them (see poll).
const CONFIG = [Reg.INTMS, Reg.INTMC, Reg.NSSR, Reg.AQA, Reg.ASQ, Reg.ASQ + 4, Reg.ACQ, Reg.ACQ + 4].map(
  (r) => r / 4,
);
// Registers only the controller writes; republished when the host scribbles on them.
const READ_ONLY = [Reg.CAP, Reg.CAP + 4, Reg.VS, Reg.CSTS, Reg.CMBLOC, Reg.CMBSZ].map((r) => r / 4);

/** Watches a shared BAR0 for one controller model. */
export class BarMirror {
  private readonly seen: Uint32Array;
  // Doorbell words watched: queue pairs 0 (admin) ..maxQueues.
  private readonly doorbellWords: number;

  /**
   * @param bar BAR0 as 32-bit words, shared with the host
   * @param model the controller model fed with what the host writes
   * @param maxQueues highest I/O queue identifier whose doorbells are watched
   */
  constructor(
    private readonly bar: Uint32Array,
    private readonly model: SoftController,
    maxQueues: number,
  ) {
    this.seen = new Uint32Array(bar.length);
    this.doorbellWords = Math.min(2 * (maxQueues + 1), bar.length - DOORBELLS);
    model.signals.queueCreated = (qid, sq) => this.restartDoorbell(DOORBELLS + 2 * qid + (sq ? 0 : 1));
    model.signals.queuesReset = () => {
      for (let i = 0; i < this.doorbellWords; i++) this.restartDoorbell(DOORBELLS + i);
    };
    // The host's view starts as the model's power-on state.
    for (const w of [CC, ...CONFIG]) this.bar[w] = this.seen[w] = model.read32(w * 4);
    this.publish();
  }

  /** Finds the host's new writes and feeds them to the model; true when there were any. */
  poll(): boolean {
    if (this.model.isRemoved) return false;
    let work = false;
    // CC first with a synchronising load: everything the host stored before CC (AQA, ASQ, ACQ) is
    // then visible, and those writes reach the model before CC.EN does.
    const cc = Atomics.load(this.bar, CC);
    for (const w of CONFIG) {
      const v = this.bar[w]!;
      if (v !== this.seen[w]) {
        this.seen[w] = v;
        this.model.write32(w * 4, v);
        work = true;
      }
    }
    if (cc !== this.seen[CC]) {
      this.seen[CC] = cc;
      this.model.write32(Reg.CC, cc);
      work = true;
    }
    // Completion heads before submission tails: room freed in a CQ is there for the new commands.
    for (let pass = 1; pass >= 0; pass--) {
      for (let i = pass; i < this.doorbellWords; i += 2) {
        const w = DOORBELLS + i;
        const v = Atomics.load(this.bar, w);
        if (v !== this.seen[w]) {
          this.seen[w] = v;
          this.model.writeDoorbell(w * 4, v);
          work = true;
        }
      }
    }
    this.publish();
    return work;
  }

  /** Function-level reset seen from the BAR: the host-writable registers back to the model's values. */
  resetRegisters(): void {
    for (const w of [CC, ...CONFIG]) this.bar[w] = this.seen[w] = this.model.read32(w * 4);
    for (let i = 0; i < this.doorbellWords; i++) this.restartDoorbell(DOORBELLS + i);
    this.publish();
  }

  /** A removed device: every word reads all ones (called again from time to time: the host may write). */
  showRemoved(): void {
    this.bar.fill(0xffff_ffff);
  }

  // Read-only registers as the model has them now.
  private publish(): void {
    for (const w of READ_ONLY) {
      const v = this.model.read32(w * 4);
      if (this.bar[w] !== v) this.bar[w] = v;
    }
  }

  // A new queue's doorbell starts from 0; zero the word so the host's first write is a change.
  private restartDoorbell(word: number): void {
    if (word >= this.bar.length) return;
    this.bar[word] = 0;
    this.seen[word] = 0;
  }
}
