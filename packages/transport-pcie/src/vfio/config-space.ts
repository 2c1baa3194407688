/**
 * PCI configuration-space registers nvmekit reads or writes (PCI Local Bus spec, type 0 header):
 * identity, the command register, and BAR decoding.
 * @module
 */

/** Register offsets in the type 0 header. */
export const ConfigReg = {
  VENDOR_ID: 0x00,
  DEVICE_ID: 0x02,
  COMMAND: 0x04,
  /** Revision ID (byte 0x08) then the 24-bit class code (0x09-0x0b). */
  CLASS_REVISION: 0x08,
  BAR0: 0x10,
} as const;

/** Command register bits. */
export const Command = { MEMORY_SPACE: 1 << 1, BUS_MASTER: 1 << 2, INTX_DISABLE: 1 << 10 } as const;

/** Minimal register access a config-space helper needs. */
export interface ConfigAccess {
  /** Reads `width` bytes at `offset`. */
  readConfig(offset: number, width: 1 | 2 | 4): number;
}

/**
 * The bus address a memory BAR `index` decodes, from its register (and the next one for a 64-bit
 * BAR); null for an I/O BAR or an unassigned one.
 */
export function barBusAddress(config: ConfigAccess, index: number): number | null {
  const low = config.readConfig(ConfigReg.BAR0 + 4 * index, 4);
  if (low & 1) return null; // I/O space
  const is64 = ((low >>> 1) & 3) === 2;
  const high = is64 && index < 5 ? config.readConfig(ConfigReg.BAR0 + 4 * (index + 1), 4) : 0;
  const address = high * 2 ** 32 + ((low & ~0xf) >>> 0);
  return address === 0 ? null : address;
}
