/**
 * Little-endian field readers and writers shared by every NVMe structure codec, so that each
 * decoder names offsets and never re-implements byte assembly.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";

/** 2^32, the weight of the high dword of a 64-bit value. */
export const TWO_POW_32 = 0x1_0000_0000;

/** Read an unsigned byte. */
export function u8(b: Uint8Array, off: number): number {
  return b[off]!;
}

/** Read a little-endian unsigned 16-bit field. */
export function u16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

/** Read a little-endian unsigned 24-bit field (e.g. the IEEE OUI). */
export function u24(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16);
}

/** Read a little-endian unsigned 32-bit field. */
export function u32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Read a little-endian unsigned 64-bit field as a bigint. */
export function u64(b: Uint8Array, off: number): bigint {
  return (BigInt(u32(b, off + 4)) << 32n) | BigInt(u32(b, off));
}

/** Read a little-endian unsigned 128-bit field (SMART counters, capacities) as a bigint. */
export function u128(b: Uint8Array, off: number): bigint {
  return (u64(b, off + 8) << 64n) | u64(b, off);
}

/** Read an ASCII field padded with spaces or NULs (serial number, model), trimmed. */
export function ascii(b: Uint8Array, off: number, len: number): string {
  let s = "";
  for (let i = off; i < off + len; i++) {
    const c = b[i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim();
}

/** Render bytes in storage order as lowercase hex (NGUID, EUI-64, UUID are big-endian byte arrays). */
export function hex(b: Uint8Array, off: number, len: number): string {
  let s = "";
  for (let i = off; i < off + len; i++) s += b[i]!.toString(16).padStart(2, "0");
  return s;
}

/** Whether every byte of the range is zero (an unset identifier). */
export function isZero(b: Uint8Array, off: number, len: number): boolean {
  for (let i = off; i < off + len; i++) if (b[i] !== 0) return false;
  return true;
}

/** Write a little-endian 16-bit field. */
export function writeU16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

/** Write a little-endian 32-bit field. */
export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** Write a little-endian 64-bit field from a bigint or a safe-integer number. */
export function writeU64(b: Uint8Array, off: number, v: bigint | number): void {
  const big = BigInt.asUintN(64, BigInt(v));
  writeU32(b, off, Number(big & 0xffff_ffffn));
  writeU32(b, off + 4, Number(big >> 32n));
}

/** Write a little-endian 128-bit field from a bigint. */
export function writeU128(b: Uint8Array, off: number, v: bigint): void {
  const big = BigInt.asUintN(128, v);
  writeU64(b, off, big & 0xffff_ffff_ffff_ffffn);
  writeU64(b, off + 8, big >> 64n);
}

/** Extract `width` bits starting at bit `lo` of a 32-bit value. */
export function bits(v: number, lo: number, width: number): number {
  return width >= 32 ? v >>> 0 : ((v >>> lo) & ((1 << width) - 1)) >>> 0;
}

/** Whether bit `n` of a 32-bit value is set. */
export function bit(v: number, n: number): boolean {
  return ((v >>> n) & 1) === 1;
}

/**
 * Low dword of a safe-integer 64-bit quantity (e.g. a PRP address below 2^53). `>>> 0` is ToUint32,
 * which is exactly "modulo 2^32" for integers, and compiles inline where `% 2^32` is a call to fmod.
 */
export function lo32(v: number): number {
  return v >>> 0;
}

/**
 * High dword of a non-negative safe-integer 64-bit quantity. Most (LBAs, IOVAs) fit in 32 bits, so the
 * division is skipped for them: floating-point arithmetic is a soft-float helper call per instruction
 * in an emulated (TCG) guest, where a compare is a few instructions.
 */
export function hi32(v: number): number {
  return v > 0xffff_ffff ? Math.floor(v / TWO_POW_32) >>> 0 : 0;
}

/** Reject a buffer shorter than a structure before decoding it, naming the structure. */
export function requireBytes(b: Uint8Array, len: number, what: string): void {
  if (b.length < len) {
    throw new InvalidArgumentError(
      "bytes",
      `${what} needs ${len} bytes but the buffer holds ${b.length}; pass the whole data buffer`,
    );
  }
}

/** Turn a bit field into named booleans using a table of masks (e.g. ONCS with the `Oncs` table). */
export function decodeFlags<T extends Readonly<Record<string, number>>>(
  v: number,
  masks: T,
): { [K in keyof T]: boolean } {
  const out = {} as { [K in keyof T]: boolean };
  for (const key of Object.keys(masks) as (keyof T)[]) out[key] = (v & masks[key]!) !== 0;
  return out;
}

/** Read little-endian 32-bit entries up to the first zero or `max` entries (namespace ID lists). */
export function u32ListUntilZero(b: Uint8Array, max: number): number[] {
  const out: number[] = [];
  const n = Math.min(max, Math.floor(b.length / 4));
  for (let i = 0; i < n; i++) {
    const v = u32(b, i * 4);
    if (v === 0) break;
    out.push(v);
  }
  return out;
}
