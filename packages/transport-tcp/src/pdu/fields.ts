/**
 * Byte offsets of NVMe/TCP header fields (relative to the start of the PDU) and little-endian
 * accessors over plain Uint8Arrays. The accessors allocate nothing (no DataView per PDU), read or
 * write only the bytes named, and run on whichever thread owns the array. They do not check bounds:
 * reading past the end yields `undefined` bytes (treated as 0) and writing past it is dropped, as
 * for any typed-array index.
 * @module
 */

/**
 * Field offsets within a PDU header. A plain object rather than an enum because several fields of
 * different PDU types share an offset.
 */
export const PduField = {
  /** Common header: u8 PDU type. */
  Type: 0,
  /** Common header: u8 flags. */
  Flags: 1,
  /** Common header: u8 header length. */
  Hlen: 2,
  /** Common header: u8 PDU data offset. */
  Pdo: 3,
  /** Common header: le32 PDU length (everything: header, digests, padding, data). */
  Plen: 4,

  /** ICReq / ICResp: le16 protocol format version. */
  IcPfv: 8,
  /** ICReq: u8 HPDA; ICResp: u8 CPDA. Alignment (value + 1) * 4 bytes. */
  IcPda: 10,
  /** ICReq / ICResp: u8 digest bits ({@link DigestBit}). */
  IcDigest: 11,
  /** ICReq: le32 MAXR2T (0's based); ICResp: le32 MAXH2CDATA. */
  IcMax: 12,

  /** TermReq: le16 fatal error status. */
  TermFes: 8,
  /** TermReq: le32 fatal error information. */
  TermFei: 10,

  /** CapsuleCmd: the 64-byte SQE; CapsuleResp: the 16-byte CQE. */
  Capsule: 8,

  /** H2CData / C2HData / R2T: le16 command capsule CID. */
  Cccid: 8,
  /** H2CData / R2T: le16 transfer tag (reserved in C2HData). */
  Ttag: 10,
  /** H2CData / C2HData: le32 data offset; R2T: le32 R2T offset. */
  DataOffset: 12,
  /** H2CData / C2HData: le32 data length; R2T: le32 R2T length. */
  DataLength: 16,
} as const;

/** Reads a little-endian u16 at `off`. */
export function readU16le(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

/** Reads a little-endian u32 at `off` as an unsigned number. */
export function readU32le(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Writes `v` (taken modulo 2^16) little-endian at `off`. */
export function writeU16le(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
}

/** Writes `v` (taken modulo 2^32) little-endian at `off`. */
export function writeU32le(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}
