/**
 * The Discovery Log Page (log identifier 0x70) that a discovery controller returns: a 1024-byte
 * header, then one 1024-byte entry per subsystem port. Decoders for a host and encoders for a
 * target that serves the page. Offsets checked against Linux's `struct nvmf_disc_rsp_page_hdr` and
 * `struct nvmf_disc_rsp_page_entry`. Read it with Get Log Page of `LogPageId.Discovery`.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import { requireBytes, u8, u16, u64, writeU16, writeU64 } from "./bytes.js";
import { NQN_FIELD_SIZE, NQN_MAX_BYTES, readFixedString, writeFixedString } from "./fabrics.js";

/** Size of the Discovery Log Page header; the first entry starts here. */
export const DISCOVERY_LOG_HEADER_SIZE = 1024;
/** Size of one Discovery Log Page entry. */
export const DISCOVERY_LOG_ENTRY_SIZE = 1024;
/** Size of the TRSVCID field (transport service ID, e.g. a TCP port). */
export const TRSVCID_FIELD_SIZE = 32;
/** Size of the TRADDR field (transport address). */
export const TRADDR_FIELD_SIZE = 256;
/** Size of the TSAS field (transport specific address subtype). */
export const TSAS_FIELD_SIZE = 256;

/** Byte offsets of an entry's fields. */
export enum DiscoveryEntryOffset {
  /** Transport type, u8. */
  Trtype = 0,
  /** Address family, u8. */
  Adrfam = 1,
  /** Subsystem type, u8. */
  Subtype = 2,
  /** Transport requirements, u8. */
  Treq = 3,
  /** Port ID, u16. */
  Portid = 4,
  /** Controller ID, u16 (0xFFFF: dynamic). */
  Cntlid = 6,
  /** Admin max SQ size, u16. */
  Asqsz = 8,
  /** Entry flags, u16. */
  Eflags = 10,
  /** Transport service identifier, 32 bytes. */
  Trsvcid = 32,
  /** Subsystem NQN, 256 bytes. */
  Subnqn = 256,
  /** Transport address, 256 bytes. */
  Traddr = 512,
  /** Transport specific address subtype, 256 bytes. */
  Tsas = 768,
}

/** TRTYPE codes of a discovery log entry (NVMe-oF transport types; not core's TransportType numbers). */
export enum DiscoveryTransportType {
  /** PCIe. */
  PCIe = 0,
  /** RDMA. */
  RDMA = 1,
  /** Fibre Channel. */
  FC = 2,
  /** TCP. */
  TCP = 3,
  /** Linux's loopback target (reserved for host use by the specification). */
  Loop = 254,
}

/** ADRFAM codes of a discovery log entry (the same numbers as core's AddressFamily, plus PCIe 0). */
export enum DiscoveryAddressFamily {
  /** PCIe. */
  PCIe = 0,
  /** IPv4. */
  IPv4 = 1,
  /** IPv6. */
  IPv6 = 2,
  /** InfiniBand. */
  IB = 3,
  /** Fibre Channel. */
  FC = 4,
  /** Intra-host (loopback). */
  IntraHost = 254,
}

/** SUBTYPE: what kind of subsystem an entry points at. */
export enum DiscoverySubsystemType {
  /** A referral to another discovery service. */
  Referral = 1,
  /** An NVM subsystem (namespaces to connect to). */
  Nvm = 2,
  /** The discovery subsystem being read (NVMe-oF 1.1 "current discovery subsystem"). */
  CurrentDiscovery = 3,
}

/** TREQ bits 1:0: whether a secure channel (TLS) is required. */
export enum SecureChannel {
  /** Not specified. */
  NotSpecified = 0,
  /** Required. */
  Required = 1,
  /** Not required. */
  NotRequired = 2,
}

/** TREQ bit 2: the port supports disabling SQ flow control. */
export const TREQ_DISABLE_SQ_FLOW = 1 << 2;

/** EFLAGS bits. */
export const DiscoveryEntryFlags = {
  /** Duplicate Returned Information: another entry describes the same port. */
  duplicateReturnedInfo: 1 << 0,
  /** Explicit Persistent Connection Support for Discovery. */
  explicitPersistentConnection: 1 << 1,
  /** No CDC Connectivity (NVMe-oF 1.1+ centralized discovery). */
  noCdcConnectivity: 1 << 2,
} as const;

