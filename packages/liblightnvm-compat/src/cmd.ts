/**
 * nvm_cmd_read / write / erase / copy, and nvm_cmd_append (ours): checks, planning into a record,
 * then a synchronous run (a Promise, one command at a time per device) or an asynchronous submission
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
  ENOMEM,
  ENOSYS,
  NVM_BE_NOCD,
  NVM_CMD_ASYNC,
  NVM_CMD_MASK,
  NVM_CMD_SCALAR,
  NVM_CMD_SYNC,
  NVM_CMD_VECTOR,
} from "./constants.js";
import type { nvm_dev } from "./device.js";
import { releaseBuffers, startRecord } from "./engine.js";
import { fail } from "./errors.js";
import {
  checkChunks,
  checkScalar,
  checkVector,
  type PieceLimit,
  planChunks,
  planScalar,
  planVector,
} from "./plan.js";
import { CmdRecord, Op } from "./record.js";
import { nvm_ret } from "./ret.js";

/** What a command call returns: a Promise of 0 / -1 when synchronous, 0 / -1 at once with NVM_CMD_ASYNC. */
export type NvmCmdResult = number | Promise<number>;

/** Each operation's function name, for messages (indexed by Op; no string built per call). */
const OP_WHAT = ["nvm_cmd_read", "nvm_cmd_write", "nvm_cmd_erase", "nvm_cmd_copy", "nvm_cmd_append"] as const;

/** An errno failure in the shape the call returns. */
function refuse(async: boolean, errno: number, message: string, cause?: unknown): NvmCmdResult {
  const rc = fail(errno, message, cause);
  return async ? rc : Promise.resolve(rc);
}

/** Whether the controller must be handed a copy of `view` (not its DMA memory, or misaligned). */
function needsBounce(dev: nvm_dev, view: Uint8Array): boolean {
  if (dev.ctrlr.dma.byCopy === true) return false;
  const iova = dev.ctrlr.dma.iovaOf(view);
  return iova < 0 || iova % 4 !== 0;
}

// Filled per call rather than made: the namespace's limits can change when its controller resets.
const limit: PieceLimit = { maxBlocks: 1, boundary: 0 };

function pieceLimit(dev: nvm_dev): PieceLimit {
  limit.maxBlocks = dev.ns.maxBlocksPerIo;
  limit.boundary = dev.ns.splitBoundary;
  return limit;
}

/** The arguments of one command. */
interface Args {
  op: Op;
  addrs: readonly nvm_addr[];
  naddrs: number;
  data: ArrayBufferView | null | undefined;
  meta: ArrayBufferView | null | undefined;
  scalar: boolean;
  dst: readonly nvm_addr[] | null;
}

/** Checks `a` and plans it into `rec` (no memory taken yet). Returns null, or [errno, why]. */
function plan(dev: nvm_dev, rec: CmdRecord, a: Args): [number, string] | null {
  const lim = pieceLimit(dev);
  rec.op = a.op;
  rec.nwrites = 0;
  switch (a.op) {
    case Op.Erase: {
      const bad = checkChunks(dev, a.addrs, a.naddrs);
      if (bad !== null) return [EINVAL, bad];
      rec.npieces = planChunks(dev, a.addrs, a.naddrs, rec.pieces);
      rec.reserved = dev.backend === NVM_BE_NOCD ? 1 : rec.npieces;
      return null;
    }
    case Op.Append: {
      if (dev.backend === NVM_BE_NOCD)
        return [ENOSYS, "append needs a zoned namespace (this device is NOCD)"];
      const bad = checkChunks(dev, a.addrs, 1);
      if (bad !== null) return [EINVAL, bad];
      const max = Math.min(dev.geo.nsectr, dev.ns.zoneAppendMaxBlocks);
      if (!Number.isInteger(a.naddrs) || a.naddrs < 1 || a.naddrs > max)
        return [EINVAL, `naddrs ${a.naddrs}: an append carries 1 to ${max} sectors (zone append size limit)`];
      rec.npieces = planChunks(dev, a.addrs, 1, rec.pieces);
      rec.pieces[0]!.count = a.naddrs;
      rec.pieces[0]!.offset = 0;
      rec.reserved = 1;
      return null;
    }
    case Op.Copy: {
      const bad = checkVector(dev, a.addrs, a.naddrs) ?? checkVector(dev, a.dst ?? [], a.naddrs);
      if (bad !== null) return [EINVAL, `${bad} (copy: src, then dst)`];
      rec.npieces = planVector(dev, a.addrs, a.naddrs, lim, rec.pieces);
      rec.nwrites = planVector(dev, a.dst!, a.naddrs, lim, rec.writes);
      rec.reserved = Math.max(rec.npieces, rec.nwrites);
      return null;
    }
    default: {
      const bad = a.scalar ? checkScalar(dev, a.addrs, a.naddrs) : checkVector(dev, a.addrs, a.naddrs);
      if (bad !== null) return [EINVAL, bad];
      const n = a.scalar
        ? planScalar(dev, a.addrs[0]!, a.naddrs, lim, rec.pieces)
        : planVector(dev, a.addrs, a.naddrs, lim, rec.pieces);
      if (n < 0) return [EINVAL, `naddrs ${a.naddrs}: more than 64 commands of ${lim.maxBlocks} sectors`];
      rec.npieces = n;
      rec.reserved = n;
      return null;
    }
  }
}

