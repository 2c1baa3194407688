/**
 * ICReq / ICResp encoders: the connection's first PDUs, which negotiate digests, data alignment and
 * R2T / H2CData limits. They never carry digests themselves. Each writes 128 bytes into a caller's
 * Uint8Array (the caller keeps ownership; nothing is retained), allocates nothing and runs on the
 * socket's owner thread.
 * @module
 */
import { IC_HEADER_LENGTH, PduType, PFV_1_0 } from "./constants.js";
import { PduField, writeU16le, writeU32le } from "./fields.js";
import { checkDigests, checkField, checkRoom, writeCommonHeader, zero } from "./header.js";

function encodeIc(
  dst: Uint8Array,
  off: number,
  type: PduType,
  pda: number,
  digests: number,
  max: number,
): number {
  checkRoom(dst, off, IC_HEADER_LENGTH);
  checkField("PDA", pda, 31);
  checkDigests(digests);
  checkField(type === PduType.ICReq ? "MAXR2T" : "MAXH2CDATA", max, 0xffffffff);
  // IC PDUs have no data and no digests: pdo 0, plen = hlen.
  writeCommonHeader(dst, off, type, 0, IC_HEADER_LENGTH, 0, IC_HEADER_LENGTH);
  writeU16le(dst, off + PduField.IcPfv, PFV_1_0);
  dst[off + PduField.IcPda] = pda;
  dst[off + PduField.IcDigest] = digests;
  writeU32le(dst, off + PduField.IcMax, max);
  zero(dst, off + 16, off + IC_HEADER_LENGTH);
  return IC_HEADER_LENGTH;
}

/**
 * Encodes an ICReq (host → controller).
 * @param hpda the host's data alignment request, 0..31 ((hpda + 1) * 4 bytes) for C2HData.
 * @param digests {@link DigestBit} bits the host asks for.
 * @param maxr2t 0's based number of R2Ts the host accepts outstanding per command (0 = one).
 * @returns 128, the bytes written at `dst[off]`.
 * @throws RangeError for an out-of-range argument or too little room in `dst`.
 */
export function encodeICReq(
  dst: Uint8Array,
  off: number,
  hpda: number,
  digests: number,
  maxr2t: number,
): number {
  return encodeIc(dst, off, PduType.ICReq, hpda, digests, maxr2t);
}

/**
 * Encodes an ICResp (controller → host).
 * @param cpda the controller's data alignment request, 0..31, for host→controller data.
 * @param digests {@link DigestBit} bits enabled for the connection.
 * @param maxh2cdata the most data one H2CData PDU may carry (at least 4096 by the spec; not checked
 *   here so tests can send bad values).
 * @returns 128, the bytes written at `dst[off]`.
 * @throws RangeError for an out-of-range argument or too little room in `dst`.
 */
export function encodeICResp(
  dst: Uint8Array,
  off: number,
  cpda: number,
  digests: number,
  maxh2cdata: number,
): number {
  return encodeIc(dst, off, PduType.ICResp, cpda, digests, maxh2cdata);
}
