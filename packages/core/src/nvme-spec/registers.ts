/**
 * Controller registers of the PCIe BAR0 map (also reached as Fabrics properties): offsets, the doorbell
 * stride rule, and decoders/encoders of the structured registers.
 * @module
 */
import { bit, bits } from "./bytes.js";

/** Byte offsets of the controller registers. */
export enum Register {
  /** Controller Capabilities (64-bit). */
  CAP = 0x00,
  /** Version. */
  VS = 0x08,
  /** Interrupt Mask Set. */
  INTMS = 0x0c,
  /** Interrupt Mask Clear. */
  INTMC = 0x10,
  /** Controller Configuration. */
  CC = 0x14,
  /** Controller Status. */
  CSTS = 0x1c,
  /** NVM Subsystem Reset. */
  NSSR = 0x20,
  /** Admin Queue Attributes. */
  AQA = 0x24,
  /** Admin Submission Queue Base Address (64-bit). */
  ASQ = 0x28,
  /** Admin Completion Queue Base Address (64-bit). */
  ACQ = 0x30,
  /** Controller Memory Buffer Location. */
  CMBLOC = 0x38,
  /** Controller Memory Buffer Size. */
  CMBSZ = 0x3c,
  /** Boot Partition Information. */
  BPINFO = 0x40,
  /** Boot Partition Read Select. */
  BPRSEL = 0x44,
  /** Boot Partition Memory Buffer Location (64-bit). */
  BPMBL = 0x48,
  /** Controller Memory Buffer Memory Space Control (64-bit). */
  CMBMSC = 0x50,
  /** Controller Memory Buffer Status. */
  CMBSTS = 0x58,
  /** Controller Memory Buffer Elasticity Buffer Size. */
  CMBEBS = 0x5c,
  /** Controller Memory Buffer Sustained Write Throughput. */
  CMBSWTP = 0x60,
  /** NVM Subsystem Shutdown. */
  NSSD = 0x64,
  /** Controller Ready Timeouts. */
  CRTO = 0x68,
  /** Persistent Memory Region Capabilities. */
  PMRCAP = 0xe00,
  /** Persistent Memory Region Control. */
  PMRCTL = 0xe04,
  /** Persistent Memory Region Status. */
  PMRSTS = 0xe08,
  /** Persistent Memory Region Elasticity Buffer Size. */
  PMREBS = 0xe0c,
  /** Persistent Memory Region Sustained Write Throughput. */
  PMRSWTP = 0xe10,
  /** Persistent Memory Region Controller Memory Space Control Lower. */
  PMRMSCL = 0xe14,
  /** Persistent Memory Region Controller Memory Space Control Upper. */
  PMRMSCU = 0xe18,
}

/** Offset of the first doorbell (admin SQ tail). */
export const DOORBELL_BASE = 0x1000;

/** Value whose write to NSSR starts an NVM subsystem reset ("NVMe" in ASCII). */
export const NSSR_RESET_VALUE = 0x4e564d65;

/**
 * Byte offset of a queue's doorbell: SQ y tail at 0x1000 + (2y) * (4 << DSTRD), CQ y head at
 * 0x1000 + (2y + 1) * (4 << DSTRD).
 */
export function doorbellOffset(qid: number, isCompletion: boolean, dstrd: number): number {
  return DOORBELL_BASE + (2 * qid + (isCompletion ? 1 : 0)) * (4 << dstrd);
}

/** CAP.AMS / CC.AMS arbitration mechanisms. */
export enum ArbitrationMechanism {
  /** Round robin (always supported). */
  RoundRobin = 0,
  /** Weighted round robin with urgent priority class. */
  WeightedRoundRobinUrgent = 1,
  /** Vendor specific. */
  VendorSpecific = 7,
}

/** CC.CSS: the I/O command set(s) selected when enabling. */
export enum CcCss {
  /** NVM command set. */
  Nvm = 0,
  /** All supported I/O command sets (requires CAP.CSS bit 6). */
  AllIoCommandSets = 6,
  /** Admin command set only (requires CAP.CSS bit 7). */
  AdminOnly = 7,
}

/** CC.SHN shutdown notification. */
export enum ShutdownNotification {
  /** No notification. */
  None = 0,
  /** Normal shutdown. */
  Normal = 1,
  /** Abrupt shutdown. */
  Abrupt = 2,
}

