/**
 * Moving bytes without the block cache: direct transfers (sector-aligned) from any buffer, bounced
 * through DMA memory when the controller cannot reach the caller's; and the byte-granular uncached
 * path buffered handles take under NVMED_NO_CACHE (read-modify-write of the partial end sectors).
 * Every transfer keeps the namespace's cache coherent: a completed write updates the cached copies,
 * a read gets the dirty cached bytes (which are newer than the device's) laid over it.
 * @module
 */
import type { Controller, QueuePair } from "@nvmekit/core";
import type { NVMED } from "./device.js";

/** Whether the controller needs `view`'s bytes copied into its DMA memory (not its memory, or not 4-byte aligned). */
export function needsBounce(ctrlr: Controller, view: Uint8Array): boolean {
  if (ctrlr.dma.byCopy === true) return false;
  const iova = ctrlr.dma.iovaOf(view);
  return iova < 0 || iova % 4 !== 0;
}

/** Reads `dst.length` bytes (sector multiple) at byte `pos` (sector aligned) from the device. */
export async function directRead(nvmed: NVMED, qp: QueuePair, pos: number, dst: Uint8Array): Promise<void> {
  const ss = nvmed.ns.sectorSize;
  if (needsBounce(nvmed.ctrlr, dst)) {
    const b = nvmed.ctrlr.allocBuffer(dst.length);
    try {
      await nvmed.ns.read(qp, b.bytes, pos / ss, dst.length / ss);
      dst.set(b.bytes.subarray(0, dst.length));
    } finally {
      nvmed.ctrlr.freeBuffer(b);
    }
  } else {
    await nvmed.ns.read(qp, dst, pos / ss, dst.length / ss);
  }
  nvmed.sharedCache?.overlayDirty(pos, dst);
}

/** Writes `src` (sector multiple) at byte `pos` (sector aligned) to the device. */
export async function directWrite(nvmed: NVMED, qp: QueuePair, pos: number, src: Uint8Array): Promise<void> {
  const ss = nvmed.ns.sectorSize;
  if (needsBounce(nvmed.ctrlr, src)) {
    const b = nvmed.ctrlr.allocBuffer(src.length);
    try {
      b.bytes.set(src);
      await nvmed.ns.write(qp, b.bytes, pos / ss, src.length / ss);
    } finally {
      nvmed.ctrlr.freeBuffer(b);
    }
  } else {
    await nvmed.ns.write(qp, src, pos / ss, src.length / ss);
  }
  nvmed.sharedCache?.directWritten(pos, src);
}

// The sector-aligned span around bytes [pos, pos+len), in a DMA bounce buffer.
async function span<T>(
  nvmed: NVMED,
  pos: number,
  len: number,
  fn: (a: number, bytes: Uint8Array) => Promise<T>,
): Promise<T> {
  const ss = nvmed.ns.sectorSize;
  const a = Math.floor(pos / ss) * ss;
  const b = Math.ceil((pos + len) / ss) * ss;
  const buf = nvmed.ctrlr.allocBuffer(b - a);
  try {
    return await fn(a, buf.bytes.subarray(0, b - a));
  } finally {
    nvmed.ctrlr.freeBuffer(buf);
  }
}

/** Reads any bytes without the cache (NVMED_NO_CACHE buffered handles). */
export function uncachedRead(nvmed: NVMED, qp: QueuePair, pos: number, dst: Uint8Array): Promise<void> {
  return span(nvmed, pos, dst.length, async (a, bytes) => {
    await directRead(nvmed, qp, a, bytes);
    dst.set(bytes.subarray(pos - a, pos - a + dst.length));
  });
}

/** Writes any bytes without the cache: the partial end sectors are read first (read-modify-write). */
export function uncachedWrite(nvmed: NVMED, qp: QueuePair, pos: number, src: Uint8Array): Promise<void> {
  return span(nvmed, pos, src.length, async (a, bytes) => {
    if (a !== pos || bytes.length !== src.length) await directRead(nvmed, qp, a, bytes);
    bytes.set(src, pos - a);
    await directWrite(nvmed, qp, a, bytes);
  });
}
