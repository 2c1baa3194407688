/**
 * H2CTermReq / C2HTermReq encoders: the last PDU on a connection with a fatal error. They write
 * into a caller's Uint8Array, copy the offending header in (the source may be reused on return),
 * allocate nothing and run on the socket's owner thread. TermReqs never carry digests.
 * @module
 */
import { MAX_TERM_REQ_DATA_LENGTH, PduType, TERM_REQ_HEADER_LENGTH } from "./constants.js";
import { PduField, writeU16le, writeU32le } from "./fields.js";
import { checkField, checkRoom, writeCommonHeader, zero } from "./header.js";

function encodeTerm(
  dst: Uint8Array,
  off: number,
  type: PduType,
  fes: number,
  fei: number,
  offending: Uint8Array,
  offendingLength: number,
): number {
  checkField("FES", fes, 0xffff);
  checkField("FEI", fei, 0xffffffff);
  checkField("offending length", offendingLength, offending.length);
  // The PDU may not exceed 152 bytes, so quote at most the first 128 bytes of the bad header.
  const n = Math.min(offendingLength, MAX_TERM_REQ_DATA_LENGTH);
  const plen = TERM_REQ_HEADER_LENGTH + n;
  checkRoom(dst, off, plen);
  // pdo 0: the quoted header follows the TermReq header directly (as SPDK sends it).
  writeCommonHeader(dst, off, type, 0, TERM_REQ_HEADER_LENGTH, 0, plen);
  writeU16le(dst, off + PduField.TermFes, fes);
  writeU32le(dst, off + PduField.TermFei, fei);
  zero(dst, off + 14, off + TERM_REQ_HEADER_LENGTH);
  for (let i = 0; i < n; i++) dst[off + TERM_REQ_HEADER_LENGTH + i] = offending[i]!;
  return plen;
}

/**
 * Encodes a complete H2CTermReq (host → controller).
 * @param fes a {@link TermReqFes} value.
 * @param fei for InvalidHeaderField / UnsupportedParameter the byte offset of the bad field, else 0.
 * @param offending the received header that caused the error; its first
 *   `min(offendingLength, 128)` bytes are quoted so the PDU stays ≤ 152 bytes.
 * @returns the PDU length written (24..152).
 * @throws RangeError for bad arguments or too little room in `dst`.
 */
export function encodeH2CTermReq(
  dst: Uint8Array,
  off: number,
  fes: number,
  fei: number,
  offending: Uint8Array,
  offendingLength = offending.length,
): number {
  return encodeTerm(dst, off, PduType.H2CTermReq, fes, fei, offending, offendingLength);
}

/** Encodes a complete C2HTermReq (controller → host); see {@link encodeH2CTermReq}. */
export function encodeC2HTermReq(
  dst: Uint8Array,
  off: number,
  fes: number,
  fei: number,
  offending: Uint8Array,
  offendingLength = offending.length,
): number {
  return encodeTerm(dst, off, PduType.C2HTermReq, fes, fei, offending, offendingLength);
}
