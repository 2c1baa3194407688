/**
 * The NVM command set Identify Namespace data structure (CNS 00h), the active namespace ID list
 * (CNS 02h) and the Namespace Identification Descriptor list (CNS 03h).
 * @module
 */
import { bit, bits, hex, requireBytes, u8, u16, u32, u32ListUntilZero, u64, u128 } from "./bytes.js";
import { IDENTIFY_DATA_SIZE } from "./identify-controller.js";

/** Offset of LBA Format 0; LBAF n is at 128 + 4n. */
export const LBAF_OFFSET = 128;

/** Size in bytes of one LBA Format entry. */
export const LBAF_SIZE = 4;

/** Number of LBA Format entries the structure can hold (NVMe 2.0: LBAF0..LBAF63). */
export const MAX_LBA_FORMATS = 64;

/** End-to-end protection information type (DPS bits 2:0). */
export enum PiType {
  /** Protection information disabled. */
  None = 0,
  /** Type 1. */
  Type1 = 1,
  /** Type 2. */
  Type2 = 2,
  /** Type 3. */
  Type3 = 3,
}

/** One LBA Format entry. */
export interface LbaFormat {
  /** Metadata Size in bytes per logical block. */
  ms: number;
  /** LBA Data Size as a power of two (9 for 512 bytes); 0 means the format is not available. */
  lbads: number;
  /** Relative Performance: 0 best, 3 degraded. */
  rp: number;
}

/** The Identify Namespace data structure of the NVM command set, with derived geometry. */
export interface IdentifyNamespace {
  /** Namespace Size, logical blocks. */
  nsze: bigint;
  /** Namespace Capacity, logical blocks. */
  ncap: bigint;
  /** Namespace Utilization, logical blocks. */
  nuse: bigint;
  /** Namespace Features: bit 0 thin provisioning, 1 NAWUN etc. valid, 2 DULBE, 3 NGUID/EUI64 never reused, 4 NPWG etc. valid. */
  nsfeat: number;
  /** Number of LBA Formats, 0-based. */
  nlbaf: number;
  /** Formatted LBA Size: bits 3:0 and 6:5 index, bit 4 extended LBA. */
  flbas: number;
  /** Metadata Capabilities: bit 0 extended LBA supported, bit 1 separate buffer supported. */
  mc: number;
  /** End-to-end Data Protection Capabilities. */
  dpc: number;
  /** End-to-end Data Protection Type Settings: bits 2:0 PI type, bit 3 PI in first bytes of metadata. */
  dps: number;
  /** Namespace Multi-path I/O and Namespace Sharing Capabilities: bit 0 shared. */
  nmic: number;
  /** Reservation Capabilities. */
  rescap: number;
  /** Format Progress Indicator: bit 7 supported, bits 6:0 percent remaining. */
  fpi: number;
  /** Deallocate Logical Block Features. */
  dlfeat: number;
  /** Namespace Atomic Write Unit Normal, 0-based. */
  nawun: number;
  /** Namespace Atomic Write Unit Power Fail, 0-based. */
  nawupf: number;
  /** Namespace Atomic Compare and Write Unit, 0-based. */
  nacwu: number;
  /** Namespace Atomic Boundary Size Normal. */
  nabsn: number;
  /** Namespace Atomic Boundary Offset. */
  nabo: number;
  /** Namespace Atomic Boundary Size Power Fail. */
  nabspf: number;
  /** Namespace Optimal I/O Boundary, logical blocks (0: none). */
  noiob: number;
  /** NVM Capacity, bytes. */
  nvmcap: bigint;
  /** Namespace Preferred Write Granularity, 0-based logical blocks. */
  npwg: number;
  /** Namespace Preferred Write Alignment, 0-based logical blocks. */
  npwa: number;
  /** Namespace Preferred Deallocate Granularity, 0-based logical blocks. */
  npdg: number;
  /** Namespace Preferred Deallocate Alignment, 0-based logical blocks. */
  npda: number;
  /** Namespace Optimal Write Size, 0-based logical blocks. */
  nows: number;
  /** Maximum Single Source Range Length (Copy). */
  mssrl: number;
  /** Maximum Copy Length. */
  mcl: number;
  /** Maximum Source Range Count, 0-based. */
  msrc: number;
  /** Number of Unique Capability LBA Formats, 0-based. */
  nulbaf: number;
  /** ANA Group Identifier. */
  anagrpid: number;
  /** Namespace Attributes: bit 0 write protected. */
  nsattr: number;
  /** NVM Set Identifier. */
  nvmsetid: number;
  /** Endurance Group Identifier. */
  endgid: number;
  /** Namespace Globally Unique Identifier, 32 hex digits in byte order. */
  nguid: string;
  /** IEEE Extended Unique Identifier, 16 hex digits in byte order. */
  eui64: string;
  /** LBA formats 0..nlbaf. */
  lbaf: LbaFormat[];
  /** Index of the format in use: FLBAS bits 3:0, with bits 6:5 as bits 5:4. */
  formattedLbaIndex: number;
  /** Whether metadata is transferred at the end of each block (FLBAS bit 4). */
  extendedLba: boolean;
  /** Bytes of data per logical block in the format in use (0 when the index is out of range). */
  sectorSize: number;
  /** Bytes of metadata per logical block in the format in use. */
  metadataSize: number;
  /** Protection information type (see {@link PiType}). */
  piType: PiType;
  /** Whether PI is the first bytes of metadata (DPS bit 3) rather than the last. */
  piFirstBytes: boolean;
}

