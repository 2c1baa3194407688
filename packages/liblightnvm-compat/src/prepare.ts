/**
 * Preparing one nvm_cmd_* command in its record before anything reaches the device: the address
 * checks and the plan of NVMe commands (pieces), then the buffers (the caller's DMA memory as it is,
 * other memory through a DMA copy). This runs per command, so reads and writes take short functions
 * the compiler inlines, and every refusal's message is built in a helper of its own, off that path.
 * @module
 */
import { isOneCommand } from "@nvmekit/core/transport";
import { type nvm_addr, nvm_addr_gen2dev } from "./addr.js";
import { bufferMark } from "./buffer.js";
import { EINVAL, ENOMEM, ENOSYS, NVM_BE_NOCD } from "./constants.js";
import type { nvm_dev } from "./device.js";
import {
  checkChunks,
  checkScalar,
  checkVector,
  type PieceLimit,
  planChunks,
  planScalar,
  planVector,
} from "./plan.js";
import { type CmdRecord, Op } from "./record.js";

/** A command's data and out-of-band buffers, as given. */
export type Data = ArrayBufferView | null | undefined;

/** Why a command is refused: [errno, message], or null when it may go ahead. */
export type Refusal = [number, string] | null;

// Filled per call rather than made: the namespace's limits can change when its controller resets.
const limit: PieceLimit = { maxBlocks: 1, boundary: 0 };

function pieceLimit(dev: nvm_dev): PieceLimit {
  limit.maxBlocks = dev.ns.maxBlocksPerIo;
  limit.boundary = dev.ns.splitBoundary;
  return limit;
}

/**
 * Checks the addresses of `op` and plans them into `rec` (no memory taken yet). Arguments are
 * positional: no object per command.
 */
export function plan(
  dev: nvm_dev,
  rec: CmdRecord,
  op: Op,
  addrs: readonly nvm_addr[],
  naddrs: number,
  scalar: boolean,
  dst: readonly nvm_addr[] | null,
): Refusal {
  rec.op = op;
  rec.nwrites = 0;
  return op === Op.Read || op === Op.Write
    ? planData(dev, rec, addrs, naddrs, scalar)
    : planChunkOp(dev, rec, op, addrs, naddrs, dst);
}

/** A read or write: a scalar range or a vector, in pieces within the namespace's limits. */
function planData(
  dev: nvm_dev,
  rec: CmdRecord,
  addrs: readonly nvm_addr[],
  naddrs: number,
  scalar: boolean,
): Refusal {
  const lim = pieceLimit(dev);
  const bad = scalar ? checkScalar(dev, addrs, naddrs) : checkVector(dev, addrs, naddrs);
  if (bad !== null) return [EINVAL, bad];
  const n = scalar
    ? planScalar(dev, addrs[0]!, naddrs, lim, rec.pieces)
    : planVector(dev, addrs, naddrs, lim, rec.pieces);
  if (n < 0) return tooManyPieces(naddrs, lim);
  rec.npieces = n;
  rec.reserved = n;
  return null;
}

const tooManyPieces = (naddrs: number, lim: PieceLimit): Refusal => [
  EINVAL,
  `naddrs ${naddrs}: more than 64 commands of ${lim.maxBlocks} sectors`,
];

