/**
 * CapsuleCmd / CapsuleResp encoders, called per I/O: they write into a caller's Uint8Array at an
 * offset and allocate nothing. The SQE / CQE are copied in (the source may be reused on return);
 * nothing is retained. Run them on the socket's owner thread.
 * @module
 */
import {
  CAPSULE_CMD_HEADER_LENGTH,
  CAPSULE_RESP_HEADER_LENGTH,
  DIGEST_LENGTH,
  DigestBit,
  PduFlag,
  PduType,
} from "./constants.js";
import { appendDigest } from "./digest.js";
import { PduField } from "./fields.js";
import { checkDigests, checkRoom, writeCommonHeader, zero } from "./header.js";
import { pduDataOffset } from "./layout.js";

/** Size of a submission queue entry. */
export const SQE_LENGTH = 64;
/** Size of a completion queue entry. */
export const CQE_LENGTH = 16;

function copyIn(dst: Uint8Array, at: number, src: Uint8Array, length: number): void {
  if (src.length < length) throw new RangeError(`need ${length} bytes of entry, got ${src.length}`);
  if (src.length === length) dst.set(src, at);
  else for (let i = 0; i < length; i++) dst[at + i] = src[i]!;
}

/**
 * Encodes a CapsuleCmd header: common header, the 64-byte SQE, the header digest when
 * `digests & DigestBit.Header`, and zero padding up to the data offset when there is in-capsule
 * data. The caller then writes `dataLength` bytes of data right behind the returned length and,
 * when `digests & DigestBit.Data` and `dataLength > 0`, the data digest over them
 * ({@link appendDigest}); `plen` already counts both.
 * @param sqe the command; its first 64 bytes are copied.
 * @param cpda the controller's CPDA from the ICResp (padding is for the receiver).
 * @param dataLength bytes of in-capsule data, 0 for none.
 * @returns the header bytes written (= pdo with data, hlen + header digest without).
 * @throws RangeError for bad arguments or too little room in `dst` for the header.
 */
export function encodeCapsuleCmd(
  dst: Uint8Array,
  off: number,
  sqe: Uint8Array,
  digests: number,
  cpda: number,
  dataLength: number,
): number {
  checkDigests(digests);
  const hd = (digests & DigestBit.Header) !== 0;
  const pdo = pduDataOffset(CAPSULE_CMD_HEADER_LENGTH, hd, cpda, dataLength);
  const headerEnd = CAPSULE_CMD_HEADER_LENGTH + (hd ? DIGEST_LENGTH : 0);
  // Data digest only when there is data to cover (Linux and SPDK clear DDGSTF otherwise).
  const dd = dataLength > 0 && (digests & DigestBit.Data) !== 0;
  const plen = pdo === 0 ? headerEnd : pdo + dataLength + (dd ? DIGEST_LENGTH : 0);
  const written = pdo === 0 ? headerEnd : pdo;
  checkRoom(dst, off, written);
  const flags = (hd ? PduFlag.HDGSTF : 0) | (dd ? PduFlag.DDGSTF : 0);
  writeCommonHeader(dst, off, PduType.CapsuleCmd, flags, CAPSULE_CMD_HEADER_LENGTH, pdo, plen);
  copyIn(dst, off + PduField.Capsule, sqe, SQE_LENGTH);
  if (hd) appendDigest(dst, off, CAPSULE_CMD_HEADER_LENGTH);
  zero(dst, off + headerEnd, off + written);
  return written;
}

/**
 * Encodes a complete CapsuleResp PDU: common header, the 16-byte CQE and the header digest when
 * `digests & DigestBit.Header`.
 * @param cqe the completion; its first 16 bytes are copied.
 * @returns the PDU length written (24 or 28).
 * @throws RangeError for bad arguments or too little room in `dst`.
 */
export function encodeCapsuleResp(dst: Uint8Array, off: number, cqe: Uint8Array, digests: number): number {
  checkDigests(digests);
  const hd = (digests & DigestBit.Header) !== 0;
  const plen = CAPSULE_RESP_HEADER_LENGTH + (hd ? DIGEST_LENGTH : 0);
  checkRoom(dst, off, plen);
  writeCommonHeader(
    dst,
    off,
    PduType.CapsuleResp,
    hd ? PduFlag.HDGSTF : 0,
    CAPSULE_RESP_HEADER_LENGTH,
    0,
    plen,
  );
  copyIn(dst, off + PduField.Capsule, cqe, CQE_LENGTH);
  if (hd) appendDigest(dst, off, CAPSULE_RESP_HEADER_LENGTH);
  return plen;
}
