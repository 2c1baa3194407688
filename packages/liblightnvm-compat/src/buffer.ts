/**
 * nvm_buf_alloc / nvm_buf_free: DMA memory of the device's controller, which commands use as it is
 * (other memory is copied through DMA memory per command).
 * @module
 */
import { EINVAL, ENODEV, ENOMEM } from "./constants.js";
import type { nvm_dev } from "./device.js";
import { fail, failNull } from "./errors.js";

/**
 * What a command knows of a whole nvm_buf_alloc buffer without asking the allocator, as a property
 * of the buffer's view: its device, size and device address. Commands read it per I/O, where the
 * allocator's look-up, a typed array's byteLength and ArrayBuffer.isView cost calls. Set by
 * nvm_buf_alloc, cleared by nvm_buf_free and nvm_dev_close, the only ways the buffer is freed (its
 * DmaBuffer never leaves the device). @internal
 */
export interface BufferMark {
  /** The device it was allocated for. */
  readonly dev: nvm_dev;
  /** Its size in bytes. */
  readonly size: number;
  /** Where the controller reaches byte 0; -1 on a transport that copies (no device address). */
  readonly iova: number;
}
const MARK = Symbol("liblightnvm.buffer");
type Marked = { [MARK]?: BufferMark | null };

/** The mark of `view` when it is a whole, live nvm_buf_alloc buffer of `dev`, else null. @internal */
export function bufferMark(dev: nvm_dev, view: unknown): BufferMark | null {
  const m = (view as Marked | null | undefined)?.[MARK];
  return m != null && m.dev === dev ? m : null;
}

/** Forgets the mark of a buffer being freed. @internal */
export function unmark(view: Uint8Array): void {
  (view as Marked)[MARK] = null;
}

/**
 * Allocates `nbytes` of zero-filled DMA memory, 4 KiB aligned (liblightnvm's nvm_buf_alloc; its
 * `phys` out-parameter is not offered: the controller finds the address from the view). Null with
 * EINVAL (not a positive byte count), ENODEV (closed device) or ENOMEM. Lifetime: until
 * {@link nvm_buf_free} or nvm_dev_close; never use the view after that. Synchronous.
 */
export function nvm_buf_alloc(dev: nvm_dev | null | undefined, nbytes: number): Uint8Array | null {
  if (!(dev?.open === true)) return failNull(ENODEV, "the device is not open");
  if (!Number.isSafeInteger(nbytes) || nbytes < 1)
    return failNull(EINVAL, `nbytes ${nbytes}: give a positive integer`);
  try {
    const b = dev.ctrlr.allocBuffer(nbytes, 4096);
    dev.buffers.set(b.bytes, b);
    const iova = dev.ctrlr.dma.byCopy === true ? -1 : b.iova;
    (b.bytes as Marked)[MARK] = { dev, size: b.bytes.byteLength, iova };
    return b.bytes;
  } catch (e) {
    return failNull(ENOMEM, `no DMA memory for ${nbytes} bytes`, e);
  }
}

/**
 * Frees a buffer from {@link nvm_buf_alloc} (liblightnvm's nvm_buf_free, void there). Returns 0, or -1
 * with EINVAL for a view that is not an outstanding buffer of `dev`. Do not free a buffer a command
 * still uses. Synchronous.
 */
export function nvm_buf_free(dev: nvm_dev | null | undefined, buf: Uint8Array | null | undefined): number {
  const b = buf ? dev?.buffers.get(buf) : undefined;
  if (b === undefined || !dev)
    return fail(EINVAL, "not a buffer from nvm_buf_alloc on this device (or freed)");
  dev.buffers.delete(buf!);
  unmark(buf!);
  dev.ctrlr.freeBuffer(b);
  return 0;
}
