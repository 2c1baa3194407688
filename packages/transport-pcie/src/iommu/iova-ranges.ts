/**
 * Turning the kernel's valid IOVA ranges (inclusive u64 bounds) into page-aligned [start, end)
 * JavaScript numbers. IOVAs are numbers throughout nvmekit, so anything at or above 2^53 is cut off.
 * @module
 */
import type { IovaRange } from "./iommu-backend.js";

const LIMIT = BigInt(Number.MAX_SAFE_INTEGER) + 1n;

/** Aligns each range inward to `pageSize`, clamps below 2^53, drops empty ones, sorts ascending. */
export function clampIovaRanges(
  raw: readonly { start: bigint; last: bigint }[],
  pageSize: number,
): IovaRange[] {
  const page = BigInt(pageSize);
  return raw
    .map(({ start, last }) => {
      const s = ((start + page - 1n) / page) * page;
      const endExclusive = last + 1n < LIMIT ? last + 1n : LIMIT;
      const e = (endExclusive / page) * page;
      return { start: s, end: e };
    })
    .filter(({ start, end }) => end > start)
    .sort((a, b) => (a.start < b.start ? -1 : 1))
    .map(({ start, end }) => ({ start: Number(start), end: Number(end) }));
}
