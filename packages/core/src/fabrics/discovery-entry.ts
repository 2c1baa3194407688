/**
 * From a Discovery Log Page entry to the transport ID a host connects with. The log carries
 * NVMe-oF TRTYPE codes (PCIe 0, RDMA 1, FC 2, TCP 3, loop 254) where core numbers PCIe 256, as SPDK
 * does; address families share their numbers.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import {
  DiscoveryAddressFamily,
  type DiscoveryLogEntry,
  DiscoveryTransportType,
} from "../nvme-spec/discovery-log.js";
import { NQN_MAX_LEN, TRADDR_MAX_LEN, TRSVCID_MAX_LEN, type TransportId } from "../trid/transport-id.js";
import { AddressFamily, TransportType } from "../trid/transport-type.js";

/** The name core gives a loop entry: a Custom transport, reachable only through a plugin named "loop". */
const LOOP_TRSTRING = "LOOP";

/** Core's transport type and trstring for a log entry's TRTYPE. */
function mapTrtype(trtype: number): { trtype: TransportType; trstring: string } {
  switch (trtype) {
    case DiscoveryTransportType.RDMA:
      return { trtype: TransportType.RDMA, trstring: "RDMA" };
    case DiscoveryTransportType.FC:
      return { trtype: TransportType.FC, trstring: "FC" };
    case DiscoveryTransportType.TCP:
      return { trtype: TransportType.TCP, trstring: "TCP" };
    case DiscoveryTransportType.PCIe:
      return { trtype: TransportType.PCIe, trstring: "PCIE" };
    case DiscoveryTransportType.Loop:
      // Linux's loop target has no core transport type: as parseTransportId does for `trtype:loop`
      // with a custom transport of that name, it becomes Custom and the name goes into trstring.
      return { trtype: TransportType.Custom, trstring: LOOP_TRSTRING };
    default:
      throw new InvalidArgumentError(
        "trtype",
        `discovery log entry with transport type ${trtype}, which nvmekit does not know (RDMA 1, FC 2, TCP 3, loop 254)`,
      );
  }
}

/** Core's address family for a log entry's ADRFAM (PCIe 0 becomes "unset"). */
function mapAdrfam(adrfam: number): AddressFamily | 0 {
  switch (adrfam) {
    case DiscoveryAddressFamily.PCIe:
      return 0;
    case DiscoveryAddressFamily.IPv4:
      return AddressFamily.IPv4;
    case DiscoveryAddressFamily.IPv6:
      return AddressFamily.IPv6;
    case DiscoveryAddressFamily.IB:
      return AddressFamily.IB;
    case DiscoveryAddressFamily.FC:
      return AddressFamily.FC;
    case DiscoveryAddressFamily.IntraHost:
      return AddressFamily.IntraHost;
    default:
      throw new InvalidArgumentError(
        "adrfam",
        `discovery log entry with address family ${adrfam}, which nvmekit does not know (IPv4 1, IPv6 2, IB 3, FC 4, intra-host 254)`,
      );
  }
}

/** Reject a string longer than a transport ID field allows. */
function checkLength(what: string, value: string, max: number): void {
  if (value.length > max) {
    throw new InvalidArgumentError(
      what,
      `"${value}" from the discovery log is longer than ${max} characters`,
    );
  }
}

/**
 * The transport ID that reaches the subsystem port an entry describes: trtype and adrfam mapped to
 * core's numbers, traddr, trsvcid and subnqn copied, trstring set as `parseTransportId` would
 * (the upper-cased transport name). A loop entry (Linux's in-kernel loopback target) becomes a
 * Custom trid named "LOOP".
 * @throws InvalidArgumentError for a TRTYPE or ADRFAM nvmekit does not know, or a field too long
 *   for a transport ID
 */
export function discoveryEntryToTransportId(entry: DiscoveryLogEntry): TransportId {
  const { trtype, trstring } = mapTrtype(entry.trtype);
  checkLength("traddr", entry.traddr, TRADDR_MAX_LEN);
  checkLength("trsvcid", entry.trsvcid, TRSVCID_MAX_LEN);
  checkLength("subnqn", entry.subnqn, NQN_MAX_LEN);
  return {
    trtype,
    adrfam: mapAdrfam(entry.adrfam),
    traddr: entry.traddr,
    trsvcid: entry.trsvcid,
    subnqn: entry.subnqn,
    trstring,
  };
}
