/**
 * Controller registers on a fabric: Property Get and Property Set commands on the connected admin
 * queue, so the bring-up state machine (CC.EN, CSTS.RDY, shutdown) runs as it does over a PCIe BAR.
 * @module
 */
import { NvmeCommand } from "../nvme-spec/command.js";
import { propertyGetCommand, propertySetCommand } from "../nvme-spec/fabrics.js";
import { Register } from "../nvme-spec/registers.js";
import type { RegisterAccess } from "../transport/contract.js";

/** Runs one admin command and resolves with its completion's DW0 and DW1; rejects on error status. */
export type AdminExchange = (cmd: NvmeCommand, what: string) => Promise<{ cdw0: number; cdw1: number }>;

/** {@link RegisterAccess} through Property Get/Set. CAP is the only 8-byte property a host reads. */
export class PropertyRegisters implements RegisterAccess {
  /** @param exchange sends a command on the controller's admin queue */
  constructor(private readonly exchange: AdminExchange) {}

  /** Property Get, 4 bytes. */
  async read32(offset: number): Promise<number> {
    const { cdw0 } = await this.exchange(
      propertyGetCommand(new NvmeCommand(), offset, 4),
      name("Get", offset),
    );
    return cdw0 >>> 0;
  }

  /** Property Get, 8 bytes (CAP; other 64-bit registers have no meaning on a fabric). */
  async read64(offset: number): Promise<bigint> {
    const { cdw0, cdw1 } = await this.exchange(
      propertyGetCommand(new NvmeCommand(), offset, 8),
      name("Get", offset),
    );
    return (BigInt(cdw1 >>> 0) << 32n) | BigInt(cdw0 >>> 0);
  }

  /** Property Set, 4 bytes. */
  async write32(offset: number, value: number): Promise<void> {
    await this.exchange(
      propertySetCommand(new NvmeCommand(), offset, 4, BigInt(value >>> 0)),
      name("Set", offset),
    );
  }

  /** Property Set, 8 bytes. */
  async write64(offset: number, value: bigint): Promise<void> {
    await this.exchange(propertySetCommand(new NvmeCommand(), offset, 8, value), name("Set", offset));
  }
}

function name(op: string, offset: number): string {
  const reg = Register[offset] ?? `0x${offset.toString(16)}`;
  return `Property ${op} ${reg}`;
}
