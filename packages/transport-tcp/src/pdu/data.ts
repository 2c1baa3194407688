/**
 * H2CData, C2HData and R2T encoders, called per I/O: they write into a caller's Uint8Array at an
 * offset, allocate nothing and retain nothing. Run them on the socket's owner thread.
 * @module
 */
import {
  DATA_HEADER_LENGTH,
  DIGEST_LENGTH,
  DigestBit,
  PduFlag,
  PduType,
  R2T_HEADER_LENGTH,
} from "./constants.js";
import { appendDigest } from "./digest.js";
import { PduField, writeU16le, writeU32le } from "./fields.js";
import { checkDigests, checkField, checkRoom, writeCommonHeader, zero } from "./header.js";
import { pduDataOffset } from "./layout.js";

function encodeData(
  dst: Uint8Array,
  off: number,
  type: PduType,
  cccid: number,
  ttag: number,
  datao: number,
  datal: number,
  flags: number,
  digests: number,
  pda: number,
): number {
  checkDigests(digests);
  checkField("CCCID", cccid, 0xffff);
  checkField("TTAG", ttag, 0xffff);
  checkField("DATAO", datao, 0xffffffff);
  // A data PDU without data is meaningless, and Linux's target rejects DATAL 0.
  if (!(datal >= 1 && datal <= 0xffffffff && Math.floor(datal) === datal)) {
    throw new RangeError(`DATAL ${datal} not in 1..2^32-1`);
  }
  const hd = (digests & DigestBit.Header) !== 0;
  const dd = (digests & DigestBit.Data) !== 0;
  const pdo = pduDataOffset(DATA_HEADER_LENGTH, hd, pda, datal);
  const plen = pdo + datal + (dd ? DIGEST_LENGTH : 0);
  if (plen > 0xffffffff) throw new RangeError(`PDU length ${plen} exceeds 32 bits`);
  checkRoom(dst, off, pdo);
  const f = flags | (hd ? PduFlag.HDGSTF : 0) | (dd ? PduFlag.DDGSTF : 0);
  writeCommonHeader(dst, off, type, f, DATA_HEADER_LENGTH, pdo, plen);
  writeU16le(dst, off + PduField.Cccid, cccid);
  writeU16le(dst, off + PduField.Ttag, ttag);
  writeU32le(dst, off + PduField.DataOffset, datao);
  writeU32le(dst, off + PduField.DataLength, datal);
  zero(dst, off + 20, off + DATA_HEADER_LENGTH);
  if (hd) appendDigest(dst, off, DATA_HEADER_LENGTH);
  zero(dst, off + DATA_HEADER_LENGTH + (hd ? DIGEST_LENGTH : 0), off + pdo);
  return pdo;
}

/**
 * Encodes an H2CData header (host → controller data answering an R2T): common header, fields, the
 * header digest when `digests & DigestBit.Header`, zero padding to the data offset. The caller then
 * writes the `datal` data bytes right behind the returned length and, when `digests & DigestBit.Data`,
 * the data digest over them ({@link appendDigest}); `plen` counts both.
 * @param ttag the R2T's transfer tag.
 * @param datao offset of this data within the command's data.
 * @param datal bytes of data, 1..MAXH2CDATA.
 * @param flags 0 or {@link PduFlag.DATA_LAST} (the last H2CData of the R2T).
 * @param cpda the controller's CPDA.
 * @returns the header bytes written (= pdo).
 * @throws RangeError for bad arguments, flags other than DATA_LAST, or too little room in `dst`.
 */
export function encodeH2CData(
  dst: Uint8Array,
  off: number,
  cccid: number,
  ttag: number,
  datao: number,
  datal: number,
  flags: number,
  digests: number,
  cpda: number,
): number {
  if ((flags & ~PduFlag.DATA_LAST) !== 0)
    throw new RangeError(`H2CData flags ${flags}: only DATA_LAST allowed`);
  return encodeData(dst, off, PduType.H2CData, cccid, ttag, datao, datal, flags, digests, cpda);
}

/**
 * Encodes a C2HData header (controller → host data of a read), like {@link encodeH2CData}; the
 * transfer tag is reserved in C2HData and written as 0.
 * @param flags DATA_LAST, DATA_LAST | DATA_SUCCESS (no CapsuleResp will follow), or 0.
 * @param hpda the host's HPDA.
 * @returns the header bytes written (= pdo).
 * @throws RangeError for bad arguments, other flags or SUCCESS without LAST, or too little room.
 */
export function encodeC2HData(
  dst: Uint8Array,
  off: number,
  cccid: number,
  datao: number,
  datal: number,
  flags: number,
  digests: number,
  hpda: number,
): number {
  if ((flags & ~(PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS)) !== 0) {
    throw new RangeError(`C2HData flags ${flags}: only DATA_LAST and DATA_SUCCESS allowed`);
  }
  if ((flags & PduFlag.DATA_SUCCESS) !== 0 && (flags & PduFlag.DATA_LAST) === 0) {
    throw new RangeError("C2HData DATA_SUCCESS requires DATA_LAST");
  }
  return encodeData(dst, off, PduType.C2HData, cccid, 0, datao, datal, flags, digests, hpda);
}

/**
 * Encodes a complete R2T PDU (controller asks the host for `r2tl` bytes at `r2to`): common header,
 * fields, and the header digest when `digests & DigestBit.Header`.
 * @returns the PDU length written (24 or 28).
 * @throws RangeError for bad arguments or too little room in `dst`.
 */
export function encodeR2T(
  dst: Uint8Array,
  off: number,
  cccid: number,
  ttag: number,
  r2to: number,
  r2tl: number,
  digests: number,
): number {
  checkDigests(digests);
  checkField("CCCID", cccid, 0xffff);
  checkField("TTAG", ttag, 0xffff);
  checkField("R2TO", r2to, 0xffffffff);
  checkField("R2TL", r2tl, 0xffffffff);
  const hd = (digests & DigestBit.Header) !== 0;
  const plen = R2T_HEADER_LENGTH + (hd ? DIGEST_LENGTH : 0);
  checkRoom(dst, off, plen);
  writeCommonHeader(dst, off, PduType.R2T, hd ? PduFlag.HDGSTF : 0, R2T_HEADER_LENGTH, 0, plen);
  writeU16le(dst, off + PduField.Cccid, cccid);
  writeU16le(dst, off + PduField.Ttag, ttag);
  writeU32le(dst, off + PduField.DataOffset, r2to);
  writeU32le(dst, off + PduField.DataLength, r2tl);
  zero(dst, off + 20, off + R2T_HEADER_LENGTH);
  if (hd) appendDigest(dst, off, R2T_HEADER_LENGTH);
  return plen;
}
