/**
 * The Discovery Log Page (0x70) the target's discovery controller serves: one entry for the I/O
 * subsystem and one for the discovery subsystem itself (subtype 3, as Linux's target lists it), both
 * at the address the host reached. Pure functions; the encoders are core's.
 * @module
 */
import { isIPv6 } from "node:net";
import {
  DISCOVERY_NQN,
  DiscoveryAddressFamily,
  type DiscoveryLogEntry,
  DiscoverySubsystemType,
  DiscoveryTransportType,
  discoveryLogSize,
  encodeDiscoveryLog,
  SecureChannel,
  TSAS_FIELD_SIZE,
} from "@nvmekit/core/nvme-spec";

/** The one port the target serves. */
export const TARGET_PORT_ID = 1;

/** Where the host reached the target, for the entries' TRADDR / TRSVCID / ADRFAM. */
export interface DiscoveryPort {
  /** The local address of the host's connection (an IPv4-mapped IPv6 address is given as IPv4). */
  address: string;
  /** The TCP port. */
  port: number;
}

/** The address as a log entry writes it: IPv4-mapped IPv6 addresses unmapped. */
export function entryAddress(address: string): { traddr: string; adrfam: DiscoveryAddressFamily } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return { traddr: mapped[1]!, adrfam: DiscoveryAddressFamily.IPv4 };
  return isIPv6(address)
    ? { traddr: address, adrfam: DiscoveryAddressFamily.IPv6 }
    : { traddr: address, adrfam: DiscoveryAddressFamily.IPv4 };
}

/** The entries: the I/O subsystem `subnqn`, then the discovery subsystem. */
export function discoveryEntries(subnqn: string, at: DiscoveryPort, asqsz: number): DiscoveryLogEntry[] {
  const { traddr, adrfam } = entryAddress(at.address);
  const common = {
    trtype: DiscoveryTransportType.TCP,
    adrfam,
    treq: SecureChannel.NotRequired,
    portid: TARGET_PORT_ID,
    cntlid: 0xffff,
    asqsz,
    eflags: 0,
    trsvcid: String(at.port),
    traddr,
    tsas: new Uint8Array(TSAS_FIELD_SIZE), // sectype 0: no TLS
  };
  return [
    { ...common, subtype: DiscoverySubsystemType.Nvm, subnqn },
    { ...common, subtype: DiscoverySubsystemType.CurrentDiscovery, subnqn: DISCOVERY_NQN },
  ];
}

/** The whole log page: header (generation `genctr`) and entries. */
export function buildDiscoveryLog(entries: readonly DiscoveryLogEntry[], genctr = 1n): Uint8Array {
  const out = new Uint8Array(discoveryLogSize(entries.length));
  encodeDiscoveryLog(out, genctr, entries);
  return out;
}
