/**
 * The Error Information log page (LID 01h): 64-byte entries describing recent command errors.
 * @module
 */
import { bits, u8, u16, u32, u64 } from "./bytes.js";

/** Size in bytes of one Error Information log entry. */
export const ERROR_LOG_ENTRY_SIZE = 64;

/** One Error Information log entry. */
export interface ErrorLogEntry {
  /** Error Count: unique, increasing; 0 marks an unused entry. */
  errorCount: bigint;
  /** Submission Queue ID of the failed command (0xffff: not specific to a command). */
  sqid: number;
  /** Command ID of the failed command. */
  cid: number;
  /** The 15-bit status field of the completion (same layout as Completion.status). */
  status: number;
  /** Phase tag posted with the completion. */
  phase: number;
  /** Parameter Error Location, raw (0xffff: not applicable). */
  parameterErrorLocation: number;
  /** Byte of the command (or data) in error: location bits 7:0. */
  errorByte: number;
  /** Bit within {@link ErrorLogEntry.errorByte}: location bits 10:8. */
  errorBit: number;
  /** First LBA that saw the error. */
  lba: bigint;
  /** Namespace of the error (0xffffffff: not specific to a namespace). */
  nsid: number;
  /** Vendor Specific Information Available: log page ID of more vendor data, 0 if none. */
  vendorSpecificInfo: number;
  /** Transport Type of the command. */
  trtype: number;
  /** Command Set Indicator of the command (NVMe 2.0). */
  csi: number;
  /** Opcode of the command (NVMe 2.1; 0 when not reported). */
  opcode: number;
  /** Command Specific Information. */
  commandSpecificInfo: bigint;
  /** Transport Type Specific Information. */
  transportSpecificInfo: number;
  /** Log Page Version. */
  logPageVersion: number;
}

/** Decode the entry at byte `off`. */
export function decodeErrorLogEntry(b: Uint8Array, off: number): ErrorLogEntry {
  const statusField = u16(b, off + 12);
  const location = u16(b, off + 14);
  return {
    errorCount: u64(b, off),
    sqid: u16(b, off + 8),
    cid: u16(b, off + 10),
    status: statusField >>> 1,
    phase: statusField & 1,
    parameterErrorLocation: location,
    errorByte: bits(location, 0, 8),
    errorBit: bits(location, 8, 3),
    lba: u64(b, off + 16),
    nsid: u32(b, off + 24),
    vendorSpecificInfo: u8(b, off + 28),
    trtype: u8(b, off + 29),
    csi: u8(b, off + 30),
    opcode: u8(b, off + 31),
    commandSpecificInfo: u64(b, off + 32),
    transportSpecificInfo: u16(b, off + 40),
    logPageVersion: u8(b, off + 63),
  };
}

/** Decode every used entry (error count non-zero) of an Error Information log buffer. */
export function decodeErrorLog(bytes: Uint8Array): ErrorLogEntry[] {
  const out: ErrorLogEntry[] = [];
  for (let off = 0; off + ERROR_LOG_ENTRY_SIZE <= bytes.length; off += ERROR_LOG_ENTRY_SIZE) {
    const e = decodeErrorLogEntry(bytes, off);
    if (e.errorCount !== 0n) out.push(e);
  }
  return out;
}
