/**
 * The Zoned Namespace (ZNS) command set: its opcodes, the I/O command set specific Identify
 * structures (CNS 05h/06h with CSI 2), Zone Management Send and Receive, Zone Append, and the zone
 * report. Builders clear the command and set opcode, NSID and dwords, allocating nothing; decoders
 * copy what they read into plain objects, so the buffer may be reused once they return.
 * @module
 */
import { bit, hi32, lo32, requireBytes, u8, u16, u32, u64 } from "./bytes.js";
import type { NvmeCommand } from "./command.js";
import { IDENTIFY_DATA_SIZE } from "./identify-controller.js";
import { readWriteDwords } from "./nvm-commands.js";

/** I/O command opcodes of the Zoned Namespace command set. */
export enum ZnsOpcode {
  /** Zone Management Send. */
  ZoneManagementSend = 0x79,
  /** Zone Management Receive. */
  ZoneManagementReceive = 0x7a,
  /** Zone Append. */
  ZoneAppend = 0x7d,
}

/** Zone Send Action (Zone Management Send CDW13 bits 7:0). */
export enum ZoneSendAction {
  /** Close Zone. */
  Close = 0x1,
  /** Finish Zone. */
  Finish = 0x2,
  /** Open Zone. */
  Open = 0x3,
  /** Reset Zone. */
  Reset = 0x4,
  /** Offline Zone. */
  Offline = 0x5,
  /** Set Zone Descriptor Extension (data: ZDES * 64 bytes). */
  SetDescriptorExtension = 0x10,
}

/** Zone Receive Action (Zone Management Receive CDW13 bits 7:0). */
export enum ZoneReceiveAction {
  /** Report Zones. */
  Report = 0x0,
  /** Extended Report Zones: each descriptor is followed by its ZDES * 64-byte extension. */
  ExtendedReport = 0x1,
}

/** Zone Receive Action Specific Field of Report Zones (CDW13 bits 15:8): which zones to list. */
export enum ZoneReportFilter {
  /** All zones. */
  All = 0x0,
  /** Zones in the Empty state. */
  Empty = 0x1,
  /** Zones in the Implicitly Opened state. */
  ImplicitlyOpened = 0x2,
  /** Zones in the Explicitly Opened state. */
  ExplicitlyOpened = 0x3,
  /** Zones in the Closed state. */
  Closed = 0x4,
  /** Zones in the Full state. */
  Full = 0x5,
  /** Zones in the Read Only state. */
  ReadOnly = 0x6,
  /** Zones in the Offline state. */
  Offline = 0x7,
}

/** Zone State (zone descriptor byte 1 bits 7:4). */
export enum ZoneState {
  /** ZSE: Empty. */
  Empty = 0x1,
  /** ZSIO: Implicitly Opened. */
  ImplicitlyOpened = 0x2,
  /** ZSEO: Explicitly Opened. */
  ExplicitlyOpened = 0x3,
  /** ZSC: Closed. */
  Closed = 0x4,
  /** ZSRO: Read Only. */
  ReadOnly = 0xd,
  /** ZSF: Full. */
  Full = 0xe,
  /** ZSO: Offline. */
  Offline = 0xf,
}

/** Zone Type (zone descriptor byte 0 bits 3:0). */
export enum ZoneType {
  /** Sequential Write Required. */
  SequentialWriteRequired = 0x2,
}

/** Zone Attributes (zone descriptor byte 2) bits. */
export const ZoneAttributes = {
  /** ZFC: Zone Finished by Controller. */
  FinishedByController: 1 << 0,
  /** FZR: Finish Zone Recommended. */
  FinishRecommended: 1 << 1,
  /** RZR: Reset Zone Recommended. */
  ResetRecommended: 1 << 2,
  /** ZRWAV: Zone Random Write Area valid. */
  RandomWriteAreaValid: 1 << 3,
  /** ZDEV: Zone Descriptor Extension Valid. */
  DescriptorExtensionValid: 1 << 7,
} as const;

