/**
 * Raw field readers for a 64-byte submission queue entry seen as 16 little-endian dwords, and the
 * writer of a 16-byte completion queue entry: the layouts written out from the specification.
 * @module
 */

const TWO_POW_32 = 0x1_0000_0000;

/** Opcode: CDW0 bits 7:0. */
export function sqeOpcode(dw: Uint32Array): number {
  return dw[0]! & 0xff;
}

/** Fused operation: CDW0 bits 9:8. */
export function sqeFuse(dw: Uint32Array): number {
  return (dw[0]! >>> 8) & 0x3;
}

/** PRP or SGL for Data Transfer: CDW0 bits 15:14 (0 PRP, 1 SGL + contiguous MPTR, 2 SGL + MPTR SGL). */
export function sqePsdt(dw: Uint32Array): number {
  return (dw[0]! >>> 14) & 0x3;
}

/** Command Identifier: CDW0 bits 31:16. */
export function sqeCid(dw: Uint32Array): number {
  return dw[0]! >>> 16;
}

/** Namespace Identifier: dword 1. */
export function sqeNsid(dw: Uint32Array): number {
  return dw[1]!;
}

/** A 64-bit field made of dwords `lo` and `lo + 1`, as a number (IOVAs and LBAs stay below 2^53 here). */
export function sqeU64(dw: Uint32Array, lo: number): number {
  return dw[lo + 1]! * TWO_POW_32 + dw[lo]!;
}

/** Metadata Pointer: dwords 4-5. */
export function sqeMptr(dw: Uint32Array): number {
  return sqeU64(dw, 4);
}

/** PRP Entry 1: dwords 6-7. */
export function sqePrp1(dw: Uint32Array): number {
  return sqeU64(dw, 6);
}

/** PRP Entry 2: dwords 8-9. */
export function sqePrp2(dw: Uint32Array): number {
  return sqeU64(dw, 8);
}

/** Starting LBA of NVM read/write-like commands: CDW10 (low) and CDW11 (high). */
export function sqeSlba(dw: Uint32Array): number {
  return sqeU64(dw, 10);
}

/** Number of logical blocks of NVM read/write-like commands, 1-based (CDW12 bits 15:0 hold it 0-based). */
export function sqeNlb(dw: Uint32Array): number {
  return (dw[12]! & 0xffff) + 1;
}

/**
 * Writes a completion queue entry at dword index `at` of `cq`: DW0 and DW1 command specific (DW1 0 for most),
 * DW2 = SQ head pointer (15:0) | SQ identifier (31:16), DW3 = CID (15:0) | phase (16) | status (31:17).
 */
export function writeCqe(
  cq: Uint32Array,
  at: number,
  dw0: number,
  sqHead: number,
  sqid: number,
  cid: number,
  phase: number,
  status: number,
  dw1 = 0,
): void {
  cq[at] = dw0 >>> 0;
  cq[at + 1] = dw1 >>> 0;
  cq[at + 2] = ((sqHead & 0xffff) | ((sqid & 0xffff) << 16)) >>> 0;
  // DW3 last: a host polling the phase bit must see the rest of the entry first.
  cq[at + 3] = ((cid & 0xffff) | ((phase & 1) << 16) | ((status & 0x7fff) << 17)) >>> 0;
}