/** An erase, an append or a copy. */
function planChunkOp(
  dev: nvm_dev,
  rec: CmdRecord,
  op: Op,
  addrs: readonly nvm_addr[],
  naddrs: number,
  dst: readonly nvm_addr[] | null,
): Refusal {
  switch (op) {
    case Op.Erase: {
      const bad = checkChunks(dev, addrs, naddrs);
      if (bad !== null) return [EINVAL, bad];
      rec.npieces = planChunks(dev, addrs, naddrs, rec.pieces);
      rec.reserved = dev.backend === NVM_BE_NOCD ? 1 : rec.npieces;
      return null;
    }
    case Op.Append: {
      if (dev.backend === NVM_BE_NOCD)
        return [ENOSYS, "append needs a zoned namespace (this device is NOCD)"];
      const bad = checkChunks(dev, addrs, 1);
      if (bad !== null) return [EINVAL, bad];
      const max = Math.min(dev.geo.nsectr, dev.ns.zoneAppendMaxBlocks);
      if (!Number.isInteger(naddrs) || naddrs < 1 || naddrs > max)
        return [EINVAL, `naddrs ${naddrs}: an append carries 1 to ${max} sectors (zone append size limit)`];
      rec.npieces = planChunks(dev, addrs, 1, rec.pieces);
      rec.pieces[0]!.count = naddrs;
      rec.pieces[0]!.offset = 0;
      rec.reserved = 1;
      return null;
    }
    default: {
      const lim = pieceLimit(dev);
      const bad = checkVector(dev, addrs, naddrs) ?? checkVector(dev, dst ?? [], naddrs);
      if (bad !== null) return [EINVAL, `${bad} (copy: src, then dst)`];
      rec.npieces = planVector(dev, addrs, naddrs, lim, rec.pieces);
      rec.nwrites = planVector(dev, dst!, naddrs, lim, rec.writes);
      rec.reserved = Math.max(rec.npieces, rec.nwrites);
      return null;
    }
  }
}

/**
 * Prepares in one step, when it qualifies, the command liblightnvm's applications issue most: a
 * scalar read or write of a whole nvm_buf_alloc buffer that one NVMe command carries (within
 * `maxBlocksPerIo`, not across the split boundary), with no out-of-band bytes, on a transport with
 * device addresses. Then it fills what {@link plan} and {@link attachBuffers} would (one piece at the
 * buffer's start, whose IOVA satisfies core's `submitPrechecked`) without their general steps, and
 * returns true. Otherwise (including every input they refuse) it changes nothing that matters and
 * returns false: the general steps then run and say what is wrong. The record holds no buffers.
 */
export function prepareDirect(
  dev: nvm_dev,
  rec: CmdRecord,
  op: Op,
  addrs: readonly nvm_addr[],
  naddrs: number,
  data: Data,
): boolean {
  const mark = bufferMark(dev, data);
  const ns = dev.ns;
  const bs = ns.extendedBlockSize;
  // The geometry's end beyond the namespace (it shrank under a reset): core's checked path refuses.
  if (
    mark === null ||
    mark.iova < 0 ||
    (bs & 3) !== 0 ||
    dev.lbaEnd > ns.numSectors ||
    checkScalar(dev, addrs, naddrs) !== null
  )
    return false;
  const lba = nvm_addr_gen2dev(dev, addrs[0]!);
  if (mark.size < naddrs * bs || !isOneCommand(lba, naddrs, ns.maxBlocksPerIo, ns.splitBoundary))
    return false;
  rec.op = op;
  rec.nwrites = 0;
  rec.npieces = 1;
  rec.reserved = 1;
  const p = rec.pieces[0]!;
  p.lba = lba;
  p.count = naddrs;
  p.offset = 0;
  rec.data = data as Uint8Array;
  rec.blockSize = bs;
  rec.iova = mark.iova;
  return true;
}

/** What {@link dmaAddress} answers for memory the controller cannot use as it is: hand it a copy. */
const BOUNCE = -1;
/** What {@link dmaAddress} answers on a transport that copies (NVMe/TCP): any memory, no device address. */
const BY_COPY = -2;

/**
 * Where the controller reaches `view`: its IOVA, 4-byte aligned; {@link BOUNCE} when it must be
 * handed a copy (not its DMA memory, or misaligned); {@link BY_COPY}. Asked of the allocator for
 * every command, never remembered past it: a buffer may be freed through core, which only the
 * allocator hears of (allocators mark the views they hand out, so the common answer is a property
 * load). `& 3` (exact below 2^53), not `% 4`: IOVAs pass 2^31, where a modulo is a C call.
 */
function dmaAddress(dev: nvm_dev, view: Uint8Array): number {
  const dma = dev.ctrlr.dma;
  if (dma.byCopy === true) return BY_COPY;
  const iova = dma.iovaOf(view);
  return iova < 0 || (iova & 3) !== 0 ? BOUNCE : iova;
}

