/**
 * DMA memory for one VFIO device: 2 MiB-aligned regions of process memory, each mapped into the
 * device's IOMMU address space when first needed and carved by a first-fit allocator. Every
 * buffer is a subarray of its region's single ArrayBuffer, marked with its IOVA (see DmaViewMarks):
 * `iovaOf` reads the mark, or for other views (subarrays of them) looks the ArrayBuffer up, checks
 * that the view lies inside one live allocation (see LiveAllocations) and takes `byteOffset`: no
 * allocation either way. A freed buffer's mark is replaced by one that says so, and a view of memory
 * that is free or that spans two allocations gets -1, so the core refuses it with InvalidArgumentError
 * instead of pointing the device at memory its caller no longer owns.
 *
 * On close each region is unmapped from the IOMMU first (the device can no longer reach it), then
 * retired (see NativeMapping); the CPU mapping itself goes only when its ArrayBuffer is collected,
 * so views a caller kept stay safe to touch.
 * @module
 */
import {
  type DmaAllocator,
  type DmaBuffer,
  DmaViewMarks,
  FirstFitAllocator,
  InvalidArgumentError,
  LiveAllocations,
  StateError,
} from "@nvmekit/core/transport";
import type { IommuBackend } from "../iommu/iommu-backend.js";
import type { NativeMapping } from "../native/mapping.js";
import { type HostMemoryKind, type HugepagePolicy, mapHostMemory, REGION_ALIGN } from "./host-memory.js";
import { IovaSpace } from "./iova-space.js";

/** How much DMA memory an allocator holds. */
export interface DmaStats {
  /** Regions mapped. */
  regions: number;
  /** Bytes mapped into the IOMMU. */
  mappedBytes: number;
  /** Bytes handed out and not freed. */
  usedBytes: number;
  /** What backs each region. */
  kinds: HostMemoryKind[];
}

/** Tuning of a {@link VfioDmaAllocator}. */
export interface DmaOptions {
  /** Controller memory page size (CC.MPS) in bytes; default 4096. */
  readonly pageSize?: number;
  /** Size of each region the allocator grows by (a multiple of 2 MiB); default 2 MiB. */
  readonly regionSize?: number;
  /** Hugepages: true, false, or "auto" (when /proc/sys/vm/nr_hugepages > 0; the default). */
  readonly hugepages?: HugepagePolicy;
}

/** One mapped region. */
interface Region {
  readonly mapping: NativeMapping;
  readonly bytes: Uint8Array;
  readonly iova: number;
  readonly heap: FirstFitAllocator;
  /** What `heap` handed out, by exact byte range, for iovaOf's checks. */
  readonly live: LiveAllocations;
  readonly kind: HostMemoryKind;
}

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** The {@link DmaAllocator} of a VFIO device. */
export class VfioDmaAllocator implements DmaAllocator {
  /** @inheritdoc */
  readonly pageSize: number;
  readonly #backend: IommuBackend;
  readonly #iovas: IovaSpace;
  readonly #regionSize: number;
  readonly #hugepages: HugepagePolicy;
  readonly #regions: Region[] = [];
  /** Region ArrayBuffer -> its region, for free() and iovaOf(). */
  readonly #byBuffer = new Map<ArrayBuffer, Region>();
  /** The region iovaOf() found last: I/O buffers mostly share one, and a Map lookup per I/O shows in profiles. */
  #lastRegion: Region | null = null;
  readonly #marks = new DmaViewMarks();
  #closed = false;

  /** An allocator that maps into `backend`'s address space. */
  constructor(backend: IommuBackend, options: DmaOptions = {}) {
    this.pageSize = options.pageSize ?? 4096;
    this.#regionSize = options.regionSize ?? REGION_ALIGN;
    this.#hugepages = options.hugepages ?? "auto";
    if (!isPowerOfTwo(this.pageSize) || this.pageSize < backend.minPageSize) {
      throw new InvalidArgumentError(
        "pageSize",
        `${this.pageSize} is not a power of two >= ${backend.minPageSize}`,
      );
    }
    if (this.#regionSize <= 0 || this.#regionSize % REGION_ALIGN !== 0) {
      throw new InvalidArgumentError("regionSize", `${this.#regionSize} is not a positive multiple of 2 MiB`);
    }
    this.#backend = backend;
    this.#iovas = new IovaSpace(backend.iovaRanges);
  }

