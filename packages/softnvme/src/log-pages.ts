/**
 * Log pages the soft controller returns, laid out from the specification: Error Information (01h),
 * SMART / Health Information (02h), Firmware Slot Information (03h), Changed Namespace List (04h) and
 * Commands Supported and Effects (05h).
 * @module
 */
import { put8, put16, put32, put64, put128, putAscii } from "./le-bytes.js";
import { AdminOpc, NvmOpc } from "./nvme-raw.js";

/** One Error Information log entry as the controller remembers it. */
export interface ErrorLogEntry {
  /** Error count: a unique, increasing identifier of the error. */
  errorCount: number;
  /** Submission queue of the failed command. */
  sqid: number;
  /** Command identifier of the failed command. */
  cid: number;
  /** 15-bit status field the command completed with. */
  status: number;
  /** First LBA of the command, if it had one. */
  lba: number;
  /** Namespace of the command. */
  nsid: number;
}

/** Size of one Error Information log entry. */
export const ERROR_ENTRY_SIZE = 64;

/** Error Information log: `count` 64-byte entries, newest first. */
export function errorLog(entries: readonly ErrorLogEntry[], count: number): Uint8Array {
  const b = new Uint8Array(count * ERROR_ENTRY_SIZE);
  const newest = [...entries].reverse().slice(0, count);
  newest.forEach((e, i) => {
    const at = i * ERROR_ENTRY_SIZE;
    put64(b, at + 0, e.errorCount);
    put16(b, at + 8, e.sqid);
    put16(b, at + 10, e.cid);
    put16(b, at + 12, e.status << 1); // status field with the phase tag in bit 0
    put16(b, at + 14, 0xffff); // parameter error location: not specified
    put64(b, at + 16, e.lba);
    put32(b, at + 24, e.nsid);
  });
  return b;
}

/** The health figures the SMART log reports. */
export interface HealthState {
  /** Critical warning bits. */
  criticalWarning: number;
  /** Composite temperature, Kelvin. */
  temperature: number;
  /** Available spare, percent. */
  availableSpare: number;
  /** Available spare threshold, percent. */
  spareThreshold: number;
  /** Percentage used. */
  percentageUsed: number;
  /** Bytes read by the host. */
  bytesRead: number;
  /** Bytes written by the host. */
  bytesWritten: number;
  /** Read commands completed. */
  hostReads: number;
  /** Write commands completed. */
  hostWrites: number;
  /** Error information log entries ever created. */
  errorEntries: number;
}

/** SMART / Health Information log (512 bytes). */
export function smartLog(h: HealthState): Uint8Array {
  const b = new Uint8Array(512);
  put8(b, 0, h.criticalWarning);
  put16(b, 1, h.temperature);
  put8(b, 3, h.availableSpare);
  put8(b, 4, h.spareThreshold);
  put8(b, 5, h.percentageUsed);
  // Data units are thousands of 512-byte units, rounded up.
  put128(b, 32, Math.ceil(h.bytesRead / 512_000));
  put128(b, 48, Math.ceil(h.bytesWritten / 512_000));
  put128(b, 64, h.hostReads);
  put128(b, 80, h.hostWrites);
  put128(b, 112, 1); // power cycles
  put128(b, 128, 1); // power on hours
  put128(b, 176, h.errorEntries); // number of error information log entries
  put16(b, 200, h.temperature); // temperature sensor 1
  return b;
}

/** Firmware Slot Information log (512 bytes): AFI, then FRS1..FRS7 revisions at byte 8 + 8 * (slot - 1). */
export function firmwareSlotLog(
  activeSlot: number,
  nextSlot: number,
  revisions: readonly string[],
): Uint8Array {
  const b = new Uint8Array(512);
  put8(b, 0, (activeSlot & 0x7) | ((nextSlot & 0x7) << 4));
  revisions.forEach((rev, i) => {
    if (rev !== "") putAscii(b, 8 + 8 * i, 8, rev);
  });
  return b;
}

/** Changed Namespace List log (4096 bytes): up to 1024 NSIDs; FFFFFFFFh first when more changed. */
export function changedNamespaceLog(nsids: readonly number[]): Uint8Array {
  const b = new Uint8Array(4096);
  if (nsids.length > 1024) put32(b, 0, 0xffff_ffff);
  else for (const [i, n] of nsids.entries()) put32(b, 4 * i, n);
  return b;
}

/**
 * Commands Supported and Effects log (4096 bytes): 256 admin entries then 256 I/O entries, each
 * CSUPP bit 0, LBCC bit 1 (changes logical block content), NCC bit 2, NIC bit 3, CCC bit 4 (changes
 * capabilities), CSE bits 18:16.
 */
export function commandEffectsLog(adminOpcodes: readonly number[], ioOpcodes: readonly number[]): Uint8Array {
  const b = new Uint8Array(4096);
  const lbcc = new Set<number>([
    NvmOpc.Write,
    NvmOpc.WriteZeroes,
    NvmOpc.DatasetManagement,
    NvmOpc.ZoneAppend,
    NvmOpc.ZoneManagementSend,
  ]);
  for (const op of adminOpcodes) {
    let e = 1;
    if (op === AdminOpc.FormatNvm) e |= (1 << 1) | (1 << 2) | (1 << 3) | (1 << 16); // one namespace at a time
    if (op === AdminOpc.NamespaceManagement || op === AdminOpc.NamespaceAttachment) e |= (1 << 2) | (1 << 3);
    if (op === AdminOpc.FirmwareCommit) e |= 1 << 4;
    put32(b, 4 * op, e);
  }
  for (const op of ioOpcodes) put32(b, 1024 + 4 * op, 1 | (lbcc.has(op) ? 1 << 1 : 0));
  return b;
}
