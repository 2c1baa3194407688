/**
 * The controller memory buffer: finding it (CMBLOC/CMBSZ, enabled first through CMBMSC on NVMe 1.4+
 * controllers that report CAP.CMBS) and carving submission queue rings out of it. Ring addresses
 * given to the controller are the CMB's own bus addresses, which is how it knows they are local.
 * @module
 */
import { cmbOffsetBytes, decodeCap, decodeCmbloc, decodeCmbsz, Register } from "@nvmekit/core/nvme-spec";
import type { PciDevice } from "@nvmekit/pci-port";
import type { BarRegisters } from "./bar-registers.js";

/** A piece of the CMB: the CPU's view and the address the controller uses. */
export interface CmbRegion {
  /** The CPU's view (MMIO). */
  u32: Uint32Array;
  /** Controller (bus) address of the first byte. */
  busAddress: number;
  /** Offset inside the CMB, to give it back. */
  offset: number;
  /** Size in bytes. */
  size: number;
}

/** The CMB of a controller, when it has one that can hold submission queues. */
export class ControllerMemoryBuffer {
  private readonly used = new Map<number, number>(); // offset -> size

  private constructor(
    private readonly view: Uint8Array,
    private readonly busAddress: number,
  ) {}

  /** Finds and enables the CMB; null when the controller has none or it cannot hold SQs. */
  static open(device: PciDevice, regs: BarRegisters): ControllerMemoryBuffer | null {
    const cap = decodeCap(
      (BigInt(regs.readNow(Register.CAP + 4)) << 32n) | BigInt(regs.readNow(Register.CAP)),
    );
    // CAP.CMBS: CMBLOC/CMBSZ read as zero until CMBMSC.CRE enables them.
    if (cap.cmbs) void regs.write32(Register.CMBMSC, 1);
    const sz = decodeCmbsz(regs.readNow(Register.CMBSZ));
    if (sz.sizeBytes === 0 || !sz.sqs) return null;
    const loc = decodeCmbloc(regs.readNow(Register.CMBLOC));
    const bar = device.bar(loc.bir);
    if (bar === null) return null;
    const offset = cmbOffsetBytes(loc, sz);
    const size = Math.min(sz.sizeBytes, bar.size - offset);
    const base = bar.busAddress + offset;
    if (cap.cmbs) {
      // CMBMSC: CBA (bits 63:12) = where the controller sees the CMB, CMSE bit 1, CRE bit 0.
      void regs.write64(Register.CMBMSC, BigInt(bar.busAddress) | 3n);
    }
    return new ControllerMemoryBuffer(bar.bytes.subarray(offset, offset + size), base);
  }

  /** Takes `size` bytes (page aligned) for a ring, or null when the CMB is full. */
  alloc(size: number): CmbRegion | null {
    const need = Math.ceil(size / 4096) * 4096;
    let at = 0;
    for (const [off, len] of [...this.used].sort((a, b) => a[0] - b[0])) {
      if (off - at >= need) break;
      at = off + len;
    }
    if (at + need > this.view.byteLength) return null;
    this.used.set(at, need);
    const bytes = this.view.subarray(at, at + need);
    bytes.fill(0);
    return {
      u32: new Uint32Array(bytes.buffer, bytes.byteOffset, need / 4),
      busAddress: this.busAddress + at,
      offset: at,
      size: need,
    };
  }

  /** Gives a ring back. */
  free(region: CmbRegion): void {
    this.used.delete(region.offset);
  }
}
