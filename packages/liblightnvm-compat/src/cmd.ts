/**
 * nvm_cmd_read / write / erase / copy, and nvm_cmd_append (ours): the flag checks, the record
 * prepared (prepare.ts), then a synchronous run (a Promise, one command at a time per device) or an asynchronous submission
 * on the context named in `ret.async` (synchronous; completion in nvm_async_poke / nvm_async_wait).
 * @module
 */
import { ENOMEM as CORE_ENOMEM, NvmeStatusError } from "@nvmekit/core";
import type { nvm_addr } from "./addr.js";
import { nvm_async_ctx } from "./async-ctx.js";
import {
  EAGAIN,
  EINVAL,
  EIO,
  ENODEV,
  NVM_CMD_ASYNC,
  NVM_CMD_MASK,
  NVM_CMD_SCALAR,
  NVM_CMD_SYNC,
  NVM_CMD_VECTOR,
} from "./constants.js";
import type { nvm_dev } from "./device.js";
import { releaseBuffers, startRecord } from "./engine.js";
import { fail } from "./errors.js";
import { attachBuffers, type Data, plan, prepareDirect, type Refusal } from "./prepare.js";
import { CmdRecord, Op } from "./record.js";
import { nvm_ret } from "./ret.js";

/** What a command call returns: a Promise of 0 / -1 when synchronous, 0 / -1 at once with NVM_CMD_ASYNC. */
export type NvmCmdResult = number | Promise<number>;

/** Each operation's function name, for messages (indexed by Op; no string built per call). */
const OP_WHAT = ["nvm_cmd_read", "nvm_cmd_write", "nvm_cmd_erase", "nvm_cmd_copy", "nvm_cmd_append"] as const;

/**
 * An errno failure of `op`. Refusals build their messages here and in the helpers below, never in
 * the per-command functions: those stay small enough to be inlined.
 */
function failOp(errno: number, op: Op, why: string): -1 {
  return fail(errno, `${OP_WHAT[op]}: ${why}`);
}

/** {@link failOp} in the shape the call returns. */
function refuse(async: boolean, errno: number, op: Op, why: string): NvmCmdResult {
  const rc = failOp(errno, op, why);
  return async ? rc : Promise.resolve(rc);
}

const BOTH_MODES = NVM_CMD_SYNC | NVM_CMD_ASYNC;
const BOTH_ADDRESSINGS = NVM_CMD_SCALAR | NVM_CMD_VECTOR;

/** Whether `flags` has only known bits and neither contradicting pair: one test per command. */
const flagsValid = (flags: number): boolean =>
  (flags & ~NVM_CMD_MASK) === 0 &&
  (flags & BOTH_MODES) !== BOTH_MODES &&
  (flags & BOTH_ADDRESSINGS) !== BOTH_ADDRESSINGS &&
  Number.isInteger(flags);

/** Why {@link flagsValid} refused `flags`. */
function flagsProblem(flags: number): string {
  if (!Number.isInteger(flags) || (flags & ~NVM_CMD_MASK) !== 0)
    return `flags 0x${Number(flags).toString(16)}: unknown bits`;
  return (flags & BOTH_MODES) === BOTH_MODES
    ? "NVM_CMD_SYNC and NVM_CMD_ASYNC together"
    : "NVM_CMD_SCALAR and NVM_CMD_VECTOR together";
}
const noRoom = (rec: CmdRecord): Refusal => [
  EAGAIN,
  `the context's queue has no room for ${rec.reserved} more commands; poke, then retry`,
];

function statusFailure(rec: CmdRecord): number {
  const what = OP_WHAT[rec.op];
  if (rec.submitError !== null)
    return fail(EIO, `${what}: a later part could not be submitted`, rec.submitError);
  const cause = new NvmeStatusError(rec.status, what);
  return fail(EIO, `${what} failed (ret.status 0x${rec.status.toString(16)})`, cause);
}

function submitFailure(rc: number | Error, what: string): -1 {
  return rc === -CORE_ENOMEM
    ? fail(EAGAIN, `${what}: the queue has no free request; poke, then retry`)
    : fail(EIO, `${what}: submission failed`, rc);
}

/** A record for a synchronous command of `dev`: a finished one, or a new one. */
function syncRecord(dev: nvm_dev): CmdRecord {
  const rec = dev.syncRecords.pop() ?? new CmdRecord();
  rec.dev = dev;
  return rec;
}

