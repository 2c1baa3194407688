/**
 * nvmed_get_buffer / nvmed_put_buffer: pages of the controller's DMA memory, which HANDLE_HINT_DMEM
 * handles use as they are (the core finds their device address by a property load: the "pre-translated"
 * buffer of the original, with no PFN trailer).
 * @module
 */
import { NVMED_NOENTRY, NVMED_PAGE_SIZE } from "./constants.js";
import type { NVMED } from "./device.js";
import { fail, failNull } from "./errors.js";

// The device whose nvmed_get_buffer gave a view, the view's size and device address, as a property of
// the view: AIO reads it per I/O, where a Map lookup and a typed array's byteLength (a V8 builtin call)
// showed in profiles. Cleared when the buffer is put back or freed.
const OWNER = Symbol("nvmed.buffer-owner");

/** What AIO knows of a whole nvmed_get_buffer buffer without asking anyone. @internal */
export interface Ownership {
  /** The device it was taken for. */
  readonly nvmed: NVMED;
  /** Its size in bytes. */
  readonly size: number;
  /** Where the controller reaches it. */
  readonly iova: number;
}
type Owned = Uint8Array & { [OWNER]?: Ownership | null };

/**
 * Allocates `num_pages` 4 KiB pages of DMA memory, zero-filled. Seed: "Get an I/O buffer which is 4KB *
 * num_pages in size … On success, nvmed_get_buffer() returns a pointer to the buffer. On error, NULL is
 * returned". Lifetime: until nvmed_put_buffer or nvmed_close (after that the view must not be used).
 * Synchronous.
 */
export function nvmed_get_buffer(nvmed: NVMED | null | undefined, num_pages: number): Uint8Array | null {
  if (!nvmed?.open) return failNull(nvmed, -NVMED_NOENTRY, "the device is not open");
  if (!Number.isInteger(num_pages) || num_pages < 1)
    return failNull(nvmed, -1, `num_pages ${num_pages}: give a positive integer`);
  try {
    const buf = nvmed.ctrlr.allocBuffer(num_pages * NVMED_PAGE_SIZE, NVMED_PAGE_SIZE);
    nvmed.buffers.set(buf.bytes, buf);
    (buf.bytes as Owned)[OWNER] = { nvmed, size: buf.bytes.byteLength, iova: buf.iova };
    return buf.bytes;
  } catch (e) {
    return failNull(nvmed, -1, `no DMA memory for ${num_pages} pages`, e);
  }
}

/**
 * Returns a buffer from nvmed_get_buffer. Seed: "Return the buffer to the framework so that the buffer
 * can be released" (void). Differs: returns 0, or -2 for a view that is not an outstanding
 * nvmed_get_buffer buffer (the original probed malloc's size and trusted a magic number). Do not put a
 * buffer an I/O still uses.
 */
export function nvmed_put_buffer(ptr: Uint8Array | null | undefined): number {
  const nvmed = ptr ? (ptr as Owned)[OWNER]?.nvmed : undefined;
  const dma = nvmed?.buffers.get(ptr!);
  if (!ptr || !nvmed || dma === undefined)
    return fail(null, -NVMED_NOENTRY, "not a buffer from nvmed_get_buffer (or already put back)");
  nvmed.buffers.delete(ptr);
  (ptr as Owned)[OWNER] = null;
  nvmed.ctrlr.freeBuffer(dma);
  return 0;
}

/** Frees every buffer nvmed_get_buffer gave for `nvmed` and not put back (nvmed_close). @internal */
export function freeBuffers(nvmed: NVMED): void {
  for (const [view, dma] of nvmed.buffers) {
    (view as Owned)[OWNER] = null;
    nvmed.ctrlr.freeBuffer(dma);
  }
  nvmed.buffers.clear();
}

/**
 * What is known of `view` when it is exactly a buffer nvmed_get_buffer gave for `nvmed` and not yet
 * put back, else null. @internal
 */
export function wholeDeviceBuffer(nvmed: NVMED, view: ArrayBufferView): Ownership | null {
  const o = (view as Owned)[OWNER];
  return o != null && o.nvmed === nvmed ? o : null;
}

/** Whether `view` lies inside a buffer `nvmed_get_buffer` gave for `nvmed` and not yet put back. @internal */
export function isDeviceBuffer(nvmed: NVMED, view: ArrayBufferView): boolean {
  if (wholeDeviceBuffer(nvmed, view) !== null) return true;
  for (const b of nvmed.buffers.keys()) {
    if (
      b.buffer === view.buffer &&
      view.byteOffset >= b.byteOffset &&
      view.byteOffset + view.byteLength <= b.byteOffset + b.byteLength
    )
      return true;
  }
  return false;
}
