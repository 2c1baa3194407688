/**
 * Shadow doorbells (NVMe Doorbell Buffer Config, OACS bit 8), offered by emulated controllers such as
 * QEMU's: the host writes each queue's SQ tail and CQ head into a Shadow Doorbell page in memory and
 * writes the doorbell register only when the controller's EventIdx page says it is waiting for that
 * update. Each doorbell register write traps into the emulator, so sparing them is most of what an
 * emulated controller's throughput depends on. Both pages are laid out like the doorbell registers.
 * @module
 */

import type { DmaAllocator, DmaBuffer } from "@nvmekit/core";
import { commands as cmds, NvmeCommand } from "@nvmekit/core/nvme-spec";
import type { AdminChannel } from "@nvmekit/core/transport";
import { asWords } from "./shared-memory.js";

/** The two pages as dwords, indexed like BAR0's doorbells minus the 0x1000 offset. */
export interface ShadowDoorbellViews {
  /** The Shadow Doorbell page: the host's tails and heads. */
  readonly doorbells: Uint32Array;
  /** The EventIdx page: where the controller wants to be told of the next update. */
  readonly eventIdx: Uint32Array;
}

/**
 * Index of a queue's dword in either page. The pages are laid out like the doorbell registers (NVMe:
 * (2 qid + isCq) * (4 << DSTRD) bytes from their start), so this is also the register's index from 0x1000.
 */
export function shadowIndex(qid: number, completion: boolean, dstrd: number): number {
  return ((2 * qid + (completion ? 1 : 0)) * (4 << dstrd)) >>> 2;
}

/**
 * Whether moving a ring index from `old` to `now` passes `eventIdx`, i.e. the controller asked to be
 * told once the index moves beyond it: eventIdx lies in [old, now) going round a ring of `depth`.
 */
export function passesEventIdx(eventIdx: number, now: number, old: number, depth: number): boolean {
  let ahead = now - eventIdx - 1;
  if (ahead < 0) ahead += depth;
  let moved = now - old;
  if (moved < 0) moved += depth;
  return ahead < moved;
}

/** The pages of one controller, in its DMA memory, reused across resets. */
export class ShadowDoorbellPages {
  /** The pages as dwords. */
  readonly views: ShadowDoorbellViews;

  private constructor(
    /** The Shadow Doorbell page. */
    readonly doorbells: DmaBuffer,
    /** The EventIdx page. */
    readonly eventIdx: DmaBuffer,
  ) {
    this.views = { doorbells: asWords(doorbells.bytes), eventIdx: asWords(eventIdx.bytes) };
  }

  /** Allocates the two pages from `dma` (page-aligned, zeroed). */
  static allocate(dma: DmaAllocator): ShadowDoorbellPages {
    return new ShadowDoorbellPages(dma.alloc(dma.pageSize), dma.alloc(dma.pageSize));
  }

  /** Zeroes both pages and hands them to the controller with Doorbell Buffer Config. */
  async configure(admin: AdminChannel): Promise<void> {
    this.views.doorbells.fill(0);
    this.views.eventIdx.fill(0);
    await admin.execute(
      cmds.doorbellBufferConfig(new NvmeCommand(), this.doorbells.iova, this.eventIdx.iova),
    );
  }

  /** Zeroes a queue's entries before the queue is created, so no stale tail from an earlier queue is read. */
  resetQueue(qid: number, dstrd: number): void {
    for (const completion of [false, true]) {
      const i = shadowIndex(qid, completion, dstrd);
      this.views.doorbells[i] = 0;
      this.views.eventIdx[i] = 0;
    }
  }

  /** Returns the pages to `dma`. */
  free(dma: DmaAllocator): void {
    dma.free(this.doorbells);
    dma.free(this.eventIdx);
  }
}
