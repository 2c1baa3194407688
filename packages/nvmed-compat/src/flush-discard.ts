/**
 * nvmed_flush and nvmed_discard.
 * @module
 */
import type { DsmRange } from "@nvmekit/core";
import { NVME_CMD_DSM, NVME_CMD_FLUSH, NVMED_FAULT } from "./constants.js";
import type { NVMED_HANDLE } from "./device.js";
import { fail } from "./errors.js";
import { selectQueue, usable } from "./select-queue.js";

/**
 * Writes back every dirty page of the device's cache (every handle's, as the original), in merged
 * contiguous runs, then issues NVMe Flush when the controller has a volatile write cache (VWC). Seed:
 * "Flush dirty block cache to disk … and issue flush command … On success, nvmed_flush() returns 0. On
 * error, -1 is returned" (the original's header said void). Differs: a Promise. The queue is the
 * handle's (or its select function's choice for opcode 0x00).
 */
export async function nvmed_flush(handle: NVMED_HANDLE | null | undefined): Promise<number> {
  if (!usable(handle)) return -1;
  const q = selectQueue(handle, NVME_CMD_FLUSH, 0, 0);
  if (typeof q === "number") return q;
  const nvmed = handle.nvmed;
  try {
    await nvmed.sharedCache?.flushAll(q.qp);
    if ((nvmed.ctrlr.data.vwc & 1) !== 0) await nvmed.ns.flush(q.qp);
  } catch (e) {
    return fail(handle, -NVMED_FAULT, "flush failed", e);
  }
  return 0;
}

const MAX_BLOCKS_PER_RANGE = 0xffffffff;

/**
 * Deallocates bytes [start, start+len) with Dataset Management (attribute Deallocate). Seed: "start/len
 * should be aligned to the sector (512 Bytes) … On success, nvmed_discard() returns 0. On error, -1 is
 * returned". Here the alignment is the namespace's sector size; a misaligned or out-of-range request is
 * -1 with nothing submitted; len 0 is 0 with nothing submitted. Fixed: the original put the byte
 * offset in the LBA field. Cached pages over the range are written back if dirty (so bytes outside it
 * survive) and dropped before the command, so later reads see what the device returns for
 * deallocated blocks. Differs: a Promise.
 */
export async function nvmed_discard(
  handle: NVMED_HANDLE | null | undefined,
  start: number,
  len: number,
): Promise<number> {
  if (!usable(handle)) return -1;
  const nvmed = handle.nvmed;
  const ss = nvmed.sectorSize;
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(len) ||
    start < 0 ||
    len < 0 ||
    start % ss !== 0 ||
    len % ss !== 0
  )
    return fail(
      handle,
      -1,
      `discard ${start}+${len}: give ${ss}-byte aligned, non-negative start and length`,
    );
  if (start + len > nvmed.capacity)
    return fail(handle, -1, `discard ${start}+${len} runs past the device's ${nvmed.capacity}`);
  if (len === 0) return 0;
  const q = selectQueue(handle, NVME_CMD_DSM, start, len);
  if (typeof q === "number") return q;
  const ranges: DsmRange[] = [];
  for (let lba = start / ss, left = len / ss; left > 0; ) {
    const count = Math.min(left, MAX_BLOCKS_PER_RANGE);
    ranges.push({ lba, count });
    lba += count;
    left -= count;
  }
  const deallocate = () => nvmed.ns.deallocate(q.qp, ranges);
  try {
    const cache = nvmed.sharedCache;
    if (cache !== null) await cache.discard(q.qp, start, len, deallocate);
    else await deallocate();
  } catch (e) {
    return fail(handle, -NVMED_FAULT, "discard failed", e);
  }
  return 0;
}
