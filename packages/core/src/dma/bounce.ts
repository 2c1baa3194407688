/**
 * DMA memory standing in for a caller's buffer that is not DMA memory, for the few commands SPDK
 * lets take ordinary memory (Get Log Page, Get/Set Features, Reservation Report: its user-copy
 * requests). The data goes through a copy in each direction the command moves it; the I/O path
 * never bounces.
 * @module
 */
import type { DmaAllocator, DmaBuffer } from "./dma-memory.js";

/** The bytes of any view. */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * Allocates DMA memory the size of `view`, holding a copy of it when the command moves data to the
 * device (opcode bit 0, as the specification encodes the direction), zeros otherwise.
 * @throws what the allocator throws when its memory is exhausted
 */
export function bounceIn(dma: DmaAllocator, view: ArrayBufferView, opcode: number): DmaBuffer {
  const buf = dma.alloc(view.byteLength);
  if ((opcode & 1) !== 0) buf.bytes.set(bytesOf(view));
  return buf;
}

/**
 * Whether the command moves data from the device (opcode bit 1), so its bounce buffer is copied
 * back to the caller's view when it ends.
 */
export function copiesBack(opcode: number): boolean {
  return (opcode & 2) !== 0;
}

/** Copies a bounce buffer back into the caller's view, whatever the command's status (as SPDK). */
export function bounceOut(buf: DmaBuffer, view: ArrayBufferView): void {
  bytesOf(view).set(buf.bytes.subarray(0, view.byteLength));
}
