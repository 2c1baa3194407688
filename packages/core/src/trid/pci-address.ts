/**
 * PCI addresses (domain, bus, device, function) as written in a PCIe transport ID: `DDDD:BB:DD.F`
 * or `DDDD.BB.DD.F`, hexadecimal.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";

/** A PCI function's address. */
export interface PciAddress {
  /** PCI segment (domain), 0..0xffffffff (VMD domains exceed 16 bits). */
  domain: number;
  /** Bus number, 0..0xff. */
  bus: number;
  /** Device number, 0..0x1f. */
  device: number;
  /** Function number, 0..7. */
  function: number;
}

// Domain and bus/device/function separated either all by the Linux spelling (":" ":" ".") or all by ".".
const PCI_ADDRESS =
  /^([0-9a-f]{1,8})(?::([0-9a-f]{1,2}):([0-9a-f]{1,2})|\.([0-9a-f]{1,2})\.([0-9a-f]{1,2}))\.([0-7])$/i;

/**
 * Parses `DDDD:BB:DD.F` or `DDDD.BB.DD.F` (hexadecimal, any case, leading zeros optional).
 * Unlike SPDK's spdk_pci_addr_parse, the short forms without domain or function and trailing
 * characters are rejected: a transport ID names one function exactly.
 * @throws InvalidArgumentError when `str` is not such an address or a part is out of range.
 */
export function parsePciAddress(str: string): PciAddress {
  const m = PCI_ADDRESS.exec(str);
  if (m === null) {
    throw new InvalidArgumentError("traddr", `"${str}" is not a PCI address; write it as DDDD:BB:DD.F`);
  }
  const device = Number.parseInt(m[3] ?? m[5]!, 16);
  if (device > 0x1f) {
    throw new InvalidArgumentError("traddr", `PCI device number in "${str}" exceeds 1f`);
  }
  return {
    domain: Number.parseInt(m[1]!, 16),
    bus: Number.parseInt(m[2] ?? m[4]!, 16),
    device,
    function: Number.parseInt(m[6]!, 16),
  };
}

/** Formats a PCI address as `DDDD:BB:DD.F` in lower-case hexadecimal (the Linux sysfs spelling). */
export function formatPciAddress(addr: PciAddress): string {
  const hex = (v: number, width: number) => v.toString(16).padStart(width, "0");
  return `${hex(addr.domain, 4)}:${hex(addr.bus, 2)}:${hex(addr.device, 2)}.${addr.function.toString(16)}`;
}

/** Orders PCI addresses by domain, bus, device, then function (spdk_pci_addr_compare): <0, 0 or >0. */
export function comparePciAddresses(a: PciAddress, b: PciAddress): number {
  return a.domain - b.domain || a.bus - b.bus || a.device - b.device || a.function - b.function;
}