/** CSTS.SHST shutdown status. */
export enum ShutdownStatus {
  /** Normal operation, no shutdown requested. */
  Normal = 0,
  /** Shutdown processing occurring. */
  Occurring = 1,
  /** Shutdown processing complete. */
  Complete = 2,
}

/** CAP.CSS bits: which command sets the controller supports. */
export const CapCss = {
  /** Bit 0: NVM command set. */
  Nvm: 1 << 0,
  /** Bit 6: one or more I/O command sets (select with CC.CSS = 6). */
  IoCommandSets: 1 << 6,
  /** Bit 7: no I/O command set, admin only. */
  NoIo: 1 << 7,
} as const;

/** Decoded Controller Capabilities register. */
export interface Cap {
  /** Maximum Queue Entries Supported, 0-based (0x7ff means 2048 entries). */
  mqes: number;
  /** Contiguous Queues Required. */
  cqr: boolean;
  /** Arbitration Mechanism Supported bits: bit 0 weighted round robin with urgent, bit 1 vendor specific. */
  ams: number;
  /** Timeout for CSTS.RDY transitions, in 500 ms units. */
  to: number;
  /** {@link Cap.to} in milliseconds. */
  timeoutMs: number;
  /** Doorbell Stride: doorbells are 4 << dstrd bytes apart. */
  dstrd: number;
  /** NVM Subsystem Reset Supported. */
  nssrs: boolean;
  /** Command Sets Supported bits (see {@link CapCss}). */
  css: number;
  /** Boot Partition Support. */
  bps: boolean;
  /** Controller Power Scope (0 not reported, 1 controller, 2 domain, 3 subsystem). */
  cps: number;
  /** Memory Page Size Minimum: 2^(12 + mpsmin) bytes. */
  mpsmin: number;
  /** Memory Page Size Maximum: 2^(12 + mpsmax) bytes. */
  mpsmax: number;
  /** Smallest memory page size in bytes. */
  minPageSize: number;
  /** Largest memory page size in bytes. */
  maxPageSize: number;
  /** Persistent Memory Region Supported. */
  pmrs: boolean;
  /** Controller Memory Buffer Supported. */
  cmbs: boolean;
  /** NVM Subsystem Shutdown Supported. */
  nsss: boolean;
  /** Controller Ready Modes Supported bits: bit 0 with-media (CRWMS), bit 1 independent-of-media (CRIMS). */
  crms: number;
}

/** Decode CAP (read as one 64-bit value). */
export function decodeCap(cap: bigint): Cap {
  const lo = Number(cap & 0xffff_ffffn);
  const hi = Number((cap >> 32n) & 0xffff_ffffn);
  const to = bits(lo, 24, 8);
  const mpsmin = bits(hi, 48 - 32, 4);
  const mpsmax = bits(hi, 52 - 32, 4);
  return {
    mqes: bits(lo, 0, 16),
    cqr: bit(lo, 16),
    ams: bits(lo, 17, 2),
    to,
    timeoutMs: to * 500,
    dstrd: bits(hi, 0, 4),
    nssrs: bit(hi, 36 - 32),
    css: bits(hi, 37 - 32, 8),
    bps: bit(hi, 45 - 32),
    cps: bits(hi, 46 - 32, 2),
    mpsmin,
    mpsmax,
    minPageSize: 2 ** (12 + mpsmin),
    maxPageSize: 2 ** (12 + mpsmax),
    pmrs: bit(hi, 56 - 32),
    cmbs: bit(hi, 57 - 32),
    nsss: bit(hi, 58 - 32),
    crms: bits(hi, 59 - 32, 2),
  };
}

/** Decoded Version register. */
export interface Vs {
  /** Major version (bits 31:16). */
  major: number;
  /** Minor version (bits 15:8). */
  minor: number;
  /** Tertiary version (bits 7:0). */
  tertiary: number;
}

/** Decode VS (also the VER field of Identify Controller). */
export function decodeVs(v: number): Vs {
  return { major: v >>> 16, minor: bits(v, 8, 8), tertiary: bits(v, 0, 8) };
}

