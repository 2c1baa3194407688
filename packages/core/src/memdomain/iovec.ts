/**
 * The iovec of the memory-domain API: one contiguous run of bytes in some domain's memory.
 *
 * A C iovec is a pointer and a length. Here the "pointer" has two faces, because JS code cannot
 * dereference an address: `bytes` (+ `offset`) is the CPU's view of the memory when this process
 * can see it (plain JS memory, DMA buffers), and `addr` is the address in the domain's own address
 * space (an IOVA, a remote address, whatever the domain's callbacks understand). A domain whose
 * memory JS cannot see (remote, device-only) leaves `bytes` null and uses `addr` alone. Arrays of
 * iovecs are passed with an explicit count, so a caller can keep preallocated arrays and use a prefix.
 * @module
 */

/** One run of `length` bytes: at `bytes[offset]` for the CPU, at `addr` in the domain's address space. */
export interface MemoryIoVec {
  /** The CPU's view of the memory, or null/absent when this process cannot see it. */
  bytes?: Uint8Array | null;
  /** Index in `bytes` of the first byte (default 0). */
  offset?: number;
  /** Length in bytes. */
  length: number;
  /** Address of the first byte in the domain's address space (default 0: unused). */
  addr?: number;
}

/**
 * Builds a fully populated iovec (all four fields set, so every iovec object has the same shape).
 * By default it spans `bytes` from `offset` to its end.
 */
export function memoryIoVec(
  bytes: Uint8Array | null,
  offset = 0,
  length = bytes === null ? 0 : bytes.byteLength - offset,
  addr = 0,
): MemoryIoVec {
  return { bytes, offset, length, addr };
}

/** Total length of `iov[0..cnt)` in bytes. */
export function iovTotalLength(iov: readonly MemoryIoVec[], cnt: number): number {
  let total = 0;
  for (let i = 0; i < cnt; i++) total += iov[i]!.length;
  return total;
}

/** Whether every non-empty iovec of `iov[0..cnt)` has a CPU view (so the bytes can be copied by JS). */
export function iovsHaveBytes(iov: readonly MemoryIoVec[], cnt: number): boolean {
  for (let i = 0; i < cnt; i++) {
    const v = iov[i]!;
    if (v.length > 0 && (v.bytes === null || v.bytes === undefined)) return false;
  }
  return true;
}
