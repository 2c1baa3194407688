/**
 * NVM command set of the soft controller over its namespaces: read, write, compare, flush,
 * write zeroes, dataset management and the reservation commands, with the specification's errors
 * for bad namespaces, LBA ranges and transfer sizes; on zoned namespaces the write-pointer rules and
 * the Zoned Namespace commands (zone-commands.ts).
 * @module
 */
import type { CommandContext, HandlerResult } from "./command-context.js";
import { fail } from "./command-failure.js";
import type { SoftController } from "./controller.js";
import { get32, get64, get64n, put8, put16, put32, put64 } from "./le-bytes.js";
import type { SoftNamespace } from "./namespace.js";
import { GenericSc, MediaSc, NvmOpc, Sct } from "./nvme-raw.js";
import { sqeNlb, sqeNsid, sqeSlba } from "./sqe.js";
import { isZoneOpcode, zoneManagementReceive, zoneManagementSend } from "./zone-commands.js";

/** Executes one NVM I/O command. */
export function executeNvm(ctrl: SoftController, ctx: CommandContext): HandlerResult {
  const opcode = ctx.sqe[0]! & 0xff;
  const nsid = sqeNsid(ctx.sqe);
  if (opcode === NvmOpc.Flush && nsid === 0xffff_ffff) return 0; // flush every namespace (VWC bits 2:1)
  const ns = ctrl.activeNamespace(nsid);
  const known = (Object.values(NvmOpc) as number[]).includes(opcode);
  if (!known) fail(Sct.Generic, GenericSc.InvalidOpcode, `I/O opcode 0x${opcode.toString(16)}`);
  if (ns === undefined)
    fail(Sct.Generic, GenericSc.InvalidNamespaceOrFormat, `namespace ${nsid} is not active`);
  // Zone commands exist only for a zoned namespace with all I/O command sets enabled (CC.CSS = 110b).
  if (isZoneOpcode(opcode) && (ns.zones === undefined || !ctrl.allIoCommandSetsSelected)) {
    fail(
      Sct.Generic,
      GenericSc.InvalidOpcode,
      `opcode 0x${opcode.toString(16)}: not a zoned namespace, or CC.CSS is NVM only`,
    );
  }
  switch (opcode) {
    case NvmOpc.Flush:
      return 0;
    case NvmOpc.Read:
      return read(ctrl, ctx, ns);
    case NvmOpc.Write:
      return write(ctrl, ctx, ns);
    case NvmOpc.Compare:
      return compare(ctrl, ctx, ns);
    case NvmOpc.WriteZeroes: {
      const { slba, nlb } = lbaRange(ctx, ns);
      ns.zones?.prepareWrite(slba, nlb, false);
      ns.zeroBlocks(slba, nlb);
      ns.zones?.advance(slba, nlb);
      return 0;
    }
    case NvmOpc.ZoneAppend:
      return write(ctrl, ctx, ns, true);
    case NvmOpc.ZoneManagementSend:
      return zoneManagementSend(ctx, ns);
    case NvmOpc.ZoneManagementReceive:
      return zoneManagementReceive(ctx, ns);
    case NvmOpc.DatasetManagement:
      return datasetManagement(ctx, ns);
    case NvmOpc.ReservationRegister:
      return reservationRegister(ctx, ns);
    case NvmOpc.ReservationAcquire:
      return reservationAcquire(ctx, ns);
    case NvmOpc.ReservationRelease:
      return reservationRelease(ctx, ns);
    default:
      return reservationReport(ctrl, ctx, ns);
  }
}

// SLBA in CDW10-11, NLB (0-based) in CDW12 bits 15:0; the range must lie inside the namespace.
function lbaRange(ctx: CommandContext, ns: SoftNamespace): { slba: number; nlb: number } {
  const slba = sqeSlba(ctx.sqe);
  const nlb = sqeNlb(ctx.sqe);
  if (slba + nlb > ns.blocks) {
    fail(
      Sct.Generic,
      GenericSc.LbaOutOfRange,
      `LBAs ${slba}+${nlb} past namespace ${ns.nsid} end (${ns.blocks})`,
    );
  }
  return { slba, nlb };
}