/** Checks the buffers and points the record at them, taking DMA memory where needed. Null, or [errno, why]. */
function attachBuffers(dev: nvm_dev, rec: CmdRecord, a: Args): [number, string] | null {
  rec.user = null;
  rec.bounce = null;
  rec.data = null;
  rec.meta = null;
  if (a.op === Op.Erase) return null;
  const bytes = a.naddrs * dev.ns.extendedBlockSize;
  if (a.meta !== null && a.meta !== undefined) {
    const ms = dev.ns.metadataSize;
    if (ms === 0 || dev.ns.extendedLba || a.op === Op.Append || a.op === Op.Copy)
      return [EINVAL, "meta: this namespace has no separate out-of-band bytes (or the command takes none)"];
    const m = a.meta;
    if (!ArrayBuffer.isView(m) || m.byteLength < a.naddrs * ms)
      return [EINVAL, `meta: give ${a.naddrs * ms} bytes of nvm_buf_alloc memory`];
    const mv = new Uint8Array(m.buffer, m.byteOffset, a.naddrs * ms);
    if (needsBounce(dev, mv)) return [EINVAL, "meta is not DMA memory: allocate it with nvm_buf_alloc"];
    rec.meta = mv;
  }
  if (a.op !== Op.Copy) {
    const d = a.data;
    if (!ArrayBuffer.isView(d) || d.byteLength < bytes)
      return [EINVAL, `data: give a buffer of at least ${bytes} bytes (${a.naddrs} sectors)`];
    rec.data = d instanceof Uint8Array ? d : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    if (!needsBounce(dev, rec.data)) return null;
    rec.user = rec.data.subarray(0, bytes);
  }
  try {
    rec.bounce = dev.ctrlr.allocBuffer(bytes);
  } catch (e) {
    rec.user = null;
    rec.data = null;
    return [ENOMEM, `no DMA memory for ${bytes} bytes: ${(e as Error).message}`];
  }
  if (rec.user !== null && a.op !== Op.Read) rec.bounce.bytes.set(rec.user);
  rec.data = rec.bounce.bytes;
  return null;
}

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
        const rc = startRecord(rec);
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

function asyncDone(rec: CmdRecord): void {
  const ctx = rec.ctx!;
  const ret = rec.ret!;
  ctx.outstanding--;
  ctx.piecesInFlight -= rec.reserved;
  ctx.completed++;
  rec.ret = null;
  rec.ctx = null;
  ctx.free.push(rec);
  if (ctx.outstanding === 0) ctx.drained?.();
  ret.async.cb?.(ret, ret.async.cb_arg);
}

