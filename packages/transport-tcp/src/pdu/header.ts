/**
 * The 8-byte common header every PDU starts with, and the checks the encoders share. Writes into a
 * caller's Uint8Array, allocates nothing, runs on the thread that owns the socket.
 * @module
 */
import { COMMON_HEADER_LENGTH } from "./constants.js";
import { writeU32le } from "./fields.js";

/**
 * Writes `{type, flags, hlen, pdo, plen}` at `dst[off, off + 8)`.
 * @throws RangeError when the header does not fit in `dst`.
 */
export function writeCommonHeader(
  dst: Uint8Array,
  off: number,
  type: number,
  flags: number,
  hlen: number,
  pdo: number,
  plen: number,
): void {
  checkRoom(dst, off, COMMON_HEADER_LENGTH);
  dst[off] = type;
  dst[off + 1] = flags;
  dst[off + 2] = hlen;
  dst[off + 3] = pdo;
  writeU32le(dst, off + 4, plen);
}

/**
 * Throws a RangeError unless `dst[off, off + length)` exists: a typed array drops out-of-range
 * stores silently, which would send a short PDU.
 * @internal
 */
export function checkRoom(dst: Uint8Array, off: number, length: number): void {
  if (!(off >= 0 && off + length <= dst.length)) {
    throw new RangeError(`PDU needs ${length} bytes at ${off}, buffer has ${dst.length}`);
  }
}

/**
 * Throws a RangeError unless `v` is an integer in `0..max`.
 * @internal
 */
export function checkField(name: string, v: number, max: number): void {
  if (!(v >= 0 && v <= max && Math.floor(v) === v)) throw new RangeError(`${name} ${v} not in 0..${max}`);
}

/**
 * Throws a RangeError unless `digests` holds only {@link DigestBit} bits.
 * @internal
 */
export function checkDigests(digests: number): void {
  if ((digests & ~3) !== 0 || digests < 0) throw new RangeError(`digests ${digests} has bits other than 1|2`);
}

/**
 * Zeroes `dst[from, to)` with a loop (no subarray per call): reserved bytes and padding.
 * @internal
 */
export function zero(dst: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) dst[i] = 0;
}