/** Encode a version as the VS register does, e.g. encodeVs(1, 4, 0) = 0x00010400. */
export function encodeVs(major: number, minor: number, tertiary = 0): number {
  return ((major << 16) | ((minor & 0xff) << 8) | (tertiary & 0xff)) >>> 0;
}

/** Decoded Controller Configuration register. */
export interface Cc {
  /** Enable. */
  en: boolean;
  /** I/O Command Set Selected (see {@link CcCss}). */
  css: number;
  /** Memory Page Size: 2^(12 + mps) bytes. */
  mps: number;
  /** Arbitration Mechanism Selected (see {@link ArbitrationMechanism}). */
  ams: number;
  /** Shutdown Notification (see {@link ShutdownNotification}). */
  shn: number;
  /** I/O Submission Queue Entry Size, log2 (6 for 64 bytes). */
  iosqes: number;
  /** I/O Completion Queue Entry Size, log2 (4 for 16 bytes). */
  iocqes: number;
  /** Controller Ready Independent of Media Enable. */
  crime: boolean;
}

/** Decode CC. */
export function decodeCc(v: number): Cc {
  return {
    en: bit(v, 0),
    css: bits(v, 4, 3),
    mps: bits(v, 7, 4),
    ams: bits(v, 11, 3),
    shn: bits(v, 14, 2),
    iosqes: bits(v, 16, 4),
    iocqes: bits(v, 20, 4),
    crime: bit(v, 24),
  };
}

/** Encode CC; omitted fields are zero. */
export function encodeCc(f: Partial<Cc>): number {
  return (
    ((f.en ? 1 : 0) |
      (((f.css ?? 0) & 0x7) << 4) |
      (((f.mps ?? 0) & 0xf) << 7) |
      (((f.ams ?? 0) & 0x7) << 11) |
      (((f.shn ?? 0) & 0x3) << 14) |
      (((f.iosqes ?? 0) & 0xf) << 16) |
      (((f.iocqes ?? 0) & 0xf) << 20) |
      (f.crime ? 1 << 24 : 0)) >>>
    0
  );
}

/** Decoded Controller Status register. */
export interface Csts {
  /** Ready. */
  rdy: boolean;
  /** Controller Fatal Status. */
  cfs: boolean;
  /** Shutdown Status (see {@link ShutdownStatus}). */
  shst: number;
  /** NVM Subsystem Reset Occurred. */
  nssro: boolean;
  /** Processing Paused. */
  pp: boolean;
  /** Shutdown Type: set when the shutdown was an NVM subsystem shutdown. */
  st: boolean;
}

/** Decode CSTS. */
export function decodeCsts(v: number): Csts {
  return {
    rdy: bit(v, 0),
    cfs: bit(v, 1),
    shst: bits(v, 2, 2),
    nssro: bit(v, 4),
    pp: bit(v, 5),
    st: bit(v, 6),
  };
}

/** Encode AQA from 0-based queue sizes: ASQS bits 11:0, ACQS bits 27:16. */
export function encodeAqa(asqs: number, acqs: number): number {
  return ((asqs & 0xfff) | ((acqs & 0xfff) << 16)) >>> 0;
}

/** Decoded AQA, 0-based sizes. */
export interface Aqa {
  /** Admin Submission Queue Size, 0-based. */
  asqs: number;
  /** Admin Completion Queue Size, 0-based. */
  acqs: number;
}

/** Decode AQA. */
export function decodeAqa(v: number): Aqa {
  return { asqs: bits(v, 0, 12), acqs: bits(v, 16, 12) };
}

/** Decoded Controller Memory Buffer Location register. */
export interface Cmbloc {
  /** Base Indicator Register: which BAR holds the CMB. */
  bir: number;
  /** CMB Queue Mixed Memory Support. */
  cqmms: boolean;
  /** CMB Queue Physically Discontiguous Support. */
  cqpds: boolean;
  /** CMB Data Pointer Mixed Locations Support. */
  cdpmls: boolean;
  /** CMB Data Pointer and Command Independent Locations Support. */
  cdpcils: boolean;
  /** CMB Data Metadata Mixed Memory Support. */
  cdmmms: boolean;
  /** CMB Queue Dword Alignment. */
  cqda: boolean;
  /** Offset within the BAR, in CMBSZ.SZU units (see {@link cmbOffsetBytes}). */
  ofst: number;
}