function command(dev: nvm_dev, a: Args, flags: number, ret: nvm_ret | null | undefined): NvmCmdResult {
  const async = typeof flags === "number" && (flags & NVM_CMD_ASYNC) !== 0;
  const what = OP_WHAT[a.op];
  if (!(dev?.open === true)) return refuse(async, ENODEV, `${what}: the device is not open`);
  if (!Number.isInteger(flags) || (flags & ~NVM_CMD_MASK) !== 0)
    return refuse(async, EINVAL, `${what}: flags 0x${Number(flags).toString(16)}: unknown bits`);
  if ((flags & NVM_CMD_SYNC) !== 0 && async)
    return refuse(async, EINVAL, `${what}: NVM_CMD_SYNC and NVM_CMD_ASYNC together`);
  if ((flags & NVM_CMD_SCALAR) !== 0 && (flags & NVM_CMD_VECTOR) !== 0)
    return refuse(async, EINVAL, `${what}: NVM_CMD_SCALAR and NVM_CMD_VECTOR together`);
  a.scalar = (flags & NVM_CMD_SCALAR) !== 0;
  if (!async) {
    // Reused across synchronous commands: a record holds two arrays of 64 pieces.
    const rec = dev.syncRecords.pop() ?? new CmdRecord();
    rec.dev = dev;
    const bad = plan(dev, rec, a) ?? attachBuffers(dev, rec, a);
    if (bad !== null) {
      dev.syncRecords.push(rec);
      return refuse(false, bad[0], `${what}: ${bad[1]}`);
    }
    rec.ret = ret ?? new nvm_ret();
    return runSync(dev, rec);
  }
  const ctx = ret?.async?.ctx;
  if (!(ctx instanceof nvm_async_ctx) || !ctx.live || ctx.dev !== dev)
    return fail(EINVAL, `${what}: NVM_CMD_ASYNC needs ret.async.ctx, a live context of this device`);
  if (ctx.outstanding >= ctx.depth)
    return fail(EAGAIN, `${what}: ${ctx.outstanding} commands outstanding = depth; poke, then retry`);
  const rec = ctx.free[ctx.free.length - 1]!;
  rec.dev = dev;
  const bad = plan(dev, rec, a);
  if (bad !== null) return fail(bad[0], `${what}: ${bad[1]}`);
  if (ctx.piecesInFlight + rec.reserved > ctx.pieceRoom)
    return fail(
      EAGAIN,
      `${what}: the context's queue has no room for ${rec.reserved} more commands; poke, then retry`,
    );
  const badBuf = attachBuffers(dev, rec, a);
  if (badBuf !== null) return fail(badBuf[0], `${what}: ${badBuf[1]}`);
  ctx.free.pop();
  rec.ctx = ctx;
  rec.ret = ret!;
  rec.qp = ctx.qp;
  rec.finish = asyncDone;
  ctx.outstanding++;
  ctx.piecesInFlight += rec.reserved;
  const rc = startRecord(rec);
  if (rc === 0) return 0;
  ctx.outstanding--;
  ctx.piecesInFlight -= rec.reserved;
  rec.ret = null;
  rec.ctx = null;
  releaseBuffers(rec);
  ctx.free.push(rec);
  return submitFailure(rc, what);
}

// The arguments of the call being checked: commands are checked and planned synchronously, so one
// object serves every call and the asynchronous path allocates nothing for them.
const NO_ADDRS: readonly nvm_addr[] = [];
const args: Args = {
  op: Op.Read,
  addrs: NO_ADDRS,
  naddrs: 0,
  data: null,
  meta: null,
  scalar: false,
  dst: null,
};

function call(
  op: Op,
  dev: nvm_dev,
  addrs: readonly nvm_addr[],
  naddrs: number,
  data: ArrayBufferView | null | undefined,
  meta: ArrayBufferView | null | undefined,
  flags: number,
  ret: nvm_ret | null | undefined,
  dst: readonly nvm_addr[] | null = null,
): NvmCmdResult {
  args.op = op;
  args.addrs = addrs;
  args.naddrs = naddrs;
  args.data = data;
  args.meta = meta;
  args.dst = dst;
  try {
    return command(dev, args, flags, ret);
  } finally {
    args.addrs = NO_ADDRS;
    args.data = null;
    args.meta = null;
    args.dst = null;
  }
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
  return call(Op.Read, dev, addrs, naddrs, data, meta, flags, ret);
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
  return call(Op.Write, dev, addrs, naddrs, data, meta, flags, ret);
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
  return call(Op.Erase, dev, addrs, naddrs, null, null, flags, ret);
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
  return call(Op.Copy, dev, src, naddrs, null, null, flags & ~NVM_CMD_SCALAR, ret, dst);
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
  return call(Op.Append, dev, addrs, naddrs, data, null, flags & ~NVM_CMD_SCALAR, ret);
}
