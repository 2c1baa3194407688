/**
 * Reservations: command dword encodings, the key data structures sent with Register, Acquire and
 * Release, and the Reservation Status data structure returned by Report.
 * @module
 */
import { hex, requireBytes, u8, u16, u32, u64, writeU64 } from "./bytes.js";

/** Reservation Register Action (RREGA, CDW10 bits 2:0). */
export enum ReservationRegisterAction {
  /** Register a reservation key. */
  Register = 0,
  /** Unregister the reservation key. */
  Unregister = 1,
  /** Replace the reservation key. */
  Replace = 2,
}

/** Change Persist Through Power Loss State (CPTPL, CDW10 bits 31:30). */
export enum ReservationRegisterCptpl {
  /** No change to PTPL state. */
  NoChange = 0,
  /** Reservations are released and registrants cleared on power loss. */
  Clear = 2,
  /** Reservations and registrants persist across power loss. */
  Persist = 3,
}

/** Reservation Acquire Action (RACQA, CDW10 bits 2:0). */
export enum ReservationAcquireAction {
  /** Acquire. */
  Acquire = 0,
  /** Preempt. */
  Preempt = 1,
  /** Preempt and Abort. */
  PreemptAndAbort = 2,
}

/** Reservation Release Action (RRELA, CDW10 bits 2:0). */
export enum ReservationReleaseAction {
  /** Release. */
  Release = 0,
  /** Clear. */
  Clear = 1,
}

/** Reservation Type (RTYPE, CDW10 bits 15:8; also byte 4 of the status data). */
export enum ReservationType {
  /** Write Exclusive. */
  WriteExclusive = 1,
  /** Exclusive Access. */
  ExclusiveAccess = 2,
  /** Write Exclusive - Registrants Only. */
  WriteExclusiveRegistrantsOnly = 3,
  /** Exclusive Access - Registrants Only. */
  ExclusiveAccessRegistrantsOnly = 4,
  /** Write Exclusive - All Registrants. */
  WriteExclusiveAllRegistrants = 5,
  /** Exclusive Access - All Registrants. */
  ExclusiveAccessAllRegistrants = 6,
}

/** Size of the Reservation Register data: CRKEY then NRKEY. */
export const RESERVATION_REGISTER_DATA_SIZE = 16;
/** Size of the Reservation Acquire data: CRKEY then PRKEY. */
export const RESERVATION_ACQUIRE_DATA_SIZE = 16;
/** Size of the Reservation Release data: CRKEY. */
export const RESERVATION_KEY_DATA_SIZE = 8;
/** Size of the Reservation Status header. */
export const RESERVATION_STATUS_HEADER_SIZE = 24;
/** Size of one Registered Controller data structure. */
export const REGISTERED_CONTROLLER_SIZE = 24;
/** Size of the extended Reservation Status header (EDS set). */
export const RESERVATION_STATUS_EXTENDED_HEADER_SIZE = 64;
/** Size of one Registered Controller extended data structure. */
export const REGISTERED_CONTROLLER_EXTENDED_SIZE = 64;

/** Write the Reservation Register data: Current Reservation Key, New Reservation Key. */
export function encodeReservationRegisterData(crkey: bigint, nrkey: bigint, out: Uint8Array): void {
  requireBytes(out, RESERVATION_REGISTER_DATA_SIZE, "Reservation Register data");
  writeU64(out, 0, crkey);
  writeU64(out, 8, nrkey);
}

/** Write the Reservation Acquire data: Current Reservation Key, Preempt Reservation Key. */
export function encodeReservationAcquireData(crkey: bigint, prkey: bigint, out: Uint8Array): void {
  requireBytes(out, RESERVATION_ACQUIRE_DATA_SIZE, "Reservation Acquire data");
  writeU64(out, 0, crkey);
  writeU64(out, 8, prkey);
}

/** Write the Reservation Release data: Current Reservation Key. */
export function encodeReservationKeyData(crkey: bigint, out: Uint8Array): void {
  requireBytes(out, RESERVATION_KEY_DATA_SIZE, "Reservation Release data");
  writeU64(out, 0, crkey);
}