// Bytes moved through the data pointer: blocks, with their metadata interleaved under extended LBAs.
function dataBytes(ctrl: SoftController, ns: SoftNamespace, nlb: number): number {
  const n = nlb * (ns.blockSize + (ns.extendedLba ? ns.metadataSize : 0));
  if (n > ctrl.maxTransferBytes) {
    fail(
      Sct.Generic,
      GenericSc.InvalidField,
      `transfer of ${n} bytes exceeds MDTS (${ctrl.maxTransferBytes})`,
    );
  }
  return n;
}

// The blocks as the host sees them: data, or data + metadata per block for extended LBAs.
function hostView(ns: SoftNamespace, slba: number, nlb: number): Uint8Array {
  const bs = ns.blockSize;
  if (!ns.extendedLba) {
    const out = new Uint8Array(nlb * bs);
    ns.readBlocks(slba, out);
    return out;
  }
  const ms = ns.metadataSize;
  const out = new Uint8Array(nlb * (bs + ms));
  for (let i = 0; i < nlb; i++) {
    ns.readBlocks(slba + i, out.subarray(i * (bs + ms), i * (bs + ms) + bs));
    out.set(ns.blockMetadata(slba + i, 1), i * (bs + ms) + bs);
  }
  return out;
}

function read(ctrl: SoftController, ctx: CommandContext, ns: SoftNamespace): number {
  const { slba, nlb } = lbaRange(ctx, ns);
  ns.zones?.checkRead(slba, nlb); // above a zone's write pointer the blocks read as zeroes (reset erased them)
  const bytes = dataBytes(ctrl, ns, nlb);
  ctx.dataOut(hostView(ns, slba, nlb));
  if (ns.metadataSize > 0 && !ns.extendedLba) ctx.metadataOut(ns.blockMetadata(slba, nlb).slice());
  ctrl.health.bytesRead += bytes;
  ctrl.health.hostReads++;
  return 0;
}

// Write, or with `append` Zone Append (SLBA = the zone start; the data goes to the write pointer).
function write(ctrl: SoftController, ctx: CommandContext, ns: SoftNamespace, append = false): number {
  const range = lbaRange(ctx, ns);
  const nlb = range.nlb;
  const bytes = dataBytes(ctrl, ns, nlb);
  if (append && bytes > zoneAppendLimit(ctrl)) {
    fail(Sct.Generic, GenericSc.InvalidField, `append of ${bytes} bytes above the zone append size limit`);
  }
  // Zone rules first (and the implicit open), so a refused write moves no data.
  const slba = ns.zones === undefined ? range.slba : ns.zones.prepareWrite(range.slba, nlb, append);
  const data = ctx.dataIn(bytes);
  // Read metadata before storing anything, so a bad MPTR leaves the namespace untouched.
  const meta = ns.metadataSize > 0 && !ns.extendedLba ? ctx.metadataIn(nlb * ns.metadataSize) : undefined;
  if (ns.extendedLba) {
    const stride = ns.blockSize + ns.metadataSize;
    for (let i = 0; i < nlb; i++) {
      ns.writeBlocks(slba + i, data.subarray(i * stride, i * stride + ns.blockSize));
      ns.blockMetadata(slba + i, 1).set(data.subarray(i * stride + ns.blockSize, (i + 1) * stride));
    }
  } else {
    ns.writeBlocks(slba, data);
    if (meta !== undefined) ns.blockMetadata(slba, nlb).set(meta);
  }
  ns.zones?.advance(slba, nlb);
  ctrl.health.bytesWritten += bytes;
  ctrl.health.hostWrites++;
  if (!append) return 0;
  ctx.dw1 = Math.floor(slba / 0x1_0000_0000); // the LBA written: DW0 low, DW1 high
  return slba >>> 0;
}

