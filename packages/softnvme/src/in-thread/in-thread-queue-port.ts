/**
 * The host side of one in-thread queue pair: a {@link QueuePort} that writes submission entries into its SQ
 * ring in DMA memory, rings the controller's doorbells, and finds completions in its CQ ring by the
 * phase tag, as a PCIe queue engine does.
 * @module
 */
import type { DmaBuffer } from "@nvmekit/core";
import type { QueuePort } from "@nvmekit/core/transport";
import type { DmaArena } from "../dma-arena.js";
import { Reg } from "../nvme-raw.js";
import type { InThreadController } from "./in-thread-controller.js";

/** A queue pair's rings in DMA memory, as the host sees them. */
export interface QueueRings {
  /** Submission ring: `depth` 64-byte entries. */
  readonly sq: DmaBuffer;
  /** Completion ring: `depth` 16-byte entries. */
  readonly cq: DmaBuffer;
}

/** Host side of an in-thread queue pair; allocation-free on post/ring/poll. */
export class InThreadQueuePort implements QueuePort {
  private readonly sqRing: Uint32Array;
  private readonly cqRing: Uint32Array;
  private sqTail = 0;
  // Controller's SQ head as last reported in a completion (DW2 bits 15:0): how far the ring has drained.
  private sqHead = 0;
  private cqHead = 0;
  private phase = 1;
  private released = false;

  /**
   * @param qid queue identifier (0: admin)
   * @param depth entries per ring
   * @param rings the rings' DMA memory
   * @param controller the controller whose doorbells this port rings
   * @param arena where the rings were allocated (freed by {@link release})
   * @param onRelease called once the port is released
   */
  constructor(
    readonly qid: number,
    readonly depth: number,
    readonly rings: QueueRings,
    private readonly controller: InThreadController,
    private readonly arena: DmaArena,
    private readonly onRelease?: () => void,
  ) {
    this.sqRing = new Uint32Array(rings.sq.bytes.buffer, rings.sq.bytes.byteOffset, depth * 16);
    this.cqRing = new Uint32Array(rings.cq.bytes.buffer, rings.cq.bytes.byteOffset, depth * 4);
  }

  /** Whether {@link release} has run. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Copies one command into the next SQ slot; throws if the core overfills the ring. */
  post(cmd: Uint32Array): void {
    const next = (this.sqTail + 1) % this.depth;
    if (next === this.sqHead) {
      // The contract says the core never posts more than depth - 1 commands at once.
      throw new Error(
        `in-thread queue ${this.qid}: submission ring full (depth ${this.depth}); the core overfilled it`,
      );
    }
    const at = this.sqTail * 16;
    for (let i = 0; i < 16; i++) this.sqRing[at + i] = cmd[i]!;
    this.sqTail = next;
  }

  /** SQ tail doorbell: 0x1000 + 8 * qid (CAP.DSTRD 0). The controller processes the new entries now. */
  ringSubmission(): void {
    this.controller.writeDoorbell(Reg.DOORBELLS + 8 * this.qid, this.sqTail);
  }

  /** Copies the completion at the CQ head into `out` if its phase tag says it is new. */
  poll(out: Uint32Array): boolean {
    const at = this.cqHead * 4;
    const dw3 = this.cqRing[at + 3]!;
    if (((dw3 >>> 16) & 1) !== this.phase) return false;
    out[0] = this.cqRing[at]!;
    out[1] = this.cqRing[at + 1]!;
    out[2] = this.cqRing[at + 2]!;
    out[3] = dw3;
    this.sqHead = this.cqRing[at + 2]! & 0xffff;
    this.cqHead++;
    if (this.cqHead === this.depth) {
      this.cqHead = 0;
      this.phase ^= 1;
    }
    return true;
  }

  /** CQ head doorbell: 0x1000 + 8 * qid + 4. */
  ringCompletion(): void {
    this.controller.writeDoorbell(Reg.DOORBELLS + 8 * this.qid + 4, this.cqHead);
  }

  /** Frees both rings; idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.arena.free(this.rings.sq);
    this.arena.free(this.rings.cq);
    this.onRelease?.();
  }
}