/** Runs a planned record on the device's synchronous queue pair, after the commands queued before it. */
function runSync(dev: nvm_dev, rec: CmdRecord): Promise<number> {
  const what = OP_WHAT[rec.op];
  const run = dev.syncTail.then(
    () =>
      new Promise<number>((resolve) => {
        const settle = (rc: number): void => {
          rec.ret = null;
          dev.syncRecords.push(rec);
          resolve(rc);
        };
        if (!dev.open) {
          releaseBuffers(rec);
          settle(fail(ENODEV, `${what}: the device was closed`));
          return;
        }
        const qp = dev.syncQp;
        rec.qp = qp;
        rec.finish = (r) => {
          qp.poller.release();
          settle(r.status === 0 ? 0 : statusFailure(r));
        };
        qp.poller.hold();
        // The caller's memory may have been freed while the command waited its turn: core checks it.
        if (rec.bounce === null) rec.iova = -1;
        const rc = startRecord(rec, false);
        if (rc !== 0) {
          qp.poller.release();
          releaseBuffers(rec);
          settle(submitFailure(rc, what));
        }
      }),
  );
  dev.syncTail = run;
  return run;
}

/**
 * One nvm_cmd_* call: the flag checks, a record (the context's next free one, or the device's for a
 * synchronous command), the addresses planned and the buffers attached into it, then an asynchronous
 * submission or a synchronous run. Arguments are positional: the asynchronous path runs per command
 * and allocates nothing.
 */
function command(
  op: Op,
  dev: nvm_dev,
  addrs: readonly nvm_addr[],
  naddrs: number,
  data: Data,
  meta: Data,
  flags: number,
  ret: nvm_ret | null | undefined,
  dst: readonly nvm_addr[] | null,
): NvmCmdResult {
  const async = typeof flags === "number" && (flags & NVM_CMD_ASYNC) !== 0;
  if (!(dev?.open === true)) return refuse(async, ENODEV, op, "the device is not open");
  if (!flagsValid(flags)) return refuse(async, EINVAL, op, flagsProblem(flags));
  const ctx = async ? usableContext(op, dev, ret) : null;
  if (async && ctx === null) return -1;
  // Reused: an async context's are preallocated and bound to it; synchronous ones hold two arrays of
  // 64 pieces each.
  const rec = ctx !== null ? ctx.free[ctx.free.length - 1]! : syncRecord(dev);
  const scalar = (flags & NVM_CMD_SCALAR) !== 0;
  const direct =
    ctx !== null &&
    scalar &&
    (op === Op.Read || op === Op.Write) &&
    meta == null &&
    ctx.piecesInFlight < ctx.pieceRoom &&
    prepareDirect(dev, rec, op, addrs, naddrs, data);
  const bad = direct
    ? null
    : (plan(dev, rec, op, addrs, naddrs, scalar, dst) ??
      (ctx !== null && ctx.piecesInFlight + rec.reserved > ctx.pieceRoom ? noRoom(rec) : null) ??
      attachBuffers(dev, rec, op, naddrs, data, meta));
  if (bad !== null) {
    releaseBuffers(rec);
    if (ctx === null) dev.syncRecords.push(rec);
    return refuse(async, bad[0], op, bad[1]);
  }
  if (ctx === null) {
    rec.ret = ret ?? new nvm_ret();
    return runSync(dev, rec);
  }
  ctx.free.pop();
  rec.ret = ret!;
  ctx.outstanding++;
  ctx.piecesInFlight += rec.reserved;
  const rc = startRecord(rec, direct);
  return rc === 0 ? 0 : unsubmit(ctx, rec, rc);
}

/** The context `ret.async` names when it is live, of `dev` and below its depth; else null (errno set). */
function usableContext(op: Op, dev: nvm_dev, ret: nvm_ret | null | undefined): nvm_async_ctx | null {
  const ctx = ret?.async?.ctx;
  return ctx instanceof nvm_async_ctx && ctx.live && ctx.dev === dev && ctx.outstanding < ctx.depth
    ? ctx
    : refuseContext(op, dev, ctx);
}

/** Why `ctx` cannot take a command of `dev` (errno set); off the per-command path. */
function refuseContext(op: Op, dev: nvm_dev, ctx: unknown): null {
  if (!(ctx instanceof nvm_async_ctx) || !ctx.live || ctx.dev !== dev)
    failOp(EINVAL, op, "NVM_CMD_ASYNC needs ret.async.ctx, a live context of this device");
  else failOp(EAGAIN, op, `${ctx.outstanding} commands outstanding = depth; poke, then retry`);
  return null;
}

/** Takes back an asynchronous command nothing of which was submitted, and says why. */
function unsubmit(ctx: nvm_async_ctx, rec: CmdRecord, rc: number | Error): -1 {
  ctx.outstanding--;
  ctx.piecesInFlight -= rec.reserved;
  rec.ret = null;
  releaseBuffers(rec);
  ctx.free.push(rec);
  return submitFailure(rc, OP_WHAT[rec.op]);
}

