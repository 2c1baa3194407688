/**
 * Runs a planned record: submits its pieces through core's callback face with one static callback,
 * and when the last piece completes fills `nvm_ret`, copies a bounced read back, updates the
 * synthetic chunk table, starts a copy's writes, and hands the record to its `finish`.
 * @module
 */
import { ENOMEM as CORE_ENOMEM, type DsmRange, ZoneSendAction, zoneAppendResultLba } from "@nvmekit/core";
import { type Completion, NvmOpcode } from "@nvmekit/core/nvme-spec";
import { submitPrechecked } from "@nvmekit/core/transport";
import type { Piece } from "./plan.js";
import { type CmdRecord, Op } from "./record.js";
import { packStatus } from "./ret.js";

/** Dataset Management attribute Deallocate (AD, bit 2). */
const DEALLOCATE = 1 << 2;
/** Generic Internal Error: the status of a command whose later parts could not be submitted. */
const INTERNAL_ERROR = 0x06;

function pieceDone(rec: CmdRecord, cpl: Completion): void {
  if (cpl.isError) {
    if (rec.status === 0) rec.status = packStatus(cpl.status);
  } else {
    rec.result = rec.op === Op.Append ? zoneAppendResultLba(cpl.cdw0, cpl.cdw1) : cpl.cdw0;
  }
  if (--rec.left === 0) complete(rec);
}

function view(rec: CmdRecord, p: Piece): Uint8Array {
  const data = rec.data!;
  const bs = rec.blockSize;
  // The whole buffer when the piece starts it: no view made on the common one-piece path.
  return p.offset === 0 ? data : data.subarray(p.offset * bs, (p.offset + p.count) * bs);
}

function metaView(rec: CmdRecord, p: Piece): Uint8Array {
  const ms = rec.dev.ns.metadataSize;
  return rec.meta!.subarray(p.offset * ms, (p.offset + p.count) * ms);
}

/**
 * Submits one piece of a read or write without out-of-band bytes (a copy's too): with `prechecked`,
 * through core's submitPrechecked at the data's device address plus the piece's offset; otherwise
 * through core's callback face, which checks it.
 */
function submitData(rec: CmdRecord, p: Piece, write: boolean, prechecked: boolean): number {
  const ns = rec.dev.ns;
  const data = view(rec, p);
  if (prechecked) {
    const opcode = write ? NvmOpcode.Write : NvmOpcode.Read;
    const at = rec.iova + p.offset * rec.blockSize;
    return submitPrechecked(ns, rec.qp, opcode, data, at, p.lba, p.count, pieceDone, rec);
  }
  return write
    ? ns.cmdWrite(rec.qp, data, p.lba, p.count, pieceDone, rec)
    : ns.cmdRead(rec.qp, data, p.lba, p.count, pieceDone, rec);
}

/** Submits one piece of an erase, an append, or a read or write with out-of-band bytes. */
function submitOther(rec: CmdRecord, p: Piece, write: boolean): number {
  const { ns } = rec.dev;
  const qp = rec.qp;
  switch (rec.op) {
    case Op.Erase:
      return ns.cmdZoneManagementSend(qp, p.lba, ZoneSendAction.Reset, false, pieceDone, rec);
    case Op.Append:
      return ns.cmdZoneAppend(qp, view(rec, p), p.lba, p.count, pieceDone, rec);
    default:
      return write
        ? ns.cmdWriteWithMd(qp, view(rec, p), metaView(rec, p), p.lba, p.count, pieceDone, rec, 0, 0, 0)
        : ns.cmdReadWithMd(qp, view(rec, p), metaView(rec, p), p.lba, p.count, pieceDone, rec, 0, 0, 0);
  }
}

/**
 * Whether `rec`'s pieces may go through core's submitPrechecked: prepare.ts found its data's device
 * address, and what it checked holds while the namespace is as it was then (a controller reset may
 * re-read it before a copy's writes): the same sector size, and the geometry inside it. A piece the
 * namespace's limits no longer hold, core re-checks (it takes its checked path).
 */
function precheckedHolds(rec: CmdRecord): boolean {
  const ns = rec.dev.ns;
  return rec.iova >= 0 && rec.blockSize === ns.extendedBlockSize && rec.dev.lbaEnd <= ns.numSectors;
}

/**
 * Submits `n` pieces. Returns 0 once at least the first is submitted (the record then completes
 * through `finish`, with Internal Error as its status when a later one could not be submitted), or,
 * with nothing submitted, -ENOMEM (no free request) or the error the first submission threw.
 */
