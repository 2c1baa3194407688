/**
 * Writing a 64-bit IOVA into two consecutive dwords, shared by the PRP and SGL builders.
 * @module
 */
import { hi32, lo32 } from "../nvme-spec/bytes.js";

/** Stores `value` (a non-negative integer below 2^53) little-endian at `view[index]` (low) and `view[index + 1]` (high). */
export function putU64(view: Uint32Array, index: number, value: number): void {
  view[index] = lo32(value);
  view[index + 1] = hi32(value);
}