// ZASL in 4 KiB pages (0: MDTS).
function zoneAppendLimit(ctrl: SoftController): number {
  const zasl = ctrl.identity.zasl;
  return zasl === 0 ? ctrl.maxTransferBytes : Math.min(4096 * 2 ** zasl, ctrl.maxTransferBytes);
}

function compare(ctrl: SoftController, ctx: CommandContext, ns: SoftNamespace): number {
  const { slba, nlb } = lbaRange(ctx, ns);
  const data = ctx.dataIn(dataBytes(ctrl, ns, nlb));
  const stored = hostView(ns, slba, nlb);
  let same = data.every((b, i) => b === stored[i]);
  if (same && ns.metadataSize > 0 && !ns.extendedLba) {
    const meta = ctx.metadataIn(nlb * ns.metadataSize);
    const storedMeta = ns.blockMetadata(slba, nlb);
    same = meta.every((b, i) => b === storedMeta[i]);
  }
  if (!same) fail(Sct.Media, MediaSc.CompareFailure, `compare of LBAs ${slba}+${nlb} found different data`);
  return 0;
}

// DSM: CDW10 NR 7:0 (0-based ranges), CDW11 AD bit 2. Range: context attributes 0-3, NLB 4-7, SLBA 8-15.
function datasetManagement(ctx: CommandContext, ns: SoftNamespace): number {
  const ranges = (ctx.sqe[10]! & 0xff) + 1;
  const deallocate = ((ctx.sqe[11]! >>> 2) & 1) === 1;
  const list = ctx.dataIn(ranges * 16);
  const parsed: { slba: number; nlb: number }[] = [];
  for (let i = 0; i < ranges; i++) {
    const nlb = get32(list, i * 16 + 4);
    const slba = get64(list, i * 16 + 8);
    if (slba + nlb > ns.blocks) fail(Sct.Generic, GenericSc.LbaOutOfRange, `DSM range ${i}: ${slba}+${nlb}`);
    parsed.push({ slba, nlb });
  }
  // Deallocated blocks read as zeroes (Identify Namespace DLFEAT).
  if (deallocate) {
    for (const r of parsed) ns.zeroBlocks(r.slba, r.nlb);
  }
  return 0;
}

function conflict(why: string): never {
  return fail(Sct.Generic, GenericSc.ReservationConflict, why);
}

// The one host's key must be registered and, unless IEKEY (CDW10 bit 3), equal `crkey`.
function checkKey(ctx: CommandContext, ns: SoftNamespace, crkey: bigint): void {
  const iekey = ((ctx.sqe[10]! >>> 3) & 1) === 1;
  if (ns.reservationKey === undefined) conflict("host is not registered");
  if (!iekey && ns.reservationKey !== crkey) conflict("current reservation key does not match");
}

// Reservation Register: CDW10 RREGA 2:0 (0 register, 1 unregister, 2 replace), IEKEY 3, CPTPL 31:30.
// Data: CRKEY 0-7, NRKEY 8-15.
function reservationRegister(ctx: CommandContext, ns: SoftNamespace): number {
  const d = ctx.sqe[10]!;
  const action = d & 0x7;
  const cptpl = d >>> 30;
  const data = ctx.dataIn(16);
  const crkey = get64n(data, 0);
  const nrkey = get64n(data, 8);
  if (cptpl === 3) fail(Sct.Generic, GenericSc.InvalidField, "persist through power loss is not supported");
  if (action === 0) {
    if (ns.reservationKey !== undefined && ns.reservationKey !== nrkey)
      conflict("already registered with another key");
    ns.reservationKey = nrkey;
    ns.reservationGeneration++;
  } else if (action === 1) {
    checkKey(ctx, ns, crkey);
    ns.reservationKey = undefined;
    ns.reservationType = 0;
    ns.reservationGeneration++;
  } else if (action === 2) {
    const iekey = ((d >>> 3) & 1) === 1;
    if (ns.reservationKey === undefined && !iekey) conflict("host is not registered");
    if (ns.reservationKey !== undefined) checkKey(ctx, ns, crkey);
    ns.reservationKey = nrkey;
  } else {
    fail(Sct.Generic, GenericSc.InvalidField, `RREGA ${action}`);
  }
  return 0;
}