/** Select All (Zone Management Send CDW13 bit 8): the action applies to every eligible zone. */
export const ZONE_SEND_SELECT_ALL = 1 << 8;
/** ZSASO (Zone Management Send CDW13 bit 9): for Open, allocate a zone random write area. */
export const ZONE_SEND_ZSASO = 1 << 9;
/** Partial Report (Zone Management Receive CDW13 bit 16): the header counts only the zones returned. */
export const ZONE_REPORT_PARTIAL = 1 << 16;
/** Bytes of the report header (Number of Zones, then reserved). */
export const ZONE_REPORT_HEADER_SIZE = 64;
/** Bytes of one zone descriptor. */
export const ZONE_DESCRIPTOR_SIZE = 64;
/** Offset of LBA Format Extension 0 in the ZNS Identify Namespace; LBAFE n is at 2816 + 16n. */
export const LBAFE_OFFSET = 2816;
/** Size in bytes of one LBA Format Extension entry. */
export const LBAFE_SIZE = 16;
/** MAR/MOR value meaning "no limit". */
export const ZNS_NO_LIMIT = 0xffffffff;

/** One LBA Format Extension of the ZNS Identify Namespace. */
export interface LbaFormatExtension {
  /** ZSZE: zone size in logical blocks. */
  zsze: bigint;
  /** ZDES: zone descriptor extension size in 64-byte units. */
  zdes: number;
}

/** The Zoned Namespace command set's Identify Namespace data structure (CNS 05h, CSI 2). */
export interface ZnsIdentifyNamespace {
  /** Zone Operation Characteristics: bit 0 variable zone capacity, bit 1 zone active excursions. */
  zoc: number;
  /** Optional Zoned Command Support: bit 0 read across zone boundaries, bit 1 ZRWA supported. */
  ozcs: number;
  /** Maximum Active Resources, 0-based; {@link ZNS_NO_LIMIT} when unlimited. */
  mar: number;
  /** Maximum Open Resources, 0-based; {@link ZNS_NO_LIMIT} when unlimited. */
  mor: number;
  /** Reset Recommended Limit, seconds (0: not reported). */
  rrl: number;
  /** Finish Recommended Limit, seconds (0: not reported). */
  frl: number;
  /** Reset Recommended Limits 1..3, seconds. */
  rrl1: number;
  /** Reset Recommended Limit 2. */
  rrl2: number;
  /** Reset Recommended Limit 3. */
  rrl3: number;
  /** Finish Recommended Limits 1..3, seconds. */
  frl1: number;
  /** Finish Recommended Limit 2. */
  frl2: number;
  /** Finish Recommended Limit 3. */
  frl3: number;
  /** LBA Format Extensions, one per LBA format of the NVM Identify Namespace. */
  lbafe: LbaFormatExtension[];
  /** Whether zones may report a capacity below the zone size that differs between zones (ZOC bit 0). */
  variableZoneCapacity: boolean;
  /** Whether reads may cross zone boundaries (OZCS bit 0). */
  readAcrossZoneBoundaries: boolean;
  /** Active zones allowed at once (MAR + 1), or 0 for no limit. */
  maxActiveZones: number;
  /** Open zones allowed at once (MOR + 1), or 0 for no limit. */
  maxOpenZones: number;
}

/** The Zoned Namespace command set's Identify Controller data structure (CNS 06h, CSI 2). */
export interface ZnsIdentifyController {
  /** Zone Append Size Limit: 2^ZASL minimum memory pages; 0 means MDTS applies. */
  zasl: number;
}

/** A limit field as a count: 0-based `v`, or 0 when it says "no limit". */
function limitCount(v: number): number {
  return v === ZNS_NO_LIMIT ? 0 : v + 1;
}

/**
 * Decodes a ZNS Identify Namespace (4096 bytes). `formats` is how many LBA Format Extensions to read:
 * the NVM Identify Namespace's NLBAF + 1 (default 64, all of them).
 * @throws InvalidArgumentError for a buffer shorter than 4096 bytes
 */
