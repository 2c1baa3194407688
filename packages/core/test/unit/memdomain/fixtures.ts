/**
 * Small helpers shared by the memory-domain tests.
 * @module
 */
import type { MemoryIoVec } from "../../../src/memdomain/index.js";

/** `n` bytes counting up from `start` (mod 256). */
export function seq(n: number, start = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (start + i) & 0xff;
  return b;
}

/** Cuts `bytes` into iovecs of the given lengths, back to back from `offset`. */
export function split(bytes: Uint8Array, lengths: number[], offset = 0): MemoryIoVec[] {
  const out: MemoryIoVec[] = [];
  let at = offset;
  for (const length of lengths) {
    out.push({ bytes, offset: at, length });
    at += length;
  }
  return out;
}

/** The bytes an iovec array describes, concatenated. */
export function gather(iov: readonly MemoryIoVec[]): number[] {
  const out: number[] = [];
  for (const v of iov) {
    const o = v.offset ?? 0;
    for (let i = 0; i < v.length; i++) out.push(v.bytes![o + i]!);
  }
  return out;
}

/** Records completions: [arg, rc] pairs, in order. */
export class Completions<A = string> {
  /** Every completion seen. */
  readonly calls: [A, number][] = [];
  /** The completion callback (static shape: a bound method created once). */
  readonly cb = (arg: A, rc: number): void => {
    this.calls.push([arg, rc]);
  };
}