// Reservation Acquire: CDW10 RACQA 2:0 (0 acquire, 1 preempt, 2 preempt and abort), IEKEY 3, RTYPE 15:8.
// Data: CRKEY 0-7, PRKEY 8-15.
function reservationAcquire(ctx: CommandContext, ns: SoftNamespace): number {
  const d = ctx.sqe[10]!;
  const action = d & 0x7;
  const rtype = (d >>> 8) & 0xff;
  const data = ctx.dataIn(16);
  checkKey(ctx, ns, get64n(data, 0));
  if (rtype < 1 || rtype > 6 || action > 2)
    fail(Sct.Generic, GenericSc.InvalidField, `RACQA ${action} RTYPE ${rtype}`);
  if (action === 0 && ns.reservationType !== 0 && ns.reservationType !== rtype) {
    conflict(`a type ${ns.reservationType} reservation is held`);
  }
  if (action !== 0) ns.reservationGeneration++;
  ns.reservationType = rtype;
  return 0;
}

// Reservation Release: CDW10 RRELA 2:0 (0 release, 1 clear), IEKEY 3, RTYPE 15:8. Data: CRKEY 0-7.
function reservationRelease(ctx: CommandContext, ns: SoftNamespace): number {
  const d = ctx.sqe[10]!;
  const action = d & 0x7;
  const rtype = (d >>> 8) & 0xff;
  checkKey(ctx, ns, get64n(ctx.dataIn(8), 0));
  if (action === 0) {
    if (ns.reservationType !== 0 && ns.reservationType !== rtype) {
      fail(Sct.Generic, GenericSc.InvalidField, `release type ${rtype}, held type ${ns.reservationType}`);
    }
    ns.reservationType = 0;
  } else if (action === 1) {
    ns.reservationType = 0;
    ns.reservationKey = undefined;
    ns.reservationGeneration++;
  } else {
    fail(Sct.Generic, GenericSc.InvalidField, `RRELA ${action}`);
  }
  return 0;
}

// Reservation Report: CDW10 NUMD (0-based dwords), CDW11 EDS bit 0. Header: GEN 0-3, RTYPE 4,
// REGCTL 5-6, PTPLS 9; registrants from byte 24 (24 bytes each) or, extended, from byte 64 (64 each).
function reservationReport(ctrl: SoftController, ctx: CommandContext, ns: SoftNamespace): number {
  const bytes = (ctx.sqe[10]! + 1) * 4;
  const extended = (ctx.sqe[11]! & 1) === 1;
  const out = new Uint8Array(bytes);
  const full = new Uint8Array(extended ? 128 : 48);
  put32(full, 0, ns.reservationGeneration);
  put8(full, 4, ns.reservationType);
  const registered = ns.reservationKey !== undefined;
  put16(full, 5, registered ? 1 : 0);
  put8(full, 9, ns.ptpl ? 1 : 0);
  if (registered) {
    const at = extended ? 64 : 24;
    put16(full, at, ctrl.identity.cntlid);
    put8(full, at + 2, ns.reservationType !== 0 ? 1 : 0);
    const hostId = ctrl.features.hostId;
    if (extended) {
      put64(full, at + 8, ns.reservationKey!);
      full.set(hostId.subarray(0, 16), at + 16);
    } else {
      full.set(hostId.subarray(0, 8), at + 8);
      put64(full, at + 16, ns.reservationKey!);
    }
  }
  out.set(full.subarray(0, bytes));
  ctx.dataOut(out);
  return 0;
}