/**
 * The record's `iova` for data the device reaches at `iova` (negative: no address), sized for
 * `naddrs` sectors of `bs` bytes: the address when its reads and writes may go through core's
 * `submitPrechecked`, else -1. Its contract then holds for every piece: the addresses passed the
 * geometry (within the namespace: engine.ts compares the geometry's end with its size at
 * submission), the planner kept each piece within the namespace's limits and one chunk, the data
 * is DMA memory at `iova` holding the `naddrs` sectors the pieces index, and a piece's offset of
 * whole sectors keeps its address 4-byte aligned when `bs` is a multiple of 4. Out-of-band bytes
 * take core's WithMd calls, which check them.
 */
const precheckedIova = (rec: CmdRecord, iova: number, bs: number): number =>
  iova >= 0 && rec.meta === null && (bs & 3) === 0 ? iova : -1;

/**
 * Checks the buffers and points the record at them, taking DMA memory where needed. The record holds
 * none when taken (a refused command's are dropped by the caller, a completed one's by
 * releaseBuffers).
 */
export function attachBuffers(
  dev: nvm_dev,
  rec: CmdRecord,
  op: Op,
  naddrs: number,
  data: Data,
  meta: Data,
): Refusal {
  rec.iova = -1;
  if (op === Op.Erase) return null;
  const bs = dev.ns.extendedBlockSize;
  rec.blockSize = bs;
  if (meta !== null && meta !== undefined) {
    const bad = attachMeta(dev, rec, op, naddrs, meta);
    if (bad !== null) return bad;
  }
  if (op === Op.Copy) return attachBounce(dev, rec, op, naddrs);
  const bytes = naddrs * bs;
  // A whole nvm_buf_alloc buffer says what the checks below would find out, without calls.
  const mark = bufferMark(dev, data);
  if (mark !== null && mark.size >= bytes) {
    rec.data = data as Uint8Array;
    rec.iova = precheckedIova(rec, mark.iova, bs);
    return null;
  }
  if (!ArrayBuffer.isView(data) || data.byteLength < bytes) return shortData(bytes, naddrs);
  const d = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  rec.data = d;
  const iova = dmaAddress(dev, d);
  if (iova !== BOUNCE) {
    rec.iova = precheckedIova(rec, iova, bs);
    return null;
  }
  rec.user = d.subarray(0, bytes);
  return attachBounce(dev, rec, op, naddrs);
}

const shortData = (bytes: number, naddrs: number): Refusal => [
  EINVAL,
  `data: give a buffer of at least ${bytes} bytes (${naddrs} sectors)`,
];

/** Separate out-of-band bytes: nvm_buf_alloc memory, never copied. */
function attachMeta(dev: nvm_dev, rec: CmdRecord, op: Op, naddrs: number, meta: ArrayBufferView): Refusal {
  const ms = dev.ns.metadataSize;
  if (ms === 0 || dev.ns.extendedLba || op === Op.Append || op === Op.Copy)
    return [EINVAL, "meta: this namespace has no separate out-of-band bytes (or the command takes none)"];
  if (!ArrayBuffer.isView(meta) || meta.byteLength < naddrs * ms)
    return [EINVAL, `meta: give ${naddrs * ms} bytes of nvm_buf_alloc memory`];
  const mv = new Uint8Array(meta.buffer, meta.byteOffset, naddrs * ms);
  if (dmaAddress(dev, mv) === BOUNCE)
    return [EINVAL, "meta is not DMA memory: allocate it with nvm_buf_alloc"];
  rec.meta = mv;
  return null;
}

/** DMA memory of the command's own for its data (a write's copied in now; a read's copied out when done). */
function attachBounce(dev: nvm_dev, rec: CmdRecord, op: Op, naddrs: number): Refusal {
  const bytes = naddrs * rec.blockSize;
  try {
    rec.bounce = dev.ctrlr.allocBuffer(bytes);
  } catch (e) {
    return [ENOMEM, `no DMA memory for ${bytes} bytes: ${(e as Error).message}`];
  }
  if (rec.user !== null && op !== Op.Read) rec.bounce.bytes.set(rec.user);
  rec.data = rec.bounce.bytes;
  rec.iova = precheckedIova(rec, dmaAddress(dev, rec.data), rec.blockSize);
  return null;
}
