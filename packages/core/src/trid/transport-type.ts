/**
 * Transport types and address families of a transport ID, with their names as they appear in a
 * transport ID string: spdk_nvme_transport_id_trtype_str / _adrfam_str / _parse_trtype /
 * _parse_adrfam.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";

/**
 * NVMe transport type. The fabrics values are the NVMe-oF TRTYPE codes; PCIe is 256 (outside the
 * 8-bit TRTYPE range) and Custom 4096, as in SPDK.
 */
export enum TransportType {
  /** Locally attached PCIe controller. */
  PCIe = 256,
  /** NVMe over Fabrics on RDMA (RoCE, iWARP, InfiniBand). */
  RDMA = 1,
  /** NVMe over Fibre Channel. */
  FC = 2,
  /** NVMe over TCP. */
  TCP = 3,
  /** A transport plugin that is none of the above; its name is in `TransportId.trstring`. */
  Custom = 4096,
}

/** Address family of a transport address (NVMe-oF ADRFAM codes). */
export enum AddressFamily {
  /** IPv4 address. */
  IPv4 = 1,
  /** IPv6 address. */
  IPv6 = 2,
  /** InfiniBand address. */
  IB = 3,
  /** Fibre Channel address. */
  FC = 4,
  /** Intra-host transport (loopback). */
  IntraHost = 254,
}

// Canonical spellings, the ones the *Str functions return; parsing compares case-insensitively.
const TRTYPE_NAMES: ReadonlyMap<TransportType, string> = new Map([
  [TransportType.PCIe, "PCIe"],
  [TransportType.RDMA, "RDMA"],
  [TransportType.FC, "FC"],
  [TransportType.TCP, "TCP"],
  [TransportType.Custom, "CUSTOM"],
]);

const ADRFAM_NAMES: ReadonlyMap<AddressFamily, string> = new Map([
  [AddressFamily.IPv4, "IPv4"],
  [AddressFamily.IPv6, "IPv6"],
  [AddressFamily.IB, "IB"],
  [AddressFamily.FC, "FC"],
  [AddressFamily.IntraHost, "INTRA_HOST"],
]);

/** Finds the key whose name equals `str` ignoring case. */
function lookupName<T>(names: ReadonlyMap<T, string>, str: string): T | undefined {
  const upper = str.toUpperCase();
  for (const [value, name] of names) if (name.toUpperCase() === upper) return value;
  return undefined;
}

/** The transport type named `str` (case-insensitive), or undefined; {@link parseTrtype} without the throw. */
export function findTrtype(str: string): TransportType | undefined {
  return lookupName(TRTYPE_NAMES, str);
}

/** The address family named `str` (case-insensitive), or undefined; {@link parseAdrfam} without the throw. */
export function findAdrfam(str: string): AddressFamily | undefined {
  return lookupName(ADRFAM_NAMES, str);
}

/** The canonical name of a transport type ("PCIe", "RDMA", "TCP", "FC", "CUSTOM"), or undefined. */
export function trtypeStr(trtype: TransportType): string | undefined {
  return TRTYPE_NAMES.get(trtype);
}

/** The canonical name of an address family ("IPv4", "IPv6", "IB", "FC", "INTRA_HOST"), or undefined. */
export function adrfamStr(adrfam: AddressFamily): string | undefined {
  return ADRFAM_NAMES.get(adrfam);
}

/**
 * Parses a transport type name, ignoring case ("pcie", "RDMA", "tcp", "FC", "CUSTOM").
 * @throws InvalidArgumentError when the name is not one of them.
 */
export function parseTrtype(str: string): TransportType {
  const trtype = findTrtype(str);
  if (trtype === undefined) {
    throw new InvalidArgumentError("trtype", `unknown transport type "${str}"; use PCIe, RDMA, TCP or FC`);
  }
  return trtype;
}

/**
 * Parses an address family name, ignoring case ("IPv4", "ipv6", "IB", "FC", "INTRA_HOST").
 * @throws InvalidArgumentError when the name is not one of them.
 */
export function parseAdrfam(str: string): AddressFamily {
  const adrfam = findAdrfam(str);
  if (adrfam === undefined) {
    throw new InvalidArgumentError(
      "adrfam",
      `unknown address family "${str}"; use IPv4, IPv6, IB, FC or INTRA_HOST`,
    );
  }
  return adrfam;
}
