/**
 * Where a PDU's data starts (`pdo`) and how long the PDU is (`plen`), from its header length, the
 * negotiated digests, the receiver's alignment and the data length. Pure arithmetic: no buffers,
 * any thread.
 * @module
 */
import { DIGEST_LENGTH } from "./constants.js";

/**
 * The data alignment in bytes a PDA value asks for: `(pda + 1) * 4`. The PDA is the receiver's:
 * the controller's CPDA (ICResp) for host→controller PDUs, the host's HPDA (ICReq) for
 * controller→host ones.
 * @throws RangeError when `pda` is not an integer 0..31.
 */
export function pduAlignment(pda: number): number {
  if (!(pda >= 0 && pda <= 31 && (pda | 0) === pda)) throw new RangeError(`PDA ${pda} not in 0..31`);
  return (pda + 1) * 4;
}

/**
 * The PDU data offset: `hlen` plus the header digest, rounded up to the alignment; 0 when the PDU
 * has no data (what Linux and SPDK send then).
 * @throws RangeError for a bad `pda` or a negative or non-integer `dataLength`.
 */
export function pduDataOffset(hlen: number, headerDigest: boolean, pda: number, dataLength: number): number {
  const align = pduAlignment(pda);
  checkLength(dataLength);
  if (dataLength === 0) return 0;
  const end = hlen + (headerDigest ? DIGEST_LENGTH : 0);
  return Math.ceil(end / align) * align;
}

/**
 * The PDU length `plen`: header, header digest, padding, data and data digest (the data digest only
 * when there is data).
 * @throws RangeError like {@link pduDataOffset}.
 */
export function pduLength(
  hlen: number,
  headerDigest: boolean,
  dataDigest: boolean,
  pda: number,
  dataLength: number,
): number {
  const pdo = pduDataOffset(hlen, headerDigest, pda, dataLength);
  if (pdo === 0) return hlen + (headerDigest ? DIGEST_LENGTH : 0);
  return pdo + dataLength + (dataDigest ? DIGEST_LENGTH : 0);
}

function checkLength(n: number): void {
  if (!(n >= 0 && n <= 0xffffffff && Math.floor(n) === n)) throw new RangeError(`data length ${n} invalid`);
}
