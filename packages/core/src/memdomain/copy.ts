/**
 * Moving bytes between iovec arrays split at different points, and zero-filling them: the engine of
 * the system-memory copy callbacks and of bounce-style domains. Nothing is allocated per call;
 * a run longer than {@link COPY_LOOP_MAX} that is not a whole view costs one transient subarray so
 * that it moves by memcpy (`TypedArray.set`), which outruns a JS byte loop on anything but short runs.
 * Ranges must not overlap (memcpy semantics).
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import type { MemoryIoVec } from "./iovec.js";

/** Runs up to this many bytes are copied by a plain loop (cheaper than creating a view). */
export const COPY_LOOP_MAX = 64;

function viewOf(v: MemoryIoVec, name: string): Uint8Array {
  const bytes = v.bytes;
  if (bytes === null || bytes === undefined) {
    throw new InvalidArgumentError(name, "an iovec without a CPU view (bytes) cannot be copied by JS");
  }
  return bytes;
}

function copyRun(dst: Uint8Array, d: number, src: Uint8Array, s: number, n: number): void {
  if (n <= COPY_LOOP_MAX) {
    for (let k = 0; k < n; k++) dst[d + k] = src[s + k]!;
  } else if (s === 0 && n === src.length) {
    dst.set(src, d);
  } else {
    dst.set(src.subarray(s, s + n), d);
  }
}

/**
 * Copies the bytes of `src[0..srcCnt)` into `dst[0..dstCnt)` in order, whatever the split points,
 * skipping zero-length entries. Copies min(source, destination) bytes and returns that count; check
 * lengths first (the operations do) when a short destination must be an error.
 * @throws InvalidArgumentError when a non-empty iovec has no `bytes`
 */
export function copyIovs(
  dst: readonly MemoryIoVec[],
  dstCnt: number,
  src: readonly MemoryIoVec[],
  srcCnt: number,
): number {
  let di = 0;
  let si = 0;
  let dPos = 0; // bytes already filled in dst[di]
  let sPos = 0; // bytes already taken from src[si]
  let total = 0;
  while (di < dstCnt && si < srcCnt) {
    const d = dst[di]!;
    const s = src[si]!;
    const dLeft = d.length - dPos;
    if (dLeft <= 0) {
      di++;
      dPos = 0;
      continue;
    }
    const sLeft = s.length - sPos;
    if (sLeft <= 0) {
      si++;
      sPos = 0;
      continue;
    }
    const n = Math.min(dLeft, sLeft);
    copyRun(viewOf(d, "dst"), (d.offset ?? 0) + dPos, viewOf(s, "src"), (s.offset ?? 0) + sPos, n);
    dPos += n;
    sPos += n;
    total += n;
  }
  return total;
}

/**
 * Fills `iov[0..cnt)` with zeroes and returns the number of bytes written.
 * @throws InvalidArgumentError when a non-empty iovec has no `bytes`
 */
export function zeroIovs(iov: readonly MemoryIoVec[], cnt: number): number {
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const v = iov[i]!;
    if (v.length === 0) continue;
    const start = v.offset ?? 0;
    viewOf(v, "iov").fill(0, start, start + v.length);
    total += v.length;
  }
  return total;
}
