/**
 * Memory another thread of this process can reach: queue rings, BAR0 and DMA memory handed to a
 * worker thread. The software controller's memory is SharedArrayBuffers, which postMessage shares
 * as they are; VFIO's is mmapped, so it travels as an address the worker views with koffi. Only the
 * thread that mapped the memory may unmap it: the worker must drop its views before the device is
 * closed (VFIO's close keeps the mapping in place while the opening thread still holds views).
 * @module
 */
import { TransportError } from "@nvmekit/core";
import type { PciDevice } from "@nvmekit/pci-port";
import koffi from "koffi";

/** A piece of memory described for another thread; postMessage-able. */
export type SharedMemoryHandle =
  | {
      /** Shared through a SharedArrayBuffer. */
      readonly kind: "sab";
      /** The buffer holding it. */
      readonly buffer: SharedArrayBuffer;
      /** Offset of its first byte in `buffer`. */
      readonly offset: number;
      /** Length in bytes. */
      readonly length: number;
    }
  | {
      /** Mapped in this process at `address`. */
      readonly kind: "pointer";
      /** Process address of the first byte. */
      readonly address: bigint;
      /** Length in bytes. */
      readonly length: number;
    };

/** Describes `view`'s memory for another thread; throws when `device` cannot share it. */
export function shareView(view: ArrayBufferView, device: PciDevice): SharedMemoryHandle {
  const { buffer, byteOffset: offset, byteLength: length } = view;
  if (buffer instanceof SharedArrayBuffer) return { kind: "sab", buffer, offset, length };
  const base = device.addressOf?.(buffer) ?? null;
  if (base === null)
    throw new TransportError(`${device.address}: this memory cannot be reached from another thread`);
  return { kind: "pointer", address: base + BigInt(offset), length };
}

/** The memory of `handle` as bytes in this thread, zero-copy. */
export function openSharedMemory(handle: SharedMemoryHandle): Uint8Array {
  if (handle.kind === "sab") return new Uint8Array(handle.buffer, handle.offset, handle.length);
  return new Uint8Array(koffi.view(handle.address, handle.length));
}

/** The same memory as 32-bit words. */
export function asWords(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
}