function submitPieces(rec: CmdRecord, pieces: Piece[], n: number, write: boolean): number | Error {
  const plain = rec.op !== Op.Erase && rec.op !== Op.Append && rec.meta === null;
  const prechecked = plain && precheckedHolds(rec);
  // One extra count guards against completing while submitting (a piece can complete inside cmd*).
  rec.left = n + 1;
  for (let i = 0; i < n; i++) {
    let rc: number;
    let err: unknown = null;
    try {
      rc = plain ? submitData(rec, pieces[i]!, write, prechecked) : submitOther(rec, pieces[i]!, write);
    } catch (e) {
      rc = -1;
      err = e;
    }
    if (rc === 0) continue;
    if (i === 0) {
      rec.left = 0;
      return err === null ? -CORE_ENOMEM : (err as Error);
    }
    laterPieceFailed(rec, n - i, err);
    break;
  }
  if (--rec.left === 0) complete(rec);
  return 0;
}

/** `unsent` pieces were not submitted after the first ones were: the command fails with Internal Error. */
function laterPieceFailed(rec: CmdRecord, unsent: number, err: unknown): void {
  rec.left -= unsent;
  rec.status ||= INTERNAL_ERROR;
  rec.submitError = err ?? new Error("no free request for a later part of the command");
}

/** Submits a Dataset Management deallocate of every piece (an erase on the NOCD backend). */
function submitDeallocate(rec: CmdRecord): number | Error {
  const ranges: DsmRange[] = [];
  for (let i = 0; i < rec.npieces; i++) ranges.push({ lba: rec.pieces[i]!.lba, count: rec.pieces[i]!.count });
  rec.left = 1;
  try {
    const rc = rec.dev.ns.cmdDatasetManagement(rec.qp, DEALLOCATE, ranges, pieceDone, rec);
    if (rc !== 0) rec.left = 0;
    return rc;
  } catch (e) {
    rec.left = 0;
    return e as Error;
  }
}

/**
 * Starts a planned record (its reads, for a copy); `direct` when prepareDirect prepared it. 0 when
 * submitted; with nothing submitted, -ENOMEM or the error a submission threw (the caller then still
 * owns the record and its buffers).
 */
export function startRecord(rec: CmdRecord, direct: boolean): number | Error {
  rec.status = 0;
  rec.result = 0;
  rec.writing = false;
  rec.submitError = null;
  if (direct) return submitDirect(rec);
  if (rec.op === Op.Erase && rec.dev.synthetic !== null) return submitDeallocate(rec);
  return submitPieces(rec, rec.pieces, rec.npieces, rec.op === Op.Write);
}

/**
 * Submits the one piece of a record prepareDirect prepared, in the same call: what it checked holds
 * (the namespace cannot have changed meanwhile), so the piece goes to core's submitPrechecked as it is,
 * which need not ask again whether it fits one command.
 * Kept apart from submitPieces, whose loop would use up the inlining budget of the command that
 * calls it (TurboFan then left prepareDirect and this as calls).
 */
function submitDirect(rec: CmdRecord): number | Error {
  const p = rec.pieces[0]!;
  const opcode = rec.op === Op.Write ? NvmOpcode.Write : NvmOpcode.Read;
  rec.left = 1;
  try {
    const ns = rec.dev.ns;
    if (submitPrechecked(ns, rec.qp, opcode, rec.data!, rec.iova, p.lba, p.count, pieceDone, rec, true) === 0)
      return 0;
    rec.left = 0;
    return -CORE_ENOMEM;
  } catch (e) {
    rec.left = 0;
    return e as Error;
  }
}

function complete(rec: CmdRecord): void {
  if (rec.op === Op.Copy && !rec.writing && rec.status === 0) {
    rec.writing = true;
    const rc = submitPieces(rec, rec.writes, rec.nwrites, true);
    if (rc === 0) return;
    rec.status = INTERNAL_ERROR;
    rec.submitError = rc;
  }
  const { dev } = rec;
  if (rec.status === 0) {
    if (rec.user !== null && rec.op === Op.Read) rec.user.set(rec.data!.subarray(0, rec.user.byteLength));
    const table = dev.synthetic;
    if (table !== null) {
      if (rec.op === Op.Erase) for (let i = 0; i < rec.npieces; i++) table.erased(rec.pieces[i]!.lba);
      else if (rec.op === Op.Write)
        for (let i = 0; i < rec.npieces; i++) table.written(rec.pieces[i]!.lba, rec.pieces[i]!.count);
      else if (rec.op === Op.Copy)
        for (let i = 0; i < rec.nwrites; i++) table.written(rec.writes[i]!.lba, rec.writes[i]!.count);
    }
  }
  releaseBuffers(rec);
  const ret = rec.ret!;
  ret.status = rec.status;
  ret.result = rec.result;
  rec.finish!(rec);
}

/** Frees the record's DMA memory and forgets the caller's buffers. */
export function releaseBuffers(rec: CmdRecord): void {
  if (rec.bounce !== null) rec.dev.ctrlr.freeBuffer(rec.bounce);
  rec.bounce = null;
  rec.user = null;
  rec.data = null;
  rec.meta = null;
}
