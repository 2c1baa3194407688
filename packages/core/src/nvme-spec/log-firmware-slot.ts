/**
 * The Firmware Slot Information log page (LID 03h, 512 bytes).
 * @module
 */
import { ascii, bits, requireBytes, u8 } from "./bytes.js";

/** Size in bytes of the Firmware Slot Information log page. */
export const FIRMWARE_SLOT_LOG_SIZE = 512;

/** The Firmware Slot Information log page. */
export interface FirmwareSlotLog {
  /** Active Firmware Info, raw. */
  afi: number;
  /** Slot running now (AFI bits 2:0). */
  activeSlot: number;
  /** Slot activated at the next reset, 0 if not set (AFI bits 6:4). */
  nextSlot: number;
  /** Firmware revisions of slots 1..7 (index 0 is slot 1); empty for an empty slot. */
  frs: string[];
}

/** Decode a Firmware Slot Information log page. */
export function decodeFirmwareSlotLog(bytes: Uint8Array): FirmwareSlotLog {
  requireBytes(bytes, 64, "Firmware Slot log");
  const afi = u8(bytes, 0);
  const frs: string[] = [];
  for (let slot = 1; slot <= 7; slot++) frs.push(ascii(bytes, slot * 8, 8));
  return { afi, activeSlot: bits(afi, 0, 3), nextSlot: bits(afi, 4, 3), frs };
}
