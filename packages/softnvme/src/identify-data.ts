/**
 * The 4096-byte Identify data structures the soft controller returns, laid out byte by byte from the
 * specification: Identify Controller (CNS 01h), Identify Namespace (CNS 00h), namespace lists
 * (CNS 02h/10h), Namespace Identification Descriptors (CNS 03h), controller lists (CNS 12h/13h), and
 * the Zoned Namespace command set's Identify Namespace and Controller (CNS 05h/06h with CSI 2).
 * @module
 */

import { put8, put16, put32, put64, put128, putAscii, putAsciiZ } from "./le-bytes.js";
import { LBA_FORMATS, type SoftNamespace } from "./namespace.js";

/** Size of every Identify data structure. */
export const IDENTIFY_SIZE = 4096;

/** The controller facts Identify Controller reports. */
export interface ControllerIdentity {
  /** PCI vendor ID. */
  vid: number;
  /** Serial number (20 ASCII characters at most). */
  serial: string;
  /** Model number (40 ASCII characters at most). */
  model: string;
  /** Firmware revision (8 ASCII characters at most). */
  firmware: string;
  /** Maximum Data Transfer Size as a power of two of the minimum page size (0: no limit). */
  mdts: number;
  /** Controller ID. */
  cntlid: number;
  /** Number of Namespaces: the largest valid NSID. */
  nn: number;
  /** Volatile write cache present. */
  vwc: boolean;
  /** SGLs supported for NVM commands. */
  sgl: boolean;
  /** Keep Alive Support granularity in 100 ms units (0: keep alive not supported). */
  kas: number;
  /** Subsystem NQN. */
  subnqn: string;
  /** Total NVM capacity in bytes. */
  totalCapacity: number;
  /** Unallocated NVM capacity in bytes. */
  unallocatedCapacity: number;
  /** Zone Append Size Limit of the Zoned Namespace command set: 2^ZASL 4 KiB pages, 0 = MDTS. */
  zasl: number;
  /** Asynchronous Event Request Limit, 0-based. */
  aerl: number;
  /** Error Log Page Entries, 0-based. */
  elpe: number;
  /** Warning composite temperature threshold, Kelvin. */
  wctemp: number;
  /** Critical composite temperature threshold, Kelvin. */
  cctemp: number;
}

/** Identify Controller data structure (CNS 01h). */
export function identifyController(id: ControllerIdentity): Uint8Array {
  const b = new Uint8Array(IDENTIFY_SIZE);
  put16(b, 0, id.vid); // VID
  put16(b, 2, id.vid); // SSVID
  putAscii(b, 4, 20, id.serial); // SN
  putAscii(b, 24, 40, id.model); // MN
  putAscii(b, 64, 8, id.firmware); // FR
  put8(b, 72, 0); // RAB: 1 command per arbitration burst
  put8(b, 73, 0x00); // IEEE OUI (3 bytes): a made-up 00-00-00
  put8(b, 77, id.mdts); // MDTS
  put16(b, 78, id.cntlid); // CNTLID
  put32(b, 80, 0x0001_0400); // VER: 1.4.0
  put32(b, 84, 1_000_000); // RTD3R, µs
  put32(b, 88, 1_000_000); // RTD3E, µs
  put32(b, 92, (1 << 8) | (1 << 9)); // OAES: namespace attribute and firmware activation notices
  put8(b, 111, 1); // CNTRLTYPE: I/O controller
  put16(b, 256, (1 << 1) | (1 << 2) | (1 << 3)); // OACS: Format NVM, Firmware, Namespace Management
  put8(b, 258, 3); // ACL: 4 concurrent Aborts (0-based)
  put8(b, 259, id.aerl); // AERL
  put8(b, 260, (2 << 1) | (1 << 4)); // FRMW: 2 slots, activation without reset
  put8(b, 261, (1 << 1) | (1 << 2)); // LPA: commands supported and effects, extended data for Get Log Page
  put8(b, 262, id.elpe); // ELPE
  put8(b, 263, 0); // NPSS: one power state (0-based)
  put16(b, 266, id.wctemp); // WCTEMP
  put16(b, 268, id.cctemp); // CCTEMP
  put128(b, 280, id.totalCapacity); // TNVMCAP
  put128(b, 296, id.unallocatedCapacity); // UNVMCAP
  put16(b, 320, id.kas); // KAS
  put8(b, 512, 0x66); // SQES: required and maximum 2^6 = 64 bytes
  put8(b, 513, 0x44); // CQES: 2^4 = 16 bytes
  put16(b, 514, 0); // MAXCMD: not reported
  put32(b, 516, id.nn); // NN
  // ONCS: Compare, Dataset Management, Write Zeroes, Save/Select in features, Reservations.
  put16(b, 520, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5));
  put16(b, 522, 0); // FUSES: no fused operations
  put8(b, 524, 0); // FNA: format applies per namespace
  put8(b, 525, id.vwc ? 0x07 : 0x00); // VWC: present, Flush with NSID FFFFFFFFh supported
  put32(b, 536, id.sgl ? 0x0000_0001 : 0); // SGLS: SGLs supported, no alignment requirement
  put32(b, 540, 0); // MNAN
  putAsciiZ(b, 768, 256, id.subnqn); // SUBNQN
  // Power State Descriptor 0: 25.00 W maximum, entry/exit latencies 5 µs.
  put16(b, 2048, 2500);
  put32(b, 2048 + 4, 5);
  put32(b, 2048 + 8, 5);
  return b;
}