export function decodeZnsIdentifyNamespace(bytes: Uint8Array, formats = 64): ZnsIdentifyNamespace {
  requireBytes(bytes, IDENTIFY_DATA_SIZE, "ZNS Identify Namespace");
  const b = bytes;
  const lbafe: LbaFormatExtension[] = [];
  for (let n = 0; n < Math.min(formats, 64); n++) {
    const at = LBAFE_OFFSET + n * LBAFE_SIZE;
    lbafe.push({ zsze: u64(b, at), zdes: u8(b, at + 8) });
  }
  const zoc = u16(b, 0);
  const ozcs = u16(b, 2);
  const mar = u32(b, 4);
  const mor = u32(b, 8);
  return {
    zoc,
    ozcs,
    mar,
    mor,
    rrl: u32(b, 12),
    frl: u32(b, 16),
    rrl1: u32(b, 20),
    rrl2: u32(b, 24),
    rrl3: u32(b, 28),
    frl1: u32(b, 32),
    frl2: u32(b, 36),
    frl3: u32(b, 40),
    lbafe,
    variableZoneCapacity: bit(zoc, 0),
    readAcrossZoneBoundaries: bit(ozcs, 0),
    maxActiveZones: limitCount(mar),
    maxOpenZones: limitCount(mor),
  };
}

/**
 * Decodes a ZNS Identify Controller (4096 bytes).
 * @throws InvalidArgumentError for a buffer shorter than 4096 bytes
 */
export function decodeZnsIdentifyController(bytes: Uint8Array): ZnsIdentifyController {
  requireBytes(bytes, IDENTIFY_DATA_SIZE, "ZNS Identify Controller");
  return { zasl: u8(bytes, 0) };
}

/**
 * The largest Zone Append in bytes: 2^ZASL pages of CAP.MPSMIN bytes, or `mdtsBytes` when ZASL is 0;
 * never above `mdtsBytes` (an append is one command and cannot be split).
 */
export function zoneAppendLimitBytes(zasl: number, minPageSize: number, mdtsBytes: number): number {
  return zasl === 0 ? mdtsBytes : Math.min(2 ** zasl * minPageSize, mdtsBytes);
}

/**
 * Zone Management Send: SLBA (any LBA of the zone, ignored with Select All) in CDW10/11; ZSA in
 * CDW13 7:0, Select All bit 8, ZSASO bit 9. Set Zone Descriptor Extension carries data (the caller
 * sets the data pointer).
 */
export function zoneManagementSend(
  cmd: NvmeCommand,
  nsid: number,
  slba: number,
  action: ZoneSendAction,
  selectAll = false,
  zsaso = false,
): NvmeCommand {
  cmd.init(ZnsOpcode.ZoneManagementSend, nsid);
  cmd.cdw10 = lo32(slba);
  cmd.cdw11 = hi32(slba);
  cmd.cdw13 =
    ((action & 0xff) | (selectAll ? ZONE_SEND_SELECT_ALL : 0) | (zsaso ? ZONE_SEND_ZSASO : 0)) >>> 0;
  return cmd;
}

/** Options of {@link zoneManagementReceive}. */
export interface ZoneReportOptions {
  /** Which zones to list (default all). */
  filter?: ZoneReportFilter;
  /** Partial Report: the header's count is the zones returned, not all that match (default false). */
  partial?: boolean;
  /** Extended report, with each zone's descriptor extension (default false). */
  extended?: boolean;
}

/**
 * Zone Management Receive into `numBytes` (a multiple of 4): SLBA in CDW10/11 (zones from the one
 * holding it), NUMD (0-based dwords) in CDW12, ZRA CDW13 7:0, ZRASF 15:8, Partial Report bit 16.
 */
export function zoneManagementReceive(
  cmd: NvmeCommand,
  nsid: number,
  slba: number,
  numBytes: number,
  opts: ZoneReportOptions = {},
): NvmeCommand {
  cmd.init(ZnsOpcode.ZoneManagementReceive, nsid);
  cmd.cdw10 = lo32(slba);
  cmd.cdw11 = hi32(slba);
  cmd.cdw12 = (numBytes / 4 - 1) >>> 0;
  const zra = opts.extended ? ZoneReceiveAction.ExtendedReport : ZoneReceiveAction.Report;
  cmd.cdw13 =
    (zra |
      (((opts.filter ?? ZoneReportFilter.All) & 0xff) << 8) |
      (opts.partial ? ZONE_REPORT_PARTIAL : 0)) >>>
    0;
  return cmd;
}

