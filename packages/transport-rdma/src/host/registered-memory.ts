/**
 * The DMA memory of an RDMA controller: one block of native memory registered with the adapter up
 * front (registering caller memory per I/O costs more than copying it, as SPDK measured), carved by a
 * first-fit allocator. A buffer's "IOVA" is its virtual address, which is what RDMA work requests and
 * keyed SGL descriptors carry; one memory region means one lkey and one rkey for every buffer.
 * @module
 */
import { type DmaAllocator, type DmaBuffer, RegionDmaAllocator } from "@nvmekit/core/transport";
import koffi from "koffi";
import { IBV_ACCESS_ALL_REMOTE } from "../native/layouts.js";
import { NativeBlock } from "../native/native-block.js";
import { deregisterMemory, type MemoryRegion, registerMemory } from "../native/verbs.js";

/** A registered range, described for another thread: plain numbers, structured-clonable. */
export interface RegisteredRangeHandle {
  /** Virtual address of the first byte. */
  readonly address: number;
  /** Bytes. */
  readonly length: number;
  /** The region's local key. */
  readonly lkey: number;
  /** The region's remote key. */
  readonly rkey: number;
}

/**
 * Buffers carved from a range of registered memory, with the keys that reach them. Threading: the
 * thread that made it (a worker makes its own over a range the controller's thread handed it).
 */
export class RegisteredRange implements DmaAllocator {
  /** NVMe's smallest memory page: the core sizes and aligns with it. */
  readonly pageSize = 4096;
  /** Bytes in the range. */
  readonly length: number;
  private readonly heap: RegionDmaAllocator;

  /**
   * @param bytes the CPU's view of the range
   * @param base the virtual address of `bytes[0]`
   * @param lkey key for this side's work requests
   * @param rkey key the target uses
   */
  constructor(
    bytes: Uint8Array,
    private readonly base: number,
    readonly lkey: number,
    readonly rkey: number,
  ) {
    this.heap = new RegionDmaAllocator(bytes, base, this.pageSize);
    this.length = bytes.byteLength;
  }

  /** Opens, in this thread, a range another thread described. */
  static open(handle: RegisteredRangeHandle): RegisteredRange {
    const bytes = new Uint8Array(koffi.view(BigInt(handle.address), handle.length));
    return new RegisteredRange(bytes, handle.address, handle.lkey, handle.rkey);
  }

  /** @inheritdoc */
  alloc(size: number, align?: number): DmaBuffer {
    return this.heap.alloc(size, align);
  }

  /** @inheritdoc */
  free(buffer: DmaBuffer): void {
    this.heap.free(buffer);
  }

  /** The virtual address of `view[0]` when it lies in this range, else -1. */
  iovaOf(view: ArrayBufferView): number {
    return this.heap.iovaOf(view);
  }

  /** Whether `length` bytes at virtual address `address` lie in this range. */
  covers(address: number, length: number): boolean {
    return address >= this.base && address + length <= this.base + this.length;
  }

  /** Describes `buffer` (a buffer of this range) for another thread, which opens it with {@link open}. */
  describe(buffer: DmaBuffer): RegisteredRangeHandle {
    return { address: buffer.iova, length: buffer.bytes.byteLength, lkey: this.lkey, rkey: this.rkey };
  }
}

/** Maps and registers the block a controller's buffers come from; {@link range} hands them out. */
export class RegisteredMemory {
  private readonly block: NativeBlock;
  private readonly region: MemoryRegion;
  /** The whole block as buffers. */
  readonly range: RegisteredRange;

  /**
   * Maps and registers `bytes` on protection domain `pd`.
   * @throws NativeError when mapping or registration fails
   */
  constructor(pd: bigint, bytes: number) {
    this.block = new NativeBlock(bytes);
    this.region = registerMemory(pd, this.block.address, this.block.length, IBV_ACCESS_ALL_REMOTE);
    this.range = new RegisteredRange(this.block.bytes, this.block.base, this.region.lkey, this.region.rkey);
  }

  /**
   * Deregisters the memory: the adapter can no longer reach it; no queue may use it any more. The
   * pages stay mapped while views of them live (see NativeBlock).
   */
  destroy(): void {
    deregisterMemory(this.region);
  }
}