/** Decode CMBLOC. */
export function decodeCmbloc(v: number): Cmbloc {
  return {
    bir: bits(v, 0, 3),
    cqmms: bit(v, 3),
    cqpds: bit(v, 4),
    cdpmls: bit(v, 5),
    cdpcils: bit(v, 6),
    cdmmms: bit(v, 7),
    cqda: bit(v, 8),
    ofst: bits(v, 12, 20),
  };
}

/** Decoded Controller Memory Buffer Size register. */
export interface Cmbsz {
  /** Submission Queue Support. */
  sqs: boolean;
  /** Completion Queue Support. */
  cqs: boolean;
  /** PRP SGL List Support. */
  lists: boolean;
  /** Read Data Support. */
  rds: boolean;
  /** Write Data Support. */
  wds: boolean;
  /** Size Units: 0 4 KiB, 1 64 KiB, 2 1 MiB, 3 16 MiB, 4 256 MiB, 5 4 GiB, 6 64 GiB. */
  szu: number;
  /** Size in {@link Cmbsz.szu} units. */
  sz: number;
  /** Bytes per unit, 4 KiB * 16^szu. */
  unitBytes: number;
  /** CMB size in bytes, sz * unitBytes (exact as a number: at most 20 significant bits). */
  sizeBytes: number;
}

/** Decode CMBSZ, computing the size in bytes. */
export function decodeCmbsz(v: number): Cmbsz {
  const szu = bits(v, 8, 4);
  const sz = bits(v, 12, 20);
  const unitBytes = 4096 * 16 ** szu;
  return {
    sqs: bit(v, 0),
    cqs: bit(v, 1),
    lists: bit(v, 2),
    rds: bit(v, 3),
    wds: bit(v, 4),
    szu,
    sz,
    unitBytes,
    sizeBytes: sz * unitBytes,
  };
}

/** Byte offset of the CMB within its BAR: CMBLOC.OFST in CMBSZ.SZU units. */
export function cmbOffsetBytes(cmbloc: Cmbloc, cmbsz: Cmbsz): number {
  return cmbloc.ofst * cmbsz.unitBytes;
}

/** Decoded Persistent Memory Region Capabilities register. */
export interface Pmrcap {
  /** Read Data Support. */
  rds: boolean;
  /** Write Data Support. */
  wds: boolean;
  /** Base Indicator Register. */
  bir: number;
  /** PMR Time Units: 0 500 ms, 1 minutes. */
  pmrtu: number;
  /** PMR Write Barrier Mechanisms bits. */
  pmrwbm: number;
  /** PMR Timeout in {@link Pmrcap.pmrtu} units. */
  pmrto: number;
  /** Controller Memory Space Supported. */
  cmss: boolean;
}

/** Decode PMRCAP. */
export function decodePmrcap(v: number): Pmrcap {
  return {
    rds: bit(v, 3),
    wds: bit(v, 4),
    bir: bits(v, 5, 3),
    pmrtu: bits(v, 8, 2),
    pmrwbm: bits(v, 10, 4),
    pmrto: bits(v, 16, 8),
    cmss: bit(v, 24),
  };
}

/** Decoded Boot Partition Information register. */
export interface Bpinfo {
  /** Boot Partition Size in 128 KiB units. */
  bpsz: number;
  /** Boot Read Status: 0 no read, 1 in progress, 2 completed, 3 error. */
  brs: number;
  /** Active Boot Partition ID. */
  abpid: number;
}

/** Decode BPINFO. */
export function decodeBpinfo(v: number): Bpinfo {
  return { bpsz: bits(v, 0, 15), brs: bits(v, 24, 2), abpid: bits(v, 31, 1) };
}

/** Decoded Controller Ready Timeouts register. */
export interface Crto {
  /** Controller Ready With Media Timeout, 500 ms units. */
  crwmt: number;
  /** Controller Ready Independent of Media Timeout, 500 ms units. */
  crimt: number;
}

/** Decode CRTO. */
export function decodeCrto(v: number): Crto {
  return { crwmt: bits(v, 0, 16), crimt: bits(v, 16, 16) };
}
