/**
 * Dataset Management: the 16-byte range entries and the attribute bits of CDW11.
 * @module
 */
import { requireBytes, u32, u64, writeU32, writeU64 } from "./bytes.js";

/** Size in bytes of one Dataset Management range. */
export const DSM_RANGE_SIZE = 16;

/** Most ranges one Dataset Management command may carry (NR is 8 bits, 0-based). */
export const DSM_MAX_RANGES = 256;

/** Dataset Management CDW11 attribute bits. */
export enum DsmAttribute {
  /** Integral Dataset for Read. */
  IntegralDatasetForRead = 1,
  /** Integral Dataset for Write. */
  IntegralDatasetForWrite = 2,
  /** Deallocate. */
  Deallocate = 4,
}

/** One range to encode; `attributes` are the range's context attributes (0 when omitted). */
export interface DsmRangeInput {
  /** Starting LBA. */
  slba: number | bigint;
  /** Length in logical blocks (1-based count). */
  nlb: number;
  /** Context Attributes dword (access frequency, latency, sequential hints, command access size). */
  attributes?: number;
}

/** One decoded range. */
export interface DsmRangeEntry {
  /** Context Attributes. */
  attributes: number;
  /** Length in logical blocks. */
  nlb: number;
  /** Starting LBA. */
  slba: bigint;
}

/**
 * Write ranges into `out` (at least 16 bytes each): bytes 3:0 context attributes, 7:4 length in
 * logical blocks, 15:8 starting LBA.
 */
export function encodeDsmRanges(ranges: readonly DsmRangeInput[], out: Uint8Array): void {
  requireBytes(out, ranges.length * DSM_RANGE_SIZE, `${ranges.length} Dataset Management ranges`);
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    const off = i * DSM_RANGE_SIZE;
    writeU32(out, off, r.attributes ?? 0);
    writeU32(out, off + 4, r.nlb);
    writeU64(out, off + 8, r.slba);
  }
}

/** Read `count` ranges from `bytes`. */
export function decodeDsmRanges(bytes: Uint8Array, count: number): DsmRangeEntry[] {
  requireBytes(bytes, count * DSM_RANGE_SIZE, `${count} Dataset Management ranges`);
  const out: DsmRangeEntry[] = [];
  for (let i = 0; i < count; i++) {
    const off = i * DSM_RANGE_SIZE;
    out.push({ attributes: u32(bytes, off), nlb: u32(bytes, off + 4), slba: u64(bytes, off + 8) });
  }
  return out;
}
