/**
 * The host side of a worker-thread controller's DMA memory: a {@link DmaAllocator} over shared
 * {@link DmaArena}s that grows by whole regions, each one announced (postMessage-able) as it appears
 * so the controller's thread can reach it before the host hands out any of its memory.
 * @module
 */
import type { DmaAllocator, DmaBuffer } from "@nvmekit/core";
import { DmaArena } from "./dma-arena.js";
import type { DmaRegionShare } from "./dma-region.js";

/** Options of {@link DmaPool}. */
export interface DmaPoolOptions {
  /** Bytes of the first region, and the least a new region gets (default 16 MiB). */
  regionSize?: number;
  /** IOVA of the first region (default 0x1_0000_0000, above 4 GiB). */
  iovaBase?: number;
  /** Memory page size, CC.MPS (default 4096). */
  pageSize?: number;
  /** Most bytes of DMA memory in all (default 1 GiB). */
  limit?: number;
}

// Regions start on this boundary, so a region's IOVAs never look like its neighbour's.
const REGION_ALIGN = 2 * 1024 * 1024;

/** A growing pool of shared DMA regions. */
export class DmaPool implements DmaAllocator {
  /** Memory page size in bytes. */
  readonly pageSize: number;
  private readonly arenas: DmaArena[] = [];
  // Arena by the SharedArrayBuffer it carves: iovaOf's O(1), allocation-free lookup.
  private readonly byBuffer = new Map<ArrayBufferLike, DmaArena>();
  private readonly regionSize: number;
  private readonly limit: number;
  private nextIova: number;
  private total = 0;

  /**
   * @param options sizes, IOVA base, page size
   * @param onRegion called with every new region (the first one included) before any of it is handed out
   */
  constructor(
    options: DmaPoolOptions = {},
    private readonly onRegion: (share: DmaRegionShare) => void = () => {},
  ) {
    this.pageSize = options.pageSize ?? 4096;
    this.regionSize = options.regionSize ?? 16 * 1024 * 1024;
    this.limit = options.limit ?? 1024 * 1024 * 1024;
    this.nextIova = options.iovaBase ?? 0x1_0000_0000;
    this.grow(this.regionSize);
  }

  /** Every region so far, to share with a thread that starts now. */
  get regions(): DmaRegionShare[] {
    return this.arenas.map((a) => a.region.share());
  }

  /** Bytes of DMA memory reserved in all regions. */
  get reservedBytes(): number {
    return this.total;
  }

  /** Allocates `size` zeroed bytes aligned to `align` (default: the page size), growing when needed. */
  alloc(size: number, align: number = this.pageSize): DmaBuffer {
    for (const arena of this.arenas) {
      const b = arena.tryAlloc(size, align);
      if (b !== undefined) return b;
    }
    const arena = this.grow(Math.max(this.regionSize, size + align));
    const b = arena.tryAlloc(size, align);
    if (b === undefined) throw new Error(`DmaPool.alloc: a fresh region could not hold ${size} bytes`);
    return b;
  }

  /** Returns a buffer; throws on one this pool did not hand out or already freed. */
  free(buffer: DmaBuffer): void {
    const arena = this.byBuffer.get(buffer.bytes.buffer);
    if (arena === undefined) {
      throw new Error(`DmaPool.free: IOVA 0x${buffer.iova.toString(16)} is not from this pool`);
    }
    arena.free(buffer);
  }

  /** IOVA of `view[0]` when the whole view lies inside one live allocation, else -1. */
  iovaOf(view: ArrayBufferView): number {
    const arena = this.byBuffer.get(view.buffer);
    return arena === undefined ? -1 : arena.iovaOf(view);
  }

  private grow(size: number): DmaArena {
    const bytes = Math.ceil(size / REGION_ALIGN) * REGION_ALIGN;
    if (this.total + bytes > this.limit) {
      throw new RangeError(`DmaPool: out of DMA memory (${this.total} of ${this.limit} bytes in use)`);
    }
    const arena = new DmaArena({
      size: bytes,
      iovaBase: this.nextIova,
      pageSize: this.pageSize,
      shared: true,
    });
    this.nextIova += bytes;
    this.total += bytes;
    this.onRegion(arena.region.share());
    this.arenas.push(arena);
    this.byBuffer.set(arena.region.memory.buffer, arena);
    return arena;
  }
}