/**
 * Reads `naddrs` sectors into `data` (liblightnvm's nvm_cmd_read): with NVM_CMD_VECTOR (the default)
 * `addrs` lists each sector (at most {@link NVM_NADDR_MAX}; consecutive sectors of a chunk become one
 * NVMe Read, scattered ones several), with NVM_CMD_SCALAR `addrs[0]` starts a range of `naddrs`
 * sectors inside its chunk.
 *
 * - Returns: synchronous (no NVM_CMD_ASYNC), a Promise of 0, or of -1 with errno EIO and the NVMe
 *   status in `ret.status` when the device failed it; with NVM_CMD_ASYNC, 0 once submitted (the
 *   callback in `ret.async` runs from nvm_async_poke / nvm_async_wait and finds the status in `ret`),
 *   or -1 at once.
 * - errno (see {@link nvm_errno}, {@link nvm_last_error}): EINVAL for bad flags, addresses, counts or
 *   buffers, ENODEV for a closed device, EAGAIN when the context is at its depth (poke, then retry);
 *   then nothing was submitted.
 * - Buffer: `data` holds `naddrs` sectors; nvm_buf_alloc memory is used as it is, other memory goes
 *   through a DMA copy. Do not touch it until the command completes. `meta` (separate out-of-band
 *   bytes, when the namespace has them) must be nvm_buf_alloc memory; null otherwise.
 * - Threading: the device's thread. Synchronous commands of a device run one at a time, in call order.
 */
export function nvm_cmd_read(
  dev: nvm_dev,
  addrs: readonly nvm_addr[],
  naddrs: number,
  data: ArrayBufferView | null,
  meta: ArrayBufferView | null,
  flags: number,
  ret?: nvm_ret | null,
): NvmCmdResult {
  return command(Op.Read, dev, addrs, naddrs, data, meta, flags, ret, null);
}

/**
 * Writes `naddrs` sectors from `data` (liblightnvm's nvm_cmd_write); addressing, returns, errno,
 * buffers and threading as {@link nvm_cmd_read}. On a zoned namespace a write must start at its
 * chunk's write pointer: elsewhere the device fails it and `ret.status` holds the zone status (e.g.
 * 0x1bc, Zone Invalid Write). Commands of one context reach the device in submission order.
 */
export function nvm_cmd_write(
  dev: nvm_dev,
  addrs: readonly nvm_addr[],
  naddrs: number,
  data: ArrayBufferView | null,
  meta: ArrayBufferView | null,
  flags: number,
  ret?: nvm_ret | null,
): NvmCmdResult {
  return command(Op.Write, dev, addrs, naddrs, data, meta, flags, ret, null);
}

/**
 * Erases the chunks of `addrs` (liblightnvm's nvm_cmd_erase; the sector fields are not looked at and a
 * chunk named twice is erased once): a Zone Reset per chunk on a zoned namespace, one Dataset
 * Management deallocate of them all on the NOCD backend. `meta` (Open-Channel 1.2's) is not used.
 * Returns, errno and threading as {@link nvm_cmd_read}.
 */
export function nvm_cmd_erase(
  dev: nvm_dev,
  addrs: readonly nvm_addr[],
  naddrs: number,
  meta: ArrayBufferView | null,
  flags: number,
  ret?: nvm_ret | null,
): NvmCmdResult {
  void meta;
  return command(Op.Erase, dev, addrs, naddrs, null, null, flags, ret, null);
}

/**
 * Copies `naddrs` sectors from `src` to `dst` (liblightnvm's vector chunk copy, nvm_cmd_copy): both
 * are vectors; the sectors are read into DMA memory of the command, then written (NVMe Copy is not
 * used: the same writes run on every controller). The destination follows the write rules. Returns,
 * errno and threading as {@link nvm_cmd_read}.
 */
export function nvm_cmd_copy(
  dev: nvm_dev,
  src: readonly nvm_addr[],
  dst: readonly nvm_addr[],
  naddrs: number,
  flags: number,
  ret?: nvm_ret | null,
): NvmCmdResult {
  return command(Op.Copy, dev, src, naddrs, null, null, flags & ~NVM_CMD_SCALAR, ret, dst);
}

/**
 * Appends `naddrs` sectors from `data` to the chunk of `addrs[0]` (a Zone Append; not in liblightnvm):
 * the device picks where, at the write pointer, and `ret.result` is the LBA it wrote the first sector
 * at ({@link nvm_addr_dev2gen} turns it into an address). Zoned namespaces only (ENOSYS on NOCD); at
 * most the zone append size limit. Returns, errno, buffer and threading as {@link nvm_cmd_read}.
 */
export function nvm_cmd_append(
  dev: nvm_dev,
  addrs: readonly nvm_addr[],
  naddrs: number,
  data: ArrayBufferView | null,
  flags: number,
  ret?: nvm_ret | null,
): NvmCmdResult {
  return command(Op.Append, dev, addrs, naddrs, data, null, flags & ~NVM_CMD_SCALAR, ret, null);
}
