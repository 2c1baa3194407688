/**
 * Little-endian writers and readers for the data structures the soft controller returns (identify,
 * log pages) and reads (namespace management, reservations, DSM ranges).
 * @module
 */

/** Writes an unsigned 8-bit value at `off`. */
export function put8(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
}

/** Writes an unsigned little-endian 16-bit value at `off`. */
export function put16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

/** Writes an unsigned little-endian 32-bit value at `off`. */
export function put32(b: Uint8Array, off: number, v: number): void {
  for (let i = 0; i < 4; i++) b[off + i] = (v >>> (8 * i)) & 0xff;
}

/** Writes an unsigned little-endian 64-bit value (number below 2^53, or bigint) at `off`. */
export function put64(b: Uint8Array, off: number, v: number | bigint): void {
  const big = BigInt(v);
  for (let i = 0; i < 8; i++) b[off + i] = Number((big >> BigInt(8 * i)) & 0xffn);
}

/** Writes a 128-bit little-endian counter (SMART, capacities) at `off`. */
export function put128(b: Uint8Array, off: number, v: number | bigint): void {
  const big = BigInt(v);
  put64(b, off, big & 0xffff_ffff_ffff_ffffn);
  put64(b, off + 8, big >> 64n);
}

/** Writes `s` as ASCII padded with spaces to `len` bytes (identify strings: SN, MN, FR). */
export function putAscii(b: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i < len; i++) b[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0x20;
}

/** Writes `s` as ASCII padded with NUL bytes to `len` bytes (NQNs). */
export function putAsciiZ(b: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i < len; i++) b[off + i] = i < s.length ? s.charCodeAt(i) & 0x7f : 0;
}

/** Reads an unsigned little-endian 16-bit value at `off`. */
export function get16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

/** Reads an unsigned little-endian 32-bit value at `off`. */
export function get32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Reads an unsigned little-endian 64-bit value at `off` as a number (callers keep it below 2^53). */
export function get64(b: Uint8Array, off: number): number {
  return get32(b, off + 4) * 0x1_0000_0000 + get32(b, off);
}

/** Reads an unsigned little-endian 64-bit value at `off` as a bigint (reservation keys). */
export function get64n(b: Uint8Array, off: number): bigint {
  return (BigInt(get32(b, off + 4)) << 32n) | BigInt(get32(b, off));
}