  /** @inheritdoc */
  alloc(size: number, align = this.pageSize): DmaBuffer {
    if (this.#closed) throw new StateError("DMA allocator is closed (its device was closed)");
    if (!Number.isInteger(size) || size <= 0) {
      throw new InvalidArgumentError("size", `${size} is not a positive whole number of bytes`);
    }
    if (!isPowerOfTwo(align) || align > REGION_ALIGN) {
      throw new InvalidArgumentError("align", `${align} is not a power of two up to 2 MiB`);
    }
    for (const region of this.#regions) {
      const offset = region.heap.alloc(size, align);
      if (offset >= 0) return this.#buffer(region, offset, size);
    }
    const region = this.#grow(Math.ceil(size / this.#regionSize) * this.#regionSize);
    return this.#buffer(region, region.heap.alloc(size, align), size);
  }

  #buffer(region: Region, offset: number, size: number): DmaBuffer {
    const bytes = region.bytes.subarray(offset, offset + size);
    bytes.fill(0);
    region.live.add(offset, size);
    this.#marks.mark(bytes, region.iova + offset);
    return { bytes, iova: region.iova + offset };
  }

  /** Maps one more region of `size` bytes. */
  #grow(size: number): Region {
    const { mapping, kind } = mapHostMemory(size, this.#hugepages);
    let iova: number;
    try {
      iova = this.#iovas.take(size, REGION_ALIGN);
      this.#backend.mapDma(mapping.address, iova, size);
    } catch (error) {
      mapping.retire();
      throw error;
    }
    const region: Region = {
      mapping,
      bytes: new Uint8Array(mapping.buffer),
      iova,
      heap: new FirstFitAllocator(size),
      live: new LiveAllocations(),
      kind,
    };
    this.#regions.push(region);
    this.#byBuffer.set(mapping.buffer, region);
    return region;
  }

  /** @inheritdoc */
  free(buffer: DmaBuffer): void {
    if (this.#closed) return; // everything was released at close
    const { bytes } = buffer;
    const region = this.#byBuffer.get(bytes.buffer as ArrayBuffer);
    if (!region?.live.remove(bytes.byteOffset, bytes.byteLength)) {
      throw new InvalidArgumentError("buffer", "not a live buffer from this DMA allocator (freed twice?)");
    }
    region.heap.free(bytes.byteOffset);
    this.#marks.markFreed(bytes);
  }

  /** @inheritdoc */
  iovaOf(view: ArrayBufferView): number {
    const marked = this.#closed ? DmaViewMarks.FREED : this.#marks.iovaOf(view);
    return marked >= 0 ? marked : this.#unmarked(view, marked);
  }

  /** {@link iovaOf} of a view without a mark (or freed, or after close): apart, so the marked case inlines. */
  #unmarked(view: ArrayBufferView, marked: number): number {
    if (marked === DmaViewMarks.FREED) return -1;
    let region = this.#lastRegion;
    if (region === null || region.mapping.buffer !== view.buffer) {
      region = this.#byBuffer.get(view.buffer as ArrayBuffer) ?? null;
      if (region === null) return -1;
      this.#lastRegion = region;
    }
    return region.live.covers(view.byteOffset, view.byteLength) ? region.iova + view.byteOffset : -1;
  }

  /** The process address of `buffer`'s byte 0 when it is one of this allocator's regions, else null. */
  addressOf(buffer: ArrayBufferLike): bigint | null {
    return this.#byBuffer.get(buffer as ArrayBuffer)?.mapping.address ?? null;
  }

  /** Regions mapped so far (for diagnostics and tests). */
  stats(): DmaStats {
    return {
      regions: this.#regions.length,
      mappedBytes: this.#regions.reduce((n, r) => n + r.mapping.length, 0),
      usedBytes: this.#regions.reduce((n, r) => n + r.heap.usedBytes, 0),
      kinds: this.#regions.map((r) => r.kind),
    };
  }

  /**
   * Unmaps every region from the IOMMU and retires its memory (idempotent). Must run while the
   * IOMMU backend is still open. Views handed out stay safe to touch but no longer reach the device.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    let failure: unknown;
    for (const region of this.#regions) {
      try {
        this.#backend.unmapDma(region.iova, region.mapping.length);
        region.mapping.retire();
      } catch (error) {
        // Still pinned or mapped: keep the memory as it is rather than hand pinned pages back.
        failure ??= error;
      }
    }
    this.#regions.length = 0;
    this.#byBuffer.clear();
    this.#lastRegion = null;
    if (failure) throw failure;
  }
}