/** Decode the LBA Format entry n of an Identify Namespace buffer. */
export function decodeLbaFormat(b: Uint8Array, n: number): LbaFormat {
  const v = u32(b, LBAF_OFFSET + n * LBAF_SIZE);
  return { ms: bits(v, 0, 16), lbads: bits(v, 16, 8), rp: bits(v, 24, 2) };
}

/** The LBA format index selected by FLBAS: bits 3:0 low, bits 6:5 as the high two bits. */
export function formattedLbaIndex(flbas: number): number {
  return bits(flbas, 0, 4) | (bits(flbas, 5, 2) << 4);
}

/** Decode an Identify Namespace data structure (CNS 00h, 4096 bytes). */
export function decodeIdentifyNamespace(bytes: Uint8Array): IdentifyNamespace {
  requireBytes(bytes, IDENTIFY_DATA_SIZE, "Identify Namespace");
  const b = bytes;
  const nlbaf = u8(b, 25);
  const flbas = u8(b, 26);
  const dps = u8(b, 29);
  const lbaf: LbaFormat[] = [];
  for (let n = 0; n <= nlbaf && n < MAX_LBA_FORMATS; n++) lbaf.push(decodeLbaFormat(b, n));
  const index = formattedLbaIndex(flbas);
  const current = lbaf[index];
  return {
    nsze: u64(b, 0),
    ncap: u64(b, 8),
    nuse: u64(b, 16),
    nsfeat: u8(b, 24),
    nlbaf,
    flbas,
    mc: u8(b, 27),
    dpc: u8(b, 28),
    dps,
    nmic: u8(b, 30),
    rescap: u8(b, 31),
    fpi: u8(b, 32),
    dlfeat: u8(b, 33),
    nawun: u16(b, 34),
    nawupf: u16(b, 36),
    nacwu: u16(b, 38),
    nabsn: u16(b, 40),
    nabo: u16(b, 42),
    nabspf: u16(b, 44),
    noiob: u16(b, 46),
    nvmcap: u128(b, 48),
    npwg: u16(b, 64),
    npwa: u16(b, 66),
    npdg: u16(b, 68),
    npda: u16(b, 70),
    nows: u16(b, 72),
    mssrl: u16(b, 74),
    mcl: u32(b, 76),
    msrc: u8(b, 80),
    nulbaf: u8(b, 82),
    anagrpid: u32(b, 92),
    nsattr: u8(b, 99),
    nvmsetid: u16(b, 100),
    endgid: u16(b, 102),
    nguid: hex(b, 104, 16),
    eui64: hex(b, 120, 8),
    lbaf,
    formattedLbaIndex: index,
    extendedLba: bit(flbas, 4),
    sectorSize: current && current.lbads > 0 ? 2 ** current.lbads : 0,
    metadataSize: current ? current.ms : 0,
    piType: bits(dps, 0, 3) as PiType,
    piFirstBytes: bit(dps, 3),
  };
}

/** Number of NSIDs an active namespace list (CNS 02h) can hold. */
export const NAMESPACE_LIST_ENTRIES = 1024;

/** Decode an active (or allocated) namespace ID list: ascending NSIDs up to the first 0. */
export function decodeActiveNamespaceList(bytes: Uint8Array): number[] {
  return u32ListUntilZero(bytes, NAMESPACE_LIST_ENTRIES);
}

/** Namespace Identifier Type of a namespace identification descriptor. */
export enum Nidt {
  /** IEEE Extended Unique Identifier, 8 bytes. */
  Eui64 = 1,
  /** Namespace Globally Unique Identifier, 16 bytes. */
  Nguid = 2,
  /** Namespace UUID, 16 bytes. */
  Uuid = 3,
  /** Command Set Identifier, 1 byte. */
  Csi = 4,
}

/** One namespace identification descriptor. */
export interface NamespaceDescriptor {
  /** Namespace Identifier Type (see {@link Nidt}). */
  nidt: number;
  /** Namespace Identifier Length in bytes. */
  nidl: number;
  /**
   * The identifier made readable: hex for EUI-64 and NGUID, the 8-4-4-4-12 form for UUID, the
   * decimal CSI value for CSI, hex for unknown types.
   */
  value: string;
}

/** Format 16 bytes as a UUID string. */
function uuidString(b: Uint8Array, off: number): string {
  const h = hex(b, off, 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Decode a Namespace Identification Descriptor list (CNS 03h): 4-byte headers, then NIDL bytes each. */
export function decodeNamespaceDescriptors(bytes: Uint8Array): NamespaceDescriptor[] {
  const out: NamespaceDescriptor[] = [];
  let off = 0;
  while (off + 4 <= bytes.length) {
    const nidt = u8(bytes, off);
    const nidl = u8(bytes, off + 1);
    if (nidt === 0 || nidl === 0 || off + 4 + nidl > bytes.length) break;
    const at = off + 4;
    let value: string;
    if (nidt === Nidt.Uuid && nidl === 16) value = uuidString(bytes, at);
    else if (nidt === Nidt.Csi) value = String(u8(bytes, at));
    else value = hex(bytes, at, nidl);
    out.push({ nidt, nidl, value });
    off = at + nidl;
  }
  return out;
}