/** Identify Namespace data structure (CNS 00h / 11h). */
export function identifyNamespace(ns: SoftNamespace): Uint8Array {
  const b = new Uint8Array(IDENTIFY_SIZE);
  put64(b, 0, ns.blocks); // NSZE
  put64(b, 8, ns.blocks); // NCAP
  put64(b, 16, ns.blocks); // NUSE
  put8(b, 24, 0); // NSFEAT
  put8(b, 25, LBA_FORMATS.length - 1); // NLBAF, 0-based
  put8(b, 26, (ns.formatIndex & 0xf) | (ns.extendedLba ? 1 << 4 : 0)); // FLBAS
  put8(b, 27, (1 << 0) | (1 << 1)); // MC: extended LBA and separate metadata buffer both supported
  put8(b, 28, 0); // DPC: no protection information
  put8(b, 29, 0); // DPS
  put8(b, 30, 0); // NMIC: private namespace
  put8(b, 31, 0x7e); // RESCAP: every reservation type, no persist through power loss
  put8(b, 33, 0x01 | (1 << 3)); // DLFEAT: deallocated blocks read zeroes; Write Zeroes may deallocate
  put16(b, 46, ns.noiob); // NOIOB
  put128(b, 48, ns.capacity); // NVMCAP
  // NGUID (bytes 104-119) and EUI64 (120-127): derived from the NSID so each namespace differs.
  for (let i = 0; i < 16; i++) b[104 + i] = (ns.nsid * 17 + i) & 0xff;
  for (let i = 0; i < 8; i++) b[120 + i] = (ns.nsid * 31 + i) & 0xff;
  LBA_FORMATS.forEach((f, i) => {
    // LBAF: MS bits 15:0, LBADS bits 23:16, RP bits 25:24 (0 best for 4 KiB blocks, 2 good for 512).
    const rp = f.blockSize === 4096 ? 0 : 2;
    put32(b, 128 + 4 * i, f.metadataSize | (Math.log2(f.blockSize) << 16) | (rp << 24));
  });
  return b;
}

/** Maximum Active/Open Resources as reported: the 0-based limit, all ones for none. */
function resourceLimit(count: number): number {
  return count > 0 ? count - 1 : 0xffff_ffff;
}

/**
 * The Zoned Namespace command set's Identify Namespace (CNS 05h, CSI 2): ZOC and OZCS 0 (fixed zone
 * capacity, no reads across zones), MAR and MOR, and one LBA Format Extension per LBA format with the
 * zone size (the same in blocks for every format) and no descriptor extension.
 */
export function identifyZonedNamespace(ns: SoftNamespace): Uint8Array {
  const b = new Uint8Array(IDENTIFY_SIZE);
  const zones = ns.zones!;
  put32(b, 4, resourceLimit(zones.maxActive)); // MAR
  put32(b, 8, resourceLimit(zones.maxOpen)); // MOR
  for (let i = 0; i < LBA_FORMATS.length; i++) put64(b, 2816 + 16 * i, zones.zoneSize); // LBAFE ZSZE, ZDES 0
  return b;
}

/** The Zoned Namespace command set's Identify Controller (CNS 06h, CSI 2): ZASL in byte 0. */
export function identifyZonedController(id: ControllerIdentity): Uint8Array {
  const b = new Uint8Array(IDENTIFY_SIZE);
  put8(b, 0, id.zasl);
  return b;
}

/** A namespace list (CNS 02h, 10h): NSIDs greater than `after`, ascending, at most 1024. */
export function namespaceList(nsids: readonly number[], after: number): Uint8Array {
  const b = new Uint8Array(IDENTIFY_SIZE);
  const list = nsids.filter((n) => n > after).sort((x, y) => x - y);
  for (const [i, nsid] of list.slice(0, 1024).entries()) put32(b, 4 * i, nsid);
  return b;
}

/**
 * Namespace Identification Descriptor list (CNS 03h): NIDT, NIDL, 2 reserved bytes, then NID —
 * an EUI-64 (type 1, 8 bytes), an NGUID (type 2, 16 bytes) and the command set (type 4, 1 byte: NVM).
 */
export function namespaceDescriptors(identifyNs: Uint8Array, csi = 0): Uint8Array {
  const b = new Uint8Array(IDENTIFY_SIZE);
  let at = 0;
  const add = (type: number, nid: Uint8Array) => {
    put8(b, at, type);
    put8(b, at + 1, nid.length);
    b.set(nid, at + 4);
    at += 4 + nid.length;
  };
  add(1, identifyNs.subarray(120, 128));
  add(2, identifyNs.subarray(104, 120));
  add(4, Uint8Array.of(csi));
  return b;
}

/** A controller list (CNS 12h/13h; Namespace Attachment data): count, then 16-bit controller IDs. */
export function controllerList(ids: readonly number[]): Uint8Array {
  const b = new Uint8Array(IDENTIFY_SIZE);
  put16(b, 0, ids.length);
  for (const [i, id] of ids.entries()) put16(b, 2 + 2 * i, id);
  return b;
}
