/**
 * Builders of NVM command set I/O commands. Each clears the command, then sets opcode, NSID and
 * command dwords; the caller sets the CID and the data pointer. Nothing here allocates, so they are
 * safe on the per-I/O path.
 * @module
 */
import { hi32, lo32 } from "./bytes.js";
import type { NvmeCommand } from "./command.js";
import { NvmOpcode } from "./opcodes.js";
import {
  type ReservationAcquireAction,
  type ReservationRegisterAction,
  type ReservationRegisterCptpl,
  type ReservationReleaseAction,
  reservationActionCdw10,
  reservationRegisterCdw10,
  reservationReportCdw10,
  reservationReportCdw11,
} from "./reservations.js";

/** End-to-end protection fields of Read, Write, Compare, Verify and Write Zeroes. */
export interface ProtectionFields {
  /** Dataset Management hints (CDW13 7:0). */
  dsm?: number;
  /** Expected / Initial Logical Block Reference Tag (CDW14). */
  reftag?: number;
  /** Logical Block Application Tag (CDW15 15:0). */
  apptag?: number;
  /** Logical Block Application Tag Mask (CDW15 31:16). */
  appmask?: number;
}

/** Dword 12 flag bits that {@link readWrite}'s `ioFlags` may carry (bits 31:16, SPDK's io_flags). */
const CDW12_FLAGS_MASK = 0xffff0000;

/**
 * Read, Write, Compare, Verify (any opcode with the LBA range layout): SLBA in CDW10/11, `nlb` blocks
 * (1-based, 1..65536) with `ioFlags` (FUA bit 30, LR bit 31, PRINFO 29:26) in CDW12, DSM in CDW13,
 * reference tag CDW14, application tag and mask CDW15.
 */
export function readWrite(
  cmd: NvmeCommand,
  opcode: number,
  nsid: number,
  slba: number,
  nlb: number,
  ioFlags = 0,
  pi?: ProtectionFields,
): NvmeCommand {
  if (pi === undefined) return readWriteDwords(cmd, opcode, nsid, slba, nlb, ioFlags, 0, 0, 0);
  const cdw15 = ((pi.apptag ?? 0) & 0xffff) | ((pi.appmask ?? 0) << 16);
  return readWriteDwords(cmd, opcode, nsid, slba, nlb, ioFlags, (pi.dsm ?? 0) & 0xff, pi.reftag ?? 0, cdw15);
}

/**
 * {@link readWrite} with CDW13-15 given as dwords, writing each of the sixteen dwords once: the
 * per-I/O form (no zeroing pass, no field setters; typed-array stores are dear in an emulated guest).
 */
export function readWriteDwords(
  cmd: NvmeCommand,
  opcode: number,
  nsid: number,
  slba: number,
  nlb: number,
  ioFlags: number,
  cdw13: number,
  cdw14: number,
  cdw15: number,
): NvmeCommand {
  const dw = cmd.dw;
  dw[0] = opcode & 0xff;
  dw[1] = nsid; // a Uint32Array store is ToUint32: negative int32 values land as their bits
  // Written out: a loop costs a bounds and stack check per dword in optimized code.
  dw[2] = 0;
  dw[3] = 0;
  dw[4] = 0;
  dw[5] = 0;
  dw[6] = 0;
  dw[7] = 0;
  dw[8] = 0;
  dw[9] = 0;
  dw[10] = lo32(slba);
  dw[11] = hi32(slba);
  dw[12] = ((nlb - 1) & 0xffff) | (ioFlags & CDW12_FLAGS_MASK);
  dw[13] = cdw13;
  dw[14] = cdw14;
  dw[15] = cdw15;
  return cmd;
}

/** Compare: the Read layout with the Compare opcode. */
export function compare(
  cmd: NvmeCommand,
  nsid: number,
  slba: number,
  nlb: number,
  ioFlags = 0,
  pi?: ProtectionFields,
): NvmeCommand {
  return readWrite(cmd, NvmOpcode.Compare, nsid, slba, nlb, ioFlags, pi);
}

/** Write Zeroes Deallocate bit (CDW12 bit 25). */
export const WRITE_ZEROES_DEALLOCATE = 1 << 25;

/** Write Zeroes: the Write layout without data; `ioFlags` may add {@link WRITE_ZEROES_DEALLOCATE}. */
export function writeZeroes(
  cmd: NvmeCommand,
  nsid: number,
  slba: number,
  nlb: number,
  ioFlags = 0,
  pi?: ProtectionFields,
): NvmeCommand {
  return readWrite(cmd, NvmOpcode.WriteZeroes, nsid, slba, nlb, ioFlags, pi);
}

/** Flush (NSID 0xffffffff flushes all namespaces where VWC allows it). */
export function flush(cmd: NvmeCommand, nsid: number): NvmeCommand {
  cmd.init(NvmOpcode.Flush, nsid);
  return cmd;
}

/** Dataset Management: NR (0-based) CDW10 7:0 from the 1-based range count `nr`, attributes CDW11. */
export function datasetManagement(
  cmd: NvmeCommand,
  nsid: number,
  nr: number,
  attributes: number,
): NvmeCommand {
  cmd.init(NvmOpcode.DatasetManagement, nsid);
  cmd.cdw10 = (nr - 1) & 0xff;
  cmd.cdw11 = attributes >>> 0;
  return cmd;
}

/** Reservation Register; the data buffer holds CRKEY and NRKEY (encodeReservationRegisterData). */
export function reservationRegister(
  cmd: NvmeCommand,
  nsid: number,
  action: ReservationRegisterAction,
  ignoreKey: boolean,
  cptpl: ReservationRegisterCptpl,
): NvmeCommand {
  cmd.init(NvmOpcode.ReservationRegister, nsid);
  cmd.cdw10 = reservationRegisterCdw10(action, ignoreKey, cptpl);
  return cmd;
}

/** Reservation Acquire; the data buffer holds CRKEY and PRKEY (encodeReservationAcquireData). */
export function reservationAcquire(
  cmd: NvmeCommand,
  nsid: number,
  action: ReservationAcquireAction,
  ignoreKey: boolean,
  rtype: number,
): NvmeCommand {
  cmd.init(NvmOpcode.ReservationAcquire, nsid);
  cmd.cdw10 = reservationActionCdw10(action, ignoreKey, rtype);
  return cmd;
}

/** Reservation Release; the data buffer holds CRKEY (encodeReservationKeyData). */
export function reservationRelease(
  cmd: NvmeCommand,
  nsid: number,
  action: ReservationReleaseAction,
  ignoreKey: boolean,
  rtype: number,
): NvmeCommand {
  cmd.init(NvmOpcode.ReservationRelease, nsid);
  cmd.cdw10 = reservationActionCdw10(action, ignoreKey, rtype);
  return cmd;
}

/** Reservation Report into `numBytes` (a multiple of 4): NUMD (0-based dwords) CDW10, EDS CDW11 bit 0. */
export function reservationReport(
  cmd: NvmeCommand,
  nsid: number,
  numBytes: number,
  extended: boolean,
): NvmeCommand {
  cmd.init(NvmOpcode.ReservationReport, nsid);
  cmd.cdw10 = reservationReportCdw10(numBytes);
  cmd.cdw11 = reservationReportCdw11(extended);
  return cmd;
}
