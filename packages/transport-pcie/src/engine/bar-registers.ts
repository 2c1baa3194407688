/**
 * Controller registers through BAR0: NVMe's RegisterAccess over the mapped BAR. Reads use
 * Atomics.load so the compiler can never hoist a register poll out of a loop; writes are plain
 * 32-bit stores (see doorbells in queue-port.ts for why no locked instruction touches the BAR).
 * 64-bit registers are accessed as two dwords, low first, which NVMe permits.
 * @module
 */
import type { RegisterAccess } from "@nvmekit/core/transport";

/** RegisterAccess over BAR0's 32-bit view. */
export class BarRegisters implements RegisterAccess {
  /** @param bar BAR0 as 32-bit words */
  constructor(private readonly bar: Uint32Array) {}

  /** Reads a 32-bit register now (synchronously; the Promise face is the contract's). */
  readNow(offset: number): number {
    return Atomics.load(this.bar, offset >>> 2);
  }

  /** Reads a 32-bit register. */
  async read32(offset: number): Promise<number> {
    return this.readNow(offset);
  }

  /** Reads a 64-bit register, low dword first. */
  async read64(offset: number): Promise<bigint> {
    const lo = this.readNow(offset);
    const hi = this.readNow(offset + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Writes a 32-bit register. */
  async write32(offset: number, value: number): Promise<void> {
    this.bar[offset >>> 2] = value;
  }

  /** Writes a 64-bit register, low dword first. */
  async write64(offset: number, value: bigint): Promise<void> {
    this.bar[offset >>> 2] = Number(value & 0xffff_ffffn);
    this.bar[(offset >>> 2) + 1] = Number(value >> 32n);
  }
}
