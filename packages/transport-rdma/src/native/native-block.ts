/**
 * Native memory that stays put: anonymous pages from mmap, seen by JavaScript through one zero-copy
 * view. Work requests, scatter entries and completion arrays the adapter reads or fills must live
 * here (a JavaScript buffer may move or be freed while the adapter still holds its address), and so
 * do the buffers registered with the adapter.
 *
 * A view of unmapped memory crashes the process on its next access, and nothing stops a caller from
 * keeping a buffer after its controller closed. So a block is unmapped only once its ArrayBuffer (and
 * so every view of it) has been collected, by a FinalizationRegistry, as transport-pcie's mappings
 * are. Dropping a block is safe once the adapter has been cut off from it (its memory region
 * deregistered, its queue pair destroyed).
 * @module
 */
import { NativeError } from "@nvmekit/core";
import koffi from "koffi";
import { rdmaLibraries } from "./libraries.js";

const unmapper = new FinalizationRegistry<{ address: bigint; length: number }>((range) => {
  rdmaLibraries().munmap(range.address, range.length);
});

const PROT_READ_WRITE = 1 | 2;
const MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/** A block of mmap'd memory and its view, unmapped once nothing can reach the view. */
export class NativeBlock {
  /** Address of byte 0, for native calls. */
  readonly address: bigint;
  /** Address of byte 0 as a number (below 2^47 on x86-64), for arithmetic on the per-I/O path. */
  readonly base: number;
  /** The CPU's view of the whole block. */
  readonly bytes: Uint8Array;
  /** The same memory as 32-bit words (little-endian), for writing structure fields. */
  readonly words: Uint32Array;
  /** Bytes mapped (the asked length rounded up to 4 KiB). */
  readonly length: number;

  /**
   * Maps `bytes` bytes (rounded up to 4 KiB), zero-filled.
   * @throws NativeError when mmap fails
   */
  constructor(bytes: number) {
    this.length = Math.ceil(bytes / 4096) * 4096;
    const address = rdmaLibraries().mmap(null, this.length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0n);
    if (address === null || BigInt(address) === MAP_FAILED) throw new NativeError("mmap", koffi.errno());
    this.address = BigInt(address);
    this.base = Number(this.address);
    const buffer = koffi.view(this.address, this.length);
    this.bytes = new Uint8Array(buffer);
    this.words = new Uint32Array(buffer);
    unmapper.register(buffer, { address: this.address, length: this.length });
  }

  /** Address of byte `offset`, for native calls. */
  pointer(offset: number): bigint {
    return this.address + BigInt(offset);
  }
}

/** Writes `value` (a non-negative integer below 2^53) as a little-endian u64 at word index `w`. */
export function putU64(words: Uint32Array, w: number, value: number): void {
  words[w] = value >>> 0;
  words[w + 1] = Math.floor(value / 0x1_0000_0000);
}
