/**
 * Encoding ioctl argument structures into byte buffers with koffi struct types, so one buffer can
 * hold a fixed header plus trailing data (eventfd arrays, capability chains) the kernel reads or fills.
 * @module
 */
import koffi, { type TypeObject } from "koffi";

/** A zeroed buffer of `capacity` bytes (at least the struct's size) holding `value` encoded as `type`. */
export function encodeStruct(type: TypeObject, value: object, capacity = koffi.sizeof(type)): Uint8Array {
  const buffer = new Uint8Array(Math.max(capacity, koffi.sizeof(type)));
  koffi.encode(buffer, 0, type, value);
  return buffer;
}

/** Decodes a `type` struct at `offset` of `buffer`. */
export function decodeStruct<T>(buffer: Uint8Array, type: TypeObject, offset = 0): T {
  return koffi.decode(buffer, offset, type) as T;
}

/** A u64 field decoded by koffi (a number when safe, else a bigint) as a bigint. */
export function u64(value: number | bigint): bigint {
  return BigInt(value);
}
