/**
 * File-like I/O on a handle: nvmed_lseek, nvmed_read/nvmed_write (at the handle's offset, advancing
 * it) and nvmed_pread/nvmed_pwrite (at a given offset, leaving it). Direct handles move whole sectors
 * straight between the buffer and the device; buffered handles go through the namespace's block cache
 * (or, under NVMED_NO_CACHE, a read-modify-write bounce) at any byte offset and length. Splitting by
 * MDTS is the core's and invisible here.
 * @module
 */

import { isDeviceBuffer } from "./buffer.js";
import {
  HANDLE_DIRECT_IO,
  HANDLE_HINT_DMEM,
  HANDLE_SYNC_IO,
  NVME_CMD_READ,
  NVME_CMD_WRITE,
  NVMED_FAULT,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from "./constants.js";
import type { NVMED_HANDLE } from "./device.js";
import { fail } from "./errors.js";
import { selectQueue, usable } from "./select-queue.js";
import { directRead, directWrite, uncachedRead, uncachedWrite } from "./transfer.js";

/**
 * Moves the handle's offset. Seed: "SEEK_SET : The offset is set to offset bytes; SEEK_CUR : … its
 * current location plus offset bytes; SEEK_END : … the size of the device minus offset bytes … On
 * success, nvmed_lseek() returns the offset location as measured in bytes from the beginning of the
 * device. On error, -1 is returned". As the original: the result must be below the capacity for SET and
 * CUR, `offset` at most the capacity for END (so END may land on the capacity), never negative; no
 * alignment check (direct I/O checks its own offset). Synchronous.
 */
export function nvmed_lseek(handle: NVMED_HANDLE | null | undefined, offset: number, whence: number): number {
  if (!usable(handle)) return -1;
  const cap = handle.nvmed.capacity;
  if (!Number.isSafeInteger(offset)) return fail(handle, -1, `offset ${offset}: give an integer`);
  let next: number;
  if (whence === SEEK_SET) next = offset;
  else if (whence === SEEK_CUR) next = handle.offset + offset;
  else if (whence === SEEK_END) {
    if (offset < 0 || offset > cap) return fail(handle, -1, `SEEK_END offset ${offset} outside 0..${cap}`);
    next = cap - offset;
  } else return fail(handle, -1, `whence ${whence}: SEEK_SET, SEEK_CUR or SEEK_END`);
  if (next < 0 || (whence !== SEEK_END && next >= cap))
    return fail(handle, -1, `offset ${next} outside 0..${cap - 1}`);
  handle.offset = next;
  return next;
}

async function rw(
  handle: NVMED_HANDLE | null | undefined,
  write: boolean,
  buf: ArrayBufferView,
  count: number,
  pos: number,
): Promise<number> {
  if (!usable(handle)) return -1;
  const nvmed = handle.nvmed;
  if (!ArrayBuffer.isView(buf)) return fail(handle, -1, "buf is not an ArrayBufferView");
  if (!Number.isSafeInteger(count) || count < 0 || count > buf.byteLength)
    return fail(handle, -1, `count ${count}: give 0 to buf.byteLength (${buf.byteLength})`);
  if (!Number.isSafeInteger(pos) || pos < 0 || pos + count > nvmed.capacity)
    return fail(handle, -1, `bytes ${pos}+${count} run past the device's ${nvmed.capacity}`);
  if (count === 0) return 0;
  const direct = (handle.flags & HANDLE_DIRECT_IO) !== 0;
  const ss = nvmed.sectorSize;
  if (direct && (pos % ss !== 0 || count % ss !== 0))
    return fail(handle, -1, `direct I/O needs ${ss}-byte aligned offset and count: ${pos}+${count}`);
  if ((handle.flags & HANDLE_HINT_DMEM) !== 0 && !isDeviceBuffer(nvmed, buf))
    return fail(handle, -1, "HANDLE_HINT_DMEM: buf is not a buffer from nvmed_get_buffer on this device");
  const q = selectQueue(handle, write ? NVME_CMD_WRITE : NVME_CMD_READ, pos, count);
  if (typeof q === "number") return q;
  const view = new Uint8Array(buf.buffer, buf.byteOffset, count);
  try {
    if (direct) await (write ? directWrite : directRead)(nvmed, q.qp, pos, view);
    else if (nvmed.cache === null) await (write ? uncachedWrite : uncachedRead)(nvmed, q.qp, pos, view);
    else if (write) await nvmed.cache.write(q.qp, pos, view, (handle.flags & HANDLE_SYNC_IO) !== 0);
    else await nvmed.cache.read(q.qp, pos, view);
  } catch (e) {
    return fail(handle, -NVMED_FAULT, `${write ? "write" : "read"} of ${count} bytes at ${pos} failed`, e);
  }
  return count;
}

/**
 * Reads `count` bytes at the handle's offset into `buf`, advancing the offset. Seed: "For direct I/O,
 * count should be aligned to the sector size (512 Bytes) … On success, nvmed_read() or nvmed_write()
 * returns the total bytes read or written. On error, -1 is returned". Here: the namespace's sector
 * size; a misaligned direct request is -1 with nothing submitted (the original returned 0); a range
 * past the end is -1; a failed command is -1 with the NVMe status in `handle.lastError`. Any
 * ArrayBufferView works unless the handle has HANDLE_HINT_DMEM (then only nvmed_get_buffer memory).
 * `buf` must stay untouched until the Promise settles. Differs: a Promise; buffered and non-SYNC direct
 * reads and writes are complete when it resolves (the original's non-SYNC direct write returned
 * before the device had it).
 */
export async function nvmed_read(
  handle: NVMED_HANDLE | null | undefined,
  buf: ArrayBufferView,
  count: number,
): Promise<number> {
  const at = handle?.offset ?? 0;
  const n = await rw(handle, false, buf, count, at);
  if (n > 0) handle!.offset = at + n;
  return n;
}

/** Writes `count` bytes from `buf` at the handle's offset, advancing it; see {@link nvmed_read}. Buffered handles without HANDLE_SYNC_IO leave the data dirty in the cache (nvmed_flush writes it). */
export async function nvmed_write(
  handle: NVMED_HANDLE | null | undefined,
  buf: ArrayBufferView,
  count: number,
): Promise<number> {
  const at = handle?.offset ?? 0;
  const n = await rw(handle, true, buf, count, at);
  if (n > 0) handle!.offset = at + n;
  return n;
}

/** {@link nvmed_read} at byte `offset`, leaving the handle's offset unchanged (the original's nvmed_pread). */
export function nvmed_pread(
  handle: NVMED_HANDLE | null | undefined,
  buf: ArrayBufferView,
  count: number,
  offset: number,
): Promise<number> {
  return rw(handle, false, buf, count, offset);
}

/** {@link nvmed_write} at byte `offset`, leaving the handle's offset unchanged (the original's nvmed_pwrite). */
export function nvmed_pwrite(
  handle: NVMED_HANDLE | null | undefined,
  buf: ArrayBufferView,
  count: number,
  offset: number,
): Promise<number> {
  return rw(handle, true, buf, count, offset);
}
