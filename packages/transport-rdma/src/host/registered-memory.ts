/**
 * The DMA memory of an RDMA controller: one block of native memory registered with the adapter up
 * front (registering caller memory per I/O costs more than copying it, as SPDK measured), carved by a
 * first-fit allocator. A buffer's "IOVA" is its virtual address, which is what RDMA work requests and
 * keyed SGL descriptors carry; one memory region means one lkey and one rkey for every buffer.
 * @module
 */
import { type DmaAllocator, type DmaBuffer, RegionDmaAllocator } from "@nvmekit/core/transport";
import { IBV_ACCESS_ALL_REMOTE } from "../native/layouts.js";
import { NativeBlock } from "../native/native-block.js";
import { deregisterMemory, type MemoryRegion, registerMemory } from "../native/verbs.js";

/** Registered memory handing out DMA buffers. Threading: the controller's thread. */
export class RegisteredMemory implements DmaAllocator {
  /** NVMe's smallest memory page: the core sizes and aligns with it. */
  readonly pageSize = 4096;
  private readonly block: NativeBlock;
  private readonly region: MemoryRegion;
  private readonly heap: RegionDmaAllocator;

  /**
   * Maps and registers `bytes` on protection domain `pd`.
   * @throws NativeError when mapping or registration fails
   */
  constructor(pd: bigint, bytes: number) {
    this.block = new NativeBlock(bytes);
    try {
      this.region = registerMemory(pd, this.block.address, this.block.length, IBV_ACCESS_ALL_REMOTE);
    } catch (e) {
      this.block.free();
      throw e;
    }
    this.heap = new RegionDmaAllocator(this.block.bytes, this.block.base, this.pageSize);
  }

  /** Key for this side's work requests over any buffer of this memory. */
  get lkey(): number {
    return this.region.lkey;
  }

  /** Key the target uses to read and write any buffer of this memory. */
  get rkey(): number {
    return this.region.rkey;
  }

  /** @inheritdoc */
  alloc(size: number, align?: number): DmaBuffer {
    return this.heap.alloc(size, align);
  }

  /** @inheritdoc */
  free(buffer: DmaBuffer): void {
    this.heap.free(buffer);
  }

  /** The virtual address of `view[0]` when it lies in this memory, else -1. */
  iovaOf(view: ArrayBufferView): number {
    return this.heap.iovaOf(view);
  }

  /** Whether `length` bytes at virtual address `address` lie in this memory. */
  covers(address: number, length: number): boolean {
    return address >= this.block.base && address + length <= this.block.base + this.block.length;
  }

  /** Deregisters and unmaps the memory; no queue may use it any more. */
  destroy(): void {
    deregisterMemory(this.region);
    this.block.free();
  }
}