/** CDW10 of Reservation Register: RREGA bits 2:0, IEKEY bit 3, CPTPL bits 31:30. */
export function reservationRegisterCdw10(
  action: ReservationRegisterAction,
  ignoreKey: boolean,
  cptpl: ReservationRegisterCptpl,
): number {
  return ((action & 0x7) | (ignoreKey ? 1 << 3 : 0) | ((cptpl & 0x3) << 30)) >>> 0;
}

/** CDW10 of Reservation Acquire or Release: action bits 2:0, IEKEY bit 3, RTYPE bits 15:8. */
export function reservationActionCdw10(
  action: ReservationAcquireAction | ReservationReleaseAction,
  ignoreKey: boolean,
  rtype: ReservationType | number,
): number {
  return (action & 0x7) | (ignoreKey ? 1 << 3 : 0) | ((rtype & 0xff) << 8);
}

/** CDW10 of Reservation Report: NUMD, the 0-based dword count of `numBytes` (a multiple of 4). */
export function reservationReportCdw10(numBytes: number): number {
  return (numBytes / 4 - 1) >>> 0;
}

/** CDW11 of Reservation Report: EDS bit 0 asks for the extended data structure. */
export function reservationReportCdw11(extended: boolean): number {
  return extended ? 1 : 0;
}

/** One registrant of a Reservation Status data structure. */
export interface RegisteredController {
  /** Controller ID (0xffff: dynamic controller model, not known). */
  cntlid: number;
  /** Reservation Status: bit 0 set when this registrant's host holds the reservation. */
  rcsts: number;
  /** Whether the registrant holds the reservation (RCSTS bit 0). */
  holdsReservation: boolean;
  /** Host Identifier, hex (16 digits, or 32 in the extended form). */
  hostid: string;
  /** Reservation Key. */
  rkey: bigint;
}

/** The Reservation Status data structure returned by Reservation Report. */
export interface ReservationStatus {
  /** Generation: counts Register/Preempt changes. */
  gen: number;
  /** Reservation Type held (0 none, see {@link ReservationType}). */
  rtype: number;
  /** Number of Registered Controllers. */
  regctl: number;
  /** Persist Through Power Loss State. */
  ptpls: boolean;
  /** Whether the extended form (128-bit host IDs) was decoded. */
  extended: boolean;
  /** Registrants decoded (as many as reported and present in the buffer). */
  registrants: RegisteredController[];
}

/**
 * Decode a Reservation Status data structure. `extended` must match the EDS bit the report was
 * requested with: 24-byte entries from byte 24, or 64-byte entries from byte 64 with 128-bit host IDs.
 */
export function decodeReservationStatus(bytes: Uint8Array, extended = false): ReservationStatus {
  const headerSize = extended ? RESERVATION_STATUS_EXTENDED_HEADER_SIZE : RESERVATION_STATUS_HEADER_SIZE;
  const entrySize = extended ? REGISTERED_CONTROLLER_EXTENDED_SIZE : REGISTERED_CONTROLLER_SIZE;
  requireBytes(bytes, headerSize, "Reservation Status data");
  const regctl = u16(bytes, 5);
  const fit = Math.floor((bytes.length - headerSize) / entrySize);
  const registrants: RegisteredController[] = [];
  for (let i = 0; i < Math.min(regctl, fit); i++) {
    const off = headerSize + i * entrySize;
    const rcsts = u8(bytes, off + 2);
    registrants.push({
      cntlid: u16(bytes, off),
      rcsts,
      holdsReservation: (rcsts & 1) === 1,
      // Extended entries put RKEY before a 16-byte host ID; regular ones put an 8-byte host ID first.
      hostid: extended ? hex(bytes, off + 16, 16) : hex(bytes, off + 8, 8),
      rkey: extended ? u64(bytes, off + 8) : u64(bytes, off + 16),
    });
  }
  return {
    gen: u32(bytes, 0),
    rtype: u8(bytes, 4),
    regctl,
    ptpls: (u8(bytes, 9) & 1) === 1,
    extended,
    registrants,
  };
}
