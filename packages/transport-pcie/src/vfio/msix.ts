/**
 * MSI-X routing: vectors 0..n-1 of the function to eventfds with VFIO_DEVICE_SET_IRQS.
 * @module
 */
import { InvalidArgumentError } from "@nvmekit/core";
import { PciIrq } from "../native/vfio-uapi.js";
import type { VfioDeviceFile } from "./device-file.js";
import { EventfdVector } from "./interrupt-vector.js";

/** The MSI-X vectors currently routed for one device. */
export class MsixRouting {
  /** How many vectors the function offers. */
  readonly available: number;
  readonly #file: VfioDeviceFile;
  #vectors: EventfdVector[] = [];

  /** Reads the MSI-X vector count of `file`. */
  constructor(file: VfioDeviceFile) {
    this.#file = file;
    this.available = file.irq(PciIrq.MSIX).count;
  }

  /** Routes vectors 0..count-1 (replacing an earlier routing: MSI-X cannot be resized in place). */
  enable(count: number): EventfdVector[] {
    if (!Number.isInteger(count) || count < 1 || count > this.available) {
      throw new InvalidArgumentError(
        "count",
        `${count} MSI-X vectors requested; the function offers ${this.available} (1..${this.available})`,
      );
    }
    this.disable();
    const vectors: EventfdVector[] = [];
    try {
      for (let v = 0; v < count; v++) vectors.push(new EventfdVector(v));
      this.#file.setIrqEventfds(
        PciIrq.MSIX,
        vectors.map((v) => v.fd),
      );
    } catch (error) {
      for (const v of vectors) v.dispose();
      throw error;
    }
    this.#vectors = vectors;
    return vectors;
  }

  /** Stops delivery and retires the vectors (idempotent). */
  disable(): void {
    if (this.#vectors.length === 0) return;
    try {
      this.#file.disableIrq(PciIrq.MSIX);
    } finally {
      for (const v of this.#vectors) v.dispose();
      this.#vectors = [];
    }
  }
}