/**
 * Zone Append: the Write layout with ZSLBA (the zone's first LBA) in CDW10/11, `nlb` blocks (1-based)
 * and `ioFlags` in CDW12, CDW13-15 as given. Writes each dword once, for the per-I/O path.
 */
export function zoneAppend(
  cmd: NvmeCommand,
  nsid: number,
  zslba: number,
  nlb: number,
  ioFlags = 0,
  cdw14 = 0,
  cdw15 = 0,
): NvmeCommand {
  return readWriteDwords(cmd, ZnsOpcode.ZoneAppend, nsid, zslba, nlb, ioFlags, 0, cdw14, cdw15);
}

/** The LBA a Zone Append's data went to: completion DW0 (low) and DW1 (high). */
export function zoneAppendResultLba(cdw0: number, cdw1: number): number {
  return (cdw1 >>> 0) * 0x1_0000_0000 + (cdw0 >>> 0);
}

/** One zone descriptor. */
export interface ZoneDescriptor {
  /** Zone Type (see {@link ZoneType}). */
  type: number;
  /** Zone State (see {@link ZoneState}). */
  state: number;
  /** Zone Attributes (see {@link ZoneAttributes}). */
  attributes: number;
  /** Zone Attributes Information (byte 3). */
  attributesInfo: number;
  /** Zone Capacity, logical blocks. */
  capacity: number;
  /** Zone Start LBA. */
  startLba: number;
  /**
   * Write Pointer. A device may report all ones where a zone has no valid write pointer (Full, Read
   * Only, Offline); that reads as -1.
   */
  writePointer: number;
  /** The zone's descriptor extension (extended reports only, ZDES * 64 bytes; a copy). */
  extension?: Uint8Array;
}

/** A decoded zone report. */
export interface ZoneReport {
  /** Number of Zones of the header: all that match, or those returned with Partial Report. */
  nrZones: number;
  /** The descriptors the buffer holds (at most `nrZones`). */
  zones: ZoneDescriptor[];
}

/** A 64-bit LBA field as a number; all ones (no valid value) as -1. */
function lbaField(b: Uint8Array, off: number): number {
  if (u32(b, off) === 0xffffffff && u32(b, off + 4) === 0xffffffff) return -1;
  return u32(b, off + 4) * 0x1_0000_0000 + u32(b, off);
}

/** Decodes the 64-byte zone descriptor at `off`. */
export function decodeZoneDescriptor(b: Uint8Array, off: number): ZoneDescriptor {
  return {
    type: u8(b, off) & 0xf,
    state: u8(b, off + 1) >>> 4,
    attributes: u8(b, off + 2),
    attributesInfo: u8(b, off + 3),
    capacity: lbaField(b, off + 8),
    startLba: lbaField(b, off + 16),
    writePointer: lbaField(b, off + 24),
  };
}

/**
 * Decodes a Report Zones buffer: the header, then as many whole descriptors as both the buffer and
 * the header's count allow. `extensionBytes` (ZDES * 64) is what follows each descriptor in an
 * extended report, 0 otherwise.
 * @throws InvalidArgumentError for a buffer shorter than the header
 */
export function decodeZoneReport(bytes: Uint8Array, extensionBytes = 0): ZoneReport {
  requireBytes(bytes, ZONE_REPORT_HEADER_SIZE, "zone report");
  const nrZones = Number(u64(bytes, 0));
  const stride = ZONE_DESCRIPTOR_SIZE + extensionBytes;
  const fit = Math.floor((bytes.length - ZONE_REPORT_HEADER_SIZE) / stride);
  const zones: ZoneDescriptor[] = [];
  for (let i = 0; i < Math.min(fit, nrZones); i++) {
    const off = ZONE_REPORT_HEADER_SIZE + i * stride;
    const z = decodeZoneDescriptor(bytes, off);
    if (extensionBytes > 0) {
      z.extension = bytes.slice(off + ZONE_DESCRIPTOR_SIZE, off + stride);
    }
    zones.push(z);
  }
  return { nrZones, zones };
}
