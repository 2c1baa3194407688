/**
 * CRC32C (Castagnoli; seed and final xor 0xFFFFFFFF), the NVMe/TCP header and data digest, over a
 * range of any Uint8Array (also over SharedArrayBuffer memory) without copying the bytes: the range
 * is wrapped in a Buffer view for `@node-rs/crc32` (one small view object per call, no copy).
 * Synchronous; runs on the calling thread; the array is read only during the call.
 * @module
 */
import { crc32c as nativeCrc32c } from "@node-rs/crc32";
import { readU32le, writeU32le } from "./fields.js";

function view(bytes: Uint8Array, start: number, length: number): Uint8Array {
  // Whole array: hand it over as it is and skip even the view object.
  if (start === 0 && length === bytes.length) return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, length);
}

function checkRange(bytes: Uint8Array, start: number, length: number): void {
  if (!(start >= 0 && length >= 0 && start + length <= bytes.length)) {
    throw new RangeError(`crc32c: range ${start}+${length} outside ${bytes.length} bytes`);
  }
}

/**
 * The CRC32C of `bytes[start, start + length)`: the value a digest field holds.
 * @throws RangeError when the range is not inside `bytes`.
 */
export function crc32c(bytes: Uint8Array, start = 0, length = bytes.length - start): number {
  checkRange(bytes, start, length);
  return nativeCrc32c(view(bytes, start, length));
}

/**
 * Continues a CRC32C: `crc32cContinue(crc32c(a), b)` equals the CRC32C of `a` followed by `b`, so a
 * digest can run over data that arrives in pieces. `previous` 0 is the CRC of nothing.
 * @throws RangeError when the range is not inside `bytes`.
 */
export function crc32cContinue(
  previous: number,
  bytes: Uint8Array,
  start = 0,
  length = bytes.length - start,
): number {
  checkRange(bytes, start, length);
  if (length === 0) return previous >>> 0;
  return nativeCrc32c(view(bytes, start, length), previous >>> 0);
}

/** Stores a digest value little-endian at `dst[off, off + 4)`. Never throws. */
export function writeDigest(dst: Uint8Array, off: number, crc: number): void {
  writeU32le(dst, off, crc);
}

/** Reads the little-endian digest value at `src[off, off + 4)`. Never throws. */
export function readDigest(src: Uint8Array, off: number): number {
  return readU32le(src, off);
}

/**
 * Computes the CRC32C of `dst[start, start + length)` and stores it at `dst[start + length]`: the
 * digest right behind the bytes it covers, as NVMe/TCP places both digests.
 * @returns the offset just past the digest.
 * @throws RangeError when the range or the digest does not fit in `dst`.
 */
export function appendDigest(dst: Uint8Array, start: number, length: number): number {
  const end = start + length;
  if (end + 4 > dst.length) throw new RangeError("appendDigest: no room for the digest");
  writeU32le(dst, end, crc32c(dst, start, length));
  return end + 4;
}