/** One Discovery Log Page entry. */
export interface DiscoveryLogEntry {
  /** Transport type (see {@link DiscoveryTransportType}). */
  trtype: number;
  /** Address family (see {@link DiscoveryAddressFamily}). */
  adrfam: number;
  /** Subsystem type (see {@link DiscoverySubsystemType}). */
  subtype: number;
  /** Transport requirements (see {@link SecureChannel}, {@link TREQ_DISABLE_SQ_FLOW}). */
  treq: number;
  /** Port ID within the subsystem. */
  portid: number;
  /** Controller ID (0xFFFF: dynamic controller model). */
  cntlid: number;
  /** Largest admin submission queue, in entries. */
  asqsz: number;
  /** Entry flags (see {@link DiscoveryEntryFlags}). */
  eflags: number;
  /** Transport service identifier, e.g. "4420". */
  trsvcid: string;
  /** Subsystem NQN. */
  subnqn: string;
  /** Transport address, e.g. "192.168.1.10". */
  traddr: string;
  /** Transport specific address subtype, {@link TSAS_FIELD_SIZE} bytes (see {@link decodeRdmaTsas}). */
  tsas: Uint8Array;
}

/** The Discovery Log Page header. */
export interface DiscoveryLogHeader {
  /** Generation counter: changes whenever the log changes; reread if it differs between reads. */
  genctr: bigint;
  /** Number of entries in the log (which may be more than a short read returned). */
  numrec: number;
  /** Record format (0). */
  recfmt: number;
}

/** A decoded Discovery Log Page. */
export interface DiscoveryLog extends DiscoveryLogHeader {
  /** The entries present in the buffer: `numrec` of them when it was read whole. */
  entries: DiscoveryLogEntry[];
}

/** Bytes of a Discovery Log Page holding `numrec` entries. */
export function discoveryLogSize(numrec: number): number {
  return DISCOVERY_LOG_HEADER_SIZE + numrec * DISCOVERY_LOG_ENTRY_SIZE;
}

/** Decode the header (genctr u64 at 0, numrec u64 at 8, recfmt u16 at 16). */
export function decodeDiscoveryLogHeader(bytes: Uint8Array): DiscoveryLogHeader {
  requireBytes(bytes, 18, "Discovery Log Page header");
  const numrec = u64(bytes, 8);
  if (numrec > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidArgumentError("bytes", `Discovery Log Page numrec ${numrec} is not a plausible count`);
  }
  return { genctr: u64(bytes, 0), numrec: Number(numrec), recfmt: u16(bytes, 16) };
}

/** Decode the 1024-byte entry at `off` of `bytes`. Strings stop at the first NUL; trailing spaces are dropped. */
export function decodeDiscoveryLogEntry(bytes: Uint8Array, off = 0): DiscoveryLogEntry {
  requireBytes(bytes, off + DISCOVERY_LOG_ENTRY_SIZE, "Discovery Log Page entry");
  const b = off === 0 ? bytes : bytes.subarray(off);
  return {
    trtype: u8(b, DiscoveryEntryOffset.Trtype),
    adrfam: u8(b, DiscoveryEntryOffset.Adrfam),
    subtype: u8(b, DiscoveryEntryOffset.Subtype),
    treq: u8(b, DiscoveryEntryOffset.Treq),
    portid: u16(b, DiscoveryEntryOffset.Portid),
    cntlid: u16(b, DiscoveryEntryOffset.Cntlid),
    asqsz: u16(b, DiscoveryEntryOffset.Asqsz),
    eflags: u16(b, DiscoveryEntryOffset.Eflags),
    trsvcid: readFixedString(b, DiscoveryEntryOffset.Trsvcid, TRSVCID_FIELD_SIZE),
    subnqn: readFixedString(b, DiscoveryEntryOffset.Subnqn, NQN_FIELD_SIZE),
    traddr: readFixedString(b, DiscoveryEntryOffset.Traddr, TRADDR_FIELD_SIZE),
    tsas: b.slice(DiscoveryEntryOffset.Tsas, DiscoveryEntryOffset.Tsas + TSAS_FIELD_SIZE),
  };
}

/**
 * Decode a Discovery Log Page: the header and as many of its `numrec` entries as `bytes` holds. A
 * host reads the header first, then `discoveryLogSize(numrec)` bytes, and rereads when genctr moved.
 */
export function decodeDiscoveryLog(bytes: Uint8Array): DiscoveryLog {
  const header = decodeDiscoveryLogHeader(bytes);
  const present = Math.floor(
    Math.max(0, bytes.length - DISCOVERY_LOG_HEADER_SIZE) / DISCOVERY_LOG_ENTRY_SIZE,
  );
  const n = Math.min(header.numrec, present);
  const entries: DiscoveryLogEntry[] = [];
  for (let i = 0; i < n; i++) {
    entries.push(decodeDiscoveryLogEntry(bytes, DISCOVERY_LOG_HEADER_SIZE + i * DISCOVERY_LOG_ENTRY_SIZE));
  }
  return { ...header, entries };
}

/** Reject a value that does not fit an unsigned field of `bitsWide` bits. */
function checkField(what: string, v: number, bitsWide: 8 | 16): void {
  const max = bitsWide === 8 ? 0xff : 0xffff;
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new InvalidArgumentError(what, `${v} does not fit the entry's ${bitsWide}-bit field`);
  }
}

/**
 * Encode `entry` into the 1024 bytes at `off` of `out`. Strings are NUL-padded, as the Linux target
 * writes them; reserved bytes are zeroed.
 * @throws InvalidArgumentError when a number or string does not fit its field
 */
