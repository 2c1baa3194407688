/**
 * A device with nothing in it, for measuring host code alone: DMA memory as one ArrayBuffer with
 * made-up IOVAs (core's RegionDmaAllocator over it), queues whose "device" completes each command as soon as it is posted, and a namespace
 * on them. Used by `pnpm bench:engine` (core's per-I/O path) and `pnpm bench:nvmed`'s host part
 * (nvmed-compat's AIO path over core's).
 * @module
 */
import type { DmaAllocator, NamespaceOwner } from "@nvmekit/core";
import { createMemoryDomain, DmaDeviceType, DOORBELL_BATCH, Namespace, QueuePair } from "@nvmekit/core";
import type { IdentifyController, IdentifyNamespace } from "@nvmekit/core/nvme-spec";
import { type QueuePort, RegionDmaAllocator } from "@nvmekit/core/transport";

const PAGE = 4096;

/** The loopback queue pair's shape, the controller defaults: ring entries and requests. */
export const LOOPBACK_QUEUE = { entries: 256, requests: 512 } as const;
/** The largest transfer the loopback controller takes (its MDTS), in bytes. */
export const LOOPBACK_MAX_TRANSFER = 128 * 1024;

/** Blocks per read of the engine loop: engineLba reads this constant, so the timed loop makes no property load for it. */
const BLOCKS_PER_READ = 8;

/**
 * The loop `bench:engine` times, the same for the core and the checked floor (and written again in
 * c-baseline/loopback-engine.c): reads of `blocksPerRead` blocks at QD `depth` on a namespace of
 * `blocks` blocks of `blockSize` bytes, each into a page of its own.
 */
export const ENGINE_READS = {
  depth: 32,
  blockSize: 512,
  blocks: 2 ** 24,
  blocksPerRead: BLOCKS_PER_READ,
  bufferBytes: PAGE,
} as const;

/** The LBA of the read the loop submits after `done` completions. */
export function engineLba(done: number): number {
  return (done * BLOCKS_PER_READ) % 100_000;
}

/** One I/O of the loop: its buffer, as allocated, so the allocator knows its IOVA without a lookup. */
export class Slot {
  constructor(readonly view: Uint8Array) {}
}

/** A queue whose "device" completes each command as soon as it is posted. */
export class LoopbackQueue implements QueuePort {
  readonly qid = 1;
  private readonly cids: Int32Array;
  private head = 0;
  private tail = 0;
  private count = 0;
  constructor(readonly depth: number) {
    this.cids = new Int32Array(depth);
  }
  post(cmd: Uint32Array): void {
    this.cids[this.tail] = cmd[0]! >>> 16;
    this.tail = (this.tail + 1) % this.depth;
    this.count++;
  }
  ringSubmission(): void {}
  poll(out: Uint32Array): boolean {
    if (this.count === 0) return false;
    const slot = this.head;
    this.head = (slot + 1) % this.depth;
    out[0] = 0;
    out[1] = 0;
    out[2] = (this.qid << 16) | this.head; // the SQ ID and SQ head the queue pair checks
    out[3] = this.cids[slot]!;
    this.count--;
    return true;
  }
  ringCompletion(): void {}
  async release(): Promise<void> {}
}

/** A loopback device: its memory, a namespace, and a way to make queue pairs on it. */
export interface LoopbackDevice {
  /** DMA memory (64 MiB). */
  readonly dma: DmaAllocator;
  /** Namespace 1. */
  readonly ns: Namespace;
  /** A queue pair of {@link LOOPBACK_QUEUE}'s entries and requests. */
  queuePair(): QueuePair;
}

/** A loopback device whose namespace 1 has `blocks` blocks of `sectorSize` bytes. */
export function loopbackDevice(sectorSize: number, blocks: bigint): LoopbackDevice {
  // The allocator a worker thread's queue pairs use: views it hands out carry their IOVA.
  const dma = new RegionDmaAllocator(new Uint8Array(64 << 20), 0x10_0000, PAGE);
  const owner: NamespaceOwner = {
    dma,
    data: { oncs: 0, vwc: 0 } as IdentifyController,
    maxTransferSize: LOOPBACK_MAX_TRANSFER,
    sglSupported: false,
    memoryDomain: createMemoryDomain(DmaDeviceType.Dma, null, "bench"),
    assertUsable(): void {},
  };
  const ns = new Namespace(owner, 1, {
    nsze: blocks,
    sectorSize,
    metadataSize: 0,
    extendedLba: false,
    piType: 0,
    noiob: 0,
    mc: 0,
  } as IdentifyNamespace);
  const queuePair = (): QueuePair =>
    new QueuePair(new LoopbackQueue(LOOPBACK_QUEUE.entries), dma, {
      requests: LOOPBACK_QUEUE.requests,
      retryCount: 4,
      pagesPerTracker: 1,
      sglSupported: false,
      delayDoorbell: false,
      doorbellBatch: DOORBELL_BATCH,
    });
  return { dma, ns, queuePair };
}
