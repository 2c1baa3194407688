/**
 * A memory BAR mapped from the VFIO device file and viewed zero-copy: 32-bit words for registers,
 * bytes for a controller memory buffer. Stores through `u32` are plain 32-bit MMIO writes.
 * @module
 */
import { TransportError } from "@nvmekit/core";
import type { PciBar } from "@nvmekit/pci-port";
import { MAP_SHARED, PROT_READ, PROT_WRITE } from "../native/constants.js";
import { mmap } from "../native/libc.js";
import { NativeMapping } from "../native/mapping.js";
import { RegionFlags } from "../native/vfio-uapi.js";
import type { VfioDeviceFile } from "./device-file.js";

/** One mapped BAR. */
export class VfioBar implements PciBar {
  /** @inheritdoc */
  readonly index: number;
  /** @inheritdoc */
  readonly size: number;
  /** @inheritdoc */
  readonly busAddress: number;
  /** @inheritdoc */
  readonly u32: Uint32Array;
  /** @inheritdoc */
  readonly bytes: Uint8Array;
  readonly #mapping: NativeMapping;

  private constructor(index: number, busAddress: number, mapping: NativeMapping) {
    this.index = index;
    this.size = mapping.length;
    this.busAddress = busAddress;
    this.#mapping = mapping;
    this.u32 = new Uint32Array(mapping.buffer);
    this.bytes = new Uint8Array(mapping.buffer);
  }

  /** @internal Maps BAR `index` of `file`; null when the BAR is absent. */
  static map(file: VfioDeviceFile, index: number, busAddress: number): VfioBar | null {
    const region = file.region(index);
    if (region.size === 0) return null;
    if (!(region.flags & RegionFlags.MMAP)) {
      throw new TransportError(`BAR${index} cannot be mmapped (an I/O BAR, or vfio-pci refuses it)`);
    }
    const address = mmap(region.size, PROT_READ | PROT_WRITE, MAP_SHARED, file.fd, region.offset);
    return new VfioBar(index, busAddress, new NativeMapping(address, region.size));
  }

  /** The process address of `buffer`'s byte 0 when it is this BAR's mapping, else null. */
  addressOf(buffer: ArrayBufferLike): bigint | null {
    return buffer === this.#mapping.buffer ? this.#mapping.address : null;
  }

  /** Cuts the views off the device (they then alias harmless anonymous memory) and releases the device file. */
  retire(): void {
    this.#mapping.retire();
  }
}
