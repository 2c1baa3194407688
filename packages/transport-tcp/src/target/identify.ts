/**
 * Identify Controller data as the target reports it: the backend's data patched with the fields a
 * fabrics controller owns (CNTLID, SUBNQN, IOCCSZ/IORCSZ/ICDOFF/MSDBD, CNTRLTYPE, KAS, SGLS, MDTS,
 * MAXCMD), and the optional features the target does not pass through turned off, so a host (Linux's
 * among them) does not try them; and a discovery controller's data built from nothing. Pure
 * functions over fresh 4096-byte arrays.
 * @module
 */
import {
  ControllerType,
  IDENTIFY_DATA_SIZE,
  NQN_FIELD_SIZE,
  Sgls,
  writeFixedString,
} from "@nvmekit/core/nvme-spec";
import { TARGET_VERSION } from "./properties.js";

/** Byte offsets of Identify Controller fields the target writes. */
const enum Off {
  Vid = 0,
  Sn = 4,
  Mn = 24,
  Fr = 64,
  Cmic = 76,
  Mdts = 77,
  Cntlid = 78,
  Ver = 80,
  Oaes = 92,
  Ctratt = 96,
  Cntrltype = 111,
  Crdt = 128,
  Oacs = 256,
  Acl = 258,
  Aerl = 259,
  Lpa = 261,
  Elpe = 262,
  Apsta = 265,
  Hmpre = 272,
  Hmmin = 276,
  Kas = 320,
  Hctma = 322,
  Sanicap = 328,
  Sqes = 512,
  Cqes = 513,
  Maxcmd = 514,
  Oncs = 520,
  Fuses = 522,
  Fna = 524,
  Sgls = 536,
  Subnqn = 768,
  Ioccsz = 1792,
  Iorcsz = 1796,
  Icdoff = 1800,
  Fcatt = 1802,
  Msdbd = 1803,
}

/** KAS: keep-alive granularity in 100 ms units (1 s, as Linux's target). */
export const KEEP_ALIVE_SUPPORT = 10;
/** AERL: Asynchronous Event Requests held at once, 0's based (4, as Linux's target). */
export const ASYNC_EVENT_LIMIT = 3;

/** ONCS bits passed through: Compare, Write Uncorrectable, DSM, Write Zeroes, Verify. */
const ONCS_FORWARDED = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 7);

/** What the fabrics fields of an Identify Controller hold. */
export interface FabricsIdentity {
  /** CNTLID: the controller ID the admin Connect returned. */
  cntlid: number;
  /** SUBNQN. */
  subnqn: string;
  /** In-capsule data an I/O queue takes, bytes (IOCCSZ = this / 16 + 4). */
  inCapsuleDataSize: number;
  /** Largest transfer of one command in bytes (MDTS, 4 KiB pages); 0: no limit. */
  maxTransferSize: number;
  /** MAXCMD: commands outstanding per queue at most. */
  maxCommands: number;
}

function u16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

function u32(b: Uint8Array, off: number, v: number): void {
  u16(b, off, v & 0xffff);
  u16(b, off + 2, v >>> 16);
}

/** MDTS for a transfer size in bytes: log2 of 4 KiB pages (0 = no limit). */
export function mdtsFor(bytes: number): number {
  if (bytes <= 0) return 0;
  let mdts = 0;
  while (4096 * 2 ** (mdts + 1) <= bytes) mdts++;
  return mdts;
}

function writeFabricsFields(b: Uint8Array, id: FabricsIdentity, type: ControllerType): void {
  b[Off.Mdts] = mdtsFor(id.maxTransferSize);
  u16(b, Off.Cntlid, id.cntlid);
  u32(b, Off.Ver, TARGET_VERSION);
  b[Off.Cntrltype] = type;
  u16(b, Off.Kas, KEEP_ALIVE_SUPPORT);
  b[Off.Aerl] = ASYNC_EVENT_LIMIT;
  u16(b, Off.Maxcmd, id.maxCommands);
  // SGLs supported (byte aligned), in-capsule data (address as offset), transport SGL data blocks.
  u32(b, Off.Sgls, 1 | Sgls.AddressAsOffset | Sgls.TransportDataBlock);
  writeFixedString(b, Off.Subnqn, NQN_FIELD_SIZE, id.subnqn, "subnqn");
  const ioccsz = type === ControllerType.Io ? id.inCapsuleDataSize / 16 + 4 : 4;
  u32(b, Off.Ioccsz, ioccsz);
  u32(b, Off.Iorcsz, 1); // a CQE is 16 bytes
  u16(b, Off.Icdoff, 0);
  b[Off.Fcatt] = 0; // dynamic controller model
  b[Off.Msdbd] = 1;
}

/**
 * The Identify Controller data of an I/O controller: `backend` (the backend's 4096 bytes, not
 * modified) with the fabrics fields written and, turned off: namespace management, firmware,
 * format, security and the other optional admin commands (OACS), APST, HMB, CRDT, ctratt,
 * timestamps, reservations, copy and save/select of features (ONCS), fused commands, asynchronous
 * event notices (OAES), and Commands Supported and Effects / telemetry logs (LPA keeps only the
 * extended Get Log Page bit). CMIC says the subsystem may have several controllers (one per host).
 */
export function ioControllerIdentify(backend: Uint8Array, id: FabricsIdentity): Uint8Array {
  const b = new Uint8Array(IDENTIFY_DATA_SIZE);
  b.set(backend.subarray(0, IDENTIFY_DATA_SIZE));
  b[Off.Cmic] = 1 << 1;
  u32(b, Off.Oaes, 0);
  u32(b, Off.Ctratt, 0);
  for (let i = 0; i < 6; i++) b[Off.Crdt + i] = 0;
  u16(b, Off.Oacs, 0);
  b[Off.Acl] = 3;
  b[Off.Lpa] = 1 << 2;
  b[Off.Apsta] = 0;
  u32(b, Off.Hmpre, 0);
  u32(b, Off.Hmmin, 0);
  u16(b, Off.Hctma, 0);
  u32(b, Off.Sanicap, 0);
  b[Off.Sqes] = 0x66;
  b[Off.Cqes] = 0x44;
  u16(b, Off.Oncs, (b[Off.Oncs]! | (b[Off.Oncs + 1]! << 8)) & ONCS_FORWARDED);
  u16(b, Off.Fuses, 0);
  b[Off.Fna] = 0;
  writeFabricsFields(b, id, ControllerType.Io);
  return b;
}

/** The Identify Controller data of a discovery controller. */
export function discoveryControllerIdentify(id: FabricsIdentity): Uint8Array {
  const b = new Uint8Array(IDENTIFY_DATA_SIZE);
  writeFixedString(b, Off.Sn, 20, "nvmekit-discovery", "sn", 20, 0x20);
  writeFixedString(b, Off.Mn, 40, "nvmekit NVMe/TCP test target", "mn", 40, 0x20);
  writeFixedString(b, Off.Fr, 8, "0.1.0", "fr", 8, 0x20);
  b[Off.Lpa] = 1 << 2;
  b[Off.Elpe] = 0;
  writeFabricsFields(b, id, ControllerType.Discovery);
  return b;
}
