/**
 * Moving a command's data between the caller's payload (contiguous view, iovec list with views, or
 * the SGL callbacks' segments) and PDUs. Offsets are within the command's data.
 * @module
 */
import {
  type NextSgeCallback,
  type Payload,
  PayloadKind,
  type ResetSglCallback,
  type SgeOut,
} from "@nvmekit/core/transport";

const sge: SgeOut = { view: null };

/** Bytes of `view` as a Uint8Array view (no copy). */
function bytesOf(view: ArrayBufferView, offset: number, length: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset + offset, length);
}

/**
 * Calls `visit(segment, at)` for every piece of `payload`'s data in [offset, offset + length), where
 * `at` is the piece's offset from `offset`. Returns false when the payload does not cover the range
 * (a short or failing SGL walk, an iovec without a CPU view).
 */
function forEachPiece(
  payload: Payload,
  offset: number,
  length: number,
  visit: (segment: Uint8Array, at: number) => void,
): boolean {
  if (payload.kind === PayloadKind.Contiguous) {
    const view = payload.view!;
    if (payload.viewOffset + offset + length > view.byteLength) return false;
    visit(bytesOf(view, payload.viewOffset + offset, length), 0);
    return true;
  }
  let skip = offset;
  let done = 0;
  const take = (seg: Uint8Array): void => {
    if (skip >= seg.length) {
      skip -= seg.length;
      return;
    }
    const n = Math.min(seg.length - skip, length - done);
    visit(seg.subarray(skip, skip + n), done);
    done += n;
    skip = 0;
  };
  if (payload.kind === PayloadKind.IoVecs) {
    for (let i = 0; i < payload.iovCount && done < length; i++) {
      const v = payload.iovs![i]!;
      if (v.view === undefined) return false;
      take(v.view.subarray(0, v.length));
    }
    return done === length;
  }
  if (payload.kind !== PayloadKind.Scattered) return length === 0;
  (payload.resetSgl as unknown as ResetSglCallback)(payload.sglArg, payload.sglOffset);
  const next = payload.nextSge as unknown as NextSgeCallback;
  while (done < length) {
    sge.view = null;
    if (next(payload.sglArg, sge) !== 0) return false;
    const view = sge.view as ArrayBufferView | null; // set by the callback
    if (view === null || view.byteLength === 0) return false;
    take(bytesOf(view, 0, view.byteLength));
  }
  return true;
}

/**
 * Whether the payload's views cover its whole length (walking an SGL once, as every post does), so
 * that copies cannot fall short later.
 */
export function payloadCovered(payload: Payload): boolean {
  return forEachPiece(payload, 0, payload.length, ignore);
}

const ignore = (): void => undefined;

/** Copies `length` bytes of the payload's data from `offset` into `dst` at `dstOffset`; false if not covered. */
export function copyFromPayload(
  payload: Payload,
  offset: number,
  length: number,
  dst: Uint8Array,
  dstOffset: number,
): boolean {
  if (payload.kind === PayloadKind.Contiguous) {
    // The common case, without the closure of the general walk.
    const view = payload.view!;
    const at = payload.viewOffset + offset;
    if (at + length > view.byteLength) return false;
    dst.set(bytesOf(view, at, length), dstOffset);
    return true;
  }
  return forEachPiece(payload, offset, length, (seg, at) => dst.set(seg, dstOffset + at));
}

/** Copies `src` into the payload's data at `offset`; false if the payload does not cover it. */
export function copyToPayload(payload: Payload, offset: number, src: Uint8Array): boolean {
  if (payload.kind === PayloadKind.Contiguous) {
    // The common case, without the closure of the general walk.
    const view = payload.view!;
    const at = payload.viewOffset + offset;
    if (at + src.length > view.byteLength) return false;
    bytesOf(view, at, src.length).set(src);
    return true;
  }
  return forEachPiece(payload, offset, src.length, (seg, at) => seg.set(src.subarray(at, at + seg.length)));
}