export function encodeDiscoveryLogEntry(out: Uint8Array, entry: DiscoveryLogEntry, off = 0): void {
  requireBytes(out, off + DISCOVERY_LOG_ENTRY_SIZE, "Discovery Log Page entry");
  checkField("trtype", entry.trtype, 8);
  checkField("adrfam", entry.adrfam, 8);
  checkField("subtype", entry.subtype, 8);
  checkField("treq", entry.treq, 8);
  checkField("portid", entry.portid, 16);
  checkField("cntlid", entry.cntlid, 16);
  checkField("asqsz", entry.asqsz, 16);
  checkField("eflags", entry.eflags, 16);
  if (entry.tsas.length > TSAS_FIELD_SIZE) {
    throw new InvalidArgumentError("tsas", `${entry.tsas.length} bytes; the field holds ${TSAS_FIELD_SIZE}`);
  }
  const b = out.subarray(off, off + DISCOVERY_LOG_ENTRY_SIZE);
  b.fill(0);
  b[DiscoveryEntryOffset.Trtype] = entry.trtype;
  b[DiscoveryEntryOffset.Adrfam] = entry.adrfam;
  b[DiscoveryEntryOffset.Subtype] = entry.subtype;
  b[DiscoveryEntryOffset.Treq] = entry.treq;
  writeU16(b, DiscoveryEntryOffset.Portid, entry.portid);
  writeU16(b, DiscoveryEntryOffset.Cntlid, entry.cntlid);
  writeU16(b, DiscoveryEntryOffset.Asqsz, entry.asqsz);
  writeU16(b, DiscoveryEntryOffset.Eflags, entry.eflags);
  writeFixedString(b, DiscoveryEntryOffset.Trsvcid, TRSVCID_FIELD_SIZE, entry.trsvcid, "trsvcid");
  writeFixedString(b, DiscoveryEntryOffset.Subnqn, NQN_FIELD_SIZE, entry.subnqn, "subnqn", NQN_MAX_BYTES);
  writeFixedString(b, DiscoveryEntryOffset.Traddr, TRADDR_FIELD_SIZE, entry.traddr, "traddr");
  b.set(entry.tsas, DiscoveryEntryOffset.Tsas);
}

/**
 * Encode a whole Discovery Log Page (header and entries) into `out`, which must hold
 * {@link discoveryLogSize}(entries.length) bytes; returns that size. A target answers a Get Log
 * Page at some offset and length by slicing this.
 */
export function encodeDiscoveryLog(
  out: Uint8Array,
  genctr: bigint,
  entries: readonly DiscoveryLogEntry[],
  recfmt = 0,
): number {
  const size = discoveryLogSize(entries.length);
  requireBytes(out, size, "Discovery Log Page");
  out.fill(0, 0, DISCOVERY_LOG_HEADER_SIZE);
  writeU64(out, 0, genctr);
  writeU64(out, 8, entries.length);
  writeU16(out, 16, recfmt);
  for (let i = 0; i < entries.length; i++) {
    encodeDiscoveryLogEntry(out, entries[i]!, DISCOVERY_LOG_HEADER_SIZE + i * DISCOVERY_LOG_ENTRY_SIZE);
  }
  return size;
}

/** The RDMA fields of TSAS. */
export interface RdmaTsas {
  /** RDMA QP service type (1 reliable connected, 2 reliable datagram). */
  qptype: number;
  /** RDMA provider type (1 none, 2 InfiniBand, 3 RoCE, 4 RoCEv2, 5 iWARP). */
  prtype: number;
  /** RDMA connection management service (1 RDMA_CM). */
  cms: number;
  /** InfiniBand partition key. */
  pkey: number;
}

/** Decode TSAS of an RDMA entry (qptype at 0, prtype 1, cms 2, pkey u16 at 8). */
export function decodeRdmaTsas(tsas: Uint8Array): RdmaTsas {
  requireBytes(tsas, 10, "RDMA TSAS");
  return { qptype: u8(tsas, 0), prtype: u8(tsas, 1), cms: u8(tsas, 2), pkey: u16(tsas, 8) };
}

/** Encode the RDMA fields into a fresh {@link TSAS_FIELD_SIZE}-byte TSAS. */
export function encodeRdmaTsas(rdma: RdmaTsas): Uint8Array {
  const tsas = new Uint8Array(TSAS_FIELD_SIZE);
  tsas[0] = rdma.qptype & 0xff;
  tsas[1] = rdma.prtype & 0xff;
  tsas[2] = rdma.cms & 0xff;
  writeU16(tsas, 8, rdma.pkey);
  return tsas;
}

/** TCP TSAS byte 0: the security type (0 none, 1 TLS 1.2, 2 TLS 1.3). */
export function tcpSecurityType(tsas: Uint8Array): number {
  return tsas[0] ?? 0;
}
