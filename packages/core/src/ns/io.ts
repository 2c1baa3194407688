/**
 * Turning one namespace I/O into requests: validation before anything is taken from a queue pair,
 * splitting by the maximum transfer size and the namespace's optimal I/O boundary or zone size, and the
 * command dwords. Positional arguments keep the per-I/O path free of allocation.
 * @module
 */

import {
  type NextSgeCallback,
  type Payload,
  PayloadKind,
  type ResetSglCallback,
} from "../dataptr/payload.js";
import type { IoVec } from "../dma/dma-memory.js";
import { ENOMEM } from "../errors/errno.js";
import { InvalidArgumentError } from "../errors/errors.js";
import { lo32 } from "../nvme-spec/bytes.js";
import { readWriteDwords } from "../nvme-spec/nvm-commands.js";
import type { QueuePair } from "../qpair/queue-pair.js";
import type { CommandCallback, Request } from "../rq/request.js";
import { IO_FLAGS_MASK, IoFlags } from "./io-flags.js";
import type { Namespace } from "./namespace.js";
import { countChildren, isOneCommand, nextChildBlocks } from "./split.js";

/*
 * The checks every I/O passes are one combined test each, and the reason for a refusal is worked out
 * in a function of its own: the code that builds a message is most of a check's bytecode, and V8
 * inlines a call only while the caller's inlined bytecode stays within a budget, which the whole
 * per-I/O path exceeds.
 */

/** Rejects LBA ranges that are not whole, positive or inside the namespace. */
export function checkRange(ns: Namespace, lba: number, count: number, maxCount: number): void {
  if (
    !(
      Number.isSafeInteger(lba) &&
      lba >= 0 &&
      Number.isInteger(count) &&
      count >= 1 &&
      count <= maxCount &&
      lba + count <= ns.numSectors
    )
  )
    throw rangeRefusal(ns, lba, count, maxCount);
}

function rangeRefusal(ns: Namespace, lba: number, count: number, maxCount: number): InvalidArgumentError {
  if (!Number.isSafeInteger(lba) || lba < 0)
    return new InvalidArgumentError("lba", `${lba} is not a non-negative integer`);
  if (!Number.isInteger(count) || count < 1 || count > maxCount)
    return new InvalidArgumentError("count", `${count} blocks: give a whole number from 1 to ${maxCount}`);
  return new InvalidArgumentError(
    "lba",
    `blocks ${lba}..${lba + count - 1} are past the end of namespace ${ns.id} (${ns.numSectors} blocks)`,
  );
}

/** The IOVA of a payload view, or a clear error when it is not in this controller's DMA memory. */
export function payloadIova(ns: Namespace, view: ArrayBufferView, needed: number, what: string): number {
  const iova = ns.owner.dma.iovaOf(view);
  // A Uint8Array's length is its size in bytes and V8 inlines reading it; `byteLength` is a builtin
  // call in Node 20's V8 (~10 ns, about a tenth of the whole per-I/O path). `& 3`, not `% 4`: IOVAs
  // pass 2^31, where a modulo is a C call in V8 (exact below 2^53).
  const bytes = view instanceof Uint8Array ? view.length : view.byteLength;
  if (iova < 0 || bytes < needed || (iova & 3) !== 0) throw bufferRefusal(iova, bytes, needed, what);
  return iova;
}

function bufferRefusal(iova: number, bytes: number, needed: number, what: string): InvalidArgumentError {
  if (iova < 0)
    return new InvalidArgumentError(
      what,
      "is not in DMA memory: allocate it with controller.allocBuffer() (or use a memory domain)",
    );
  if (bytes < needed)
    return new InvalidArgumentError(what, `holds ${bytes} bytes, the command needs ${needed}`);
  return new InvalidArgumentError(what, "must start on a 4-byte boundary (NVMe requirement)");
}

/**
 * Bytes each block occupies in the host's buffer. With PRACT on a namespace whose metadata is only the
 * 8-byte protection information, the controller inserts/strips it, so only the data moves (as SPDK).
 */
export function transferBlockSize(ns: Namespace, ioFlags: number): number {
  if ((ioFlags & IoFlags.Pract) !== 0 && ns.metadataSize === 8) return ns.sectorSize;
  return ns.extendedBlockSize;
}

/** What every data command checks before anything is taken from the queue pair. */
function checkDataCommand(
  ns: Namespace,
  qpair: QueuePair,
  lba: number,
  count: number,
  ioFlags: number,
): void {
  ns.owner.assertUsable();
  qpair.assertUsable();
  checkRange(ns, lba, count, ns.numSectors);
  checkIoFlags(ioFlags);
}

/** Rejects I/O flags outside CDW12 bits 31:26 (the only ones a submitter may set). */
export function checkIoFlags(ioFlags: number): void {
  if ((ioFlags & ~IO_FLAGS_MASK) !== 0) throw ioFlagsRefusal(ioFlags);
}

function ioFlagsRefusal(ioFlags: number): InvalidArgumentError {
  return new InvalidArgumentError("ioFlags", `0x${(ioFlags >>> 0).toString(16)} sets bits outside 31:26`);
}

/**
 * The common case of {@link submitDataCommand}: a Read, Write or Compare of one contiguous buffer
 * with no metadata buffer, no protection information and no split. Short enough for the compiler
 * to inline into the Namespace methods; anything else goes the general way. Returns 0 or -ENOMEM (no
 * free request); throws StateError or InvalidArgumentError before taking anything (Namespace's
 * callback face rules).
 */
export function submitContiguous(
  ns: Namespace,
  qpair: QueuePair,
  opcode: number,
  view: ArrayBufferView,
  lba: number,
  count: number,
  cb: CommandCallback<never> | null,
  cbArg: unknown,
  ioFlags: number,
): number {
  checkDataCommand(ns, qpair, lba, count, ioFlags);
  if (needsGeneralPath(ns, lba, count)) {
    const payload = contiguousPayload(qpair, view, null);
    return submitDataCommand(ns, qpair, opcode, payload, lba, count, cb, cbArg, ioFlags, 0, 0);
  }
  const length = count * transferBlockSize(ns, ioFlags);
  const iova = payloadIova(ns, view, length, "buffer");
  return submitOne(qpair, ns, opcode, view, iova, length, lba, count, cb, cbArg, ioFlags);
}

/**
 * A Read or Write of one contiguous buffer for a layer built on core that has checked the command
 * with its own API's rules before calling (nvmed-compat, liblightnvm-compat): what
 * {@link Namespace.cmdRead} and {@link Namespace.cmdWrite} submit, without the checks such a caller
 * already made, which would otherwise run twice per I/O. The caller guarantees that `lba` and `count`
 * are whole numbers, `count` at least 1 and `lba + count` at most the namespace's size, and that
 * `view` is DMA memory of the namespace's controller reaching the device at `iova` (4-byte aligned)
 * and holding `count` blocks. Breaking one of these submits a wrong command: the device may move
 * data outside `view`. What the caller cannot know is still checked: a closed queue pair or
 * controller throws StateError before anything is taken, and an I/O that must be split, or a
 * namespace with protection information, takes the fully checked path. `fitsOneCommand`: the
 * caller has also checked, in the same call, that `count` is at most the namespace's
 * `maxBlocksPerIo` and the range does not cross a multiple of its `splitBoundary`; then whether to
 * split is not asked again.
 * Threading: the thread that owns `qpair`. Returns 0, or -ENOMEM when `qpair` has no free request.
 */
export function submitPrechecked(
  ns: Namespace,
  qpair: QueuePair,
  opcode: number,
  view: ArrayBufferView,
  iova: number,
  lba: number,
  count: number,
  cb: CommandCallback<never> | null,
  cbArg: unknown,
  fitsOneCommand = false,
): number {
  ns.owner.assertUsable();
  qpair.assertUsable();
  if (fitsOneCommand ? ns.piType !== 0 : needsGeneralPath(ns, lba, count))
    return submitContiguous(ns, qpair, opcode, view, lba, count, cb, cbArg, 0);
  const length = count * ns.extendedBlockSize;
  return submitOne(qpair, ns, opcode, view, iova, length, lba, count, cb, cbArg, 0);
}

/** Whether a contiguous I/O needs the general path: protection information, or a split. */
function needsGeneralPath(ns: Namespace, lba: number, count: number): boolean {
  return ns.piType !== 0 || !isOneCommand(lba, count, ns.maxBlocksPerIo, ns.splitBoundary);
}

/**
 * Submits one checked contiguous command without protection information: started at once when the
 * queue pair can (see {@link QueuePair.submitReadWrite}), else with a request taken from it, which
 * waits for a tracker; 0, or -ENOMEM when no request is free.
 */
function submitOne(
  qpair: QueuePair,
  ns: Namespace,
  opcode: number,
  view: ArrayBufferView,
  iova: number,
  length: number,
  lba: number,
  count: number,
  cb: CommandCallback<never> | null,
  cbArg: unknown,
  ioFlags: number,
): number {
  if (qpair.submitReadWrite(opcode, ns.id, lba, count, ioFlags, view, iova, length, cb, cbArg)) return 0;
  const req = qpair.takeRequest();
  if (req === null) return -ENOMEM;
  req.cb = cb;
  req.cbArg = cbArg;
  fillCommand(req, ns, opcode, lba, count, ioFlags, 0, 0);
  req.payload.setContiguous(view, iova, length);
  qpair.submit(req, null);
  return 0;
}

/**
 * Submits a Read, Write or Compare (the data-carrying NVM commands share one shape) as one request
 * or as a parent with split children. `payload` describes the whole transfer: a contiguous `view`,
 * `iovs` (e.g. a memory domain's translation), or the caller's `sglArg`/`resetSgl`/`nextSge` walk,
 * plus an optional separate `metadata` buffer; the caller fills the queue pair's staged descriptor
 * ({@link QueuePair.stagePayload}), and each piece gets its part of it. Returns 0, or -ENOMEM when
 * the queue pair has fewer free requests than the pieces need (a split into n: n + 1); throws
 * StateError or InvalidArgumentError before taking anything (Namespace's callback face rules).
 */
export function submitDataCommand(
  ns: Namespace,
  qpair: QueuePair,
  opcode: number,
  payload: Payload,
  lba: number,
  count: number,
  cb: CommandCallback<never> | null,
  cbArg: unknown,
  ioFlags: number,
  apptagMask: number,
  apptag: number,
): number {
  checkDataCommand(ns, qpair, lba, count, ioFlags);
  const blockSize = transferBlockSize(ns, ioFlags);
  const bytes = count * blockSize;
  checkPayload(ns, payload, bytes);
  if (payload.metadata !== null) {
    if (ns.extendedLba || ns.metadataSize === 0) {
      throw new InvalidArgumentError(
        "metadata",
        `namespace ${ns.id} has no separate metadata buffer (metadata size ${ns.metadataSize}, extended LBA ${ns.extendedLba})`,
      );
    }
    payload.metadataIova = payloadIova(ns, payload.metadata, count * ns.metadataSize, "metadata");
  }

  // Plan the split: how many children, and can we get all the requests at once?
  const maxBlocks = ns.maxBlocksPerIo;
  const boundary = ns.splitBoundary;
  const pieces = countChildren(lba, count, maxBlocks, boundary);
  if (qpair.freeRequests < (pieces === 1 ? 1 : pieces + 1)) return -ENOMEM;

  const parent = qpair.takeRequest()!;
  parent.cb = cb;
  parent.cbArg = cbArg;
  // An I/O that needs no split is its own only piece; otherwise each piece is a child of `parent`.
  let first: Request | null = null;
  let last: Request | null = null;
  for (let at = lba, left = count; left > 0; ) {
    const n = nextChildBlocks(at, left, maxBlocks, boundary);
    const piece = pieces === 1 ? parent : qpair.takeRequest()!;
    const offsetBlocks = at - lba;
    fillCommand(piece, ns, opcode, at, n, ioFlags, apptagMask, apptag);
    piece.payload.setPiece(payload, offsetBlocks * blockSize, n * blockSize, offsetBlocks * ns.metadataSize);
    if (piece !== parent) {
      piece.parent = parent;
      if (last === null) first = piece;
      else last.next = piece;
      last = piece;
    }
    at += n;
    left -= n;
  }
  if (pieces === 1) {
    qpair.submit(parent, null);
    return 0;
  }
  parent.childrenLeft = pieces;
  qpair.submit(parent, first);
  return 0;
}

/** The queue pair's staged descriptor for contiguous `view` and an optional separate metadata buffer. */
export function contiguousPayload(
  qpair: QueuePair,
  view: ArrayBufferView,
  metadata: ArrayBufferView | null,
): Payload {
  const payload = qpair.stagePayload();
  payload.kind = PayloadKind.Contiguous;
  payload.view = view;
  payload.metadata = metadata;
  return payload;
}

/** The queue pair's staged descriptor for a scattered payload walked with the caller's callbacks. */
export function scatteredPayload<A>(
  qpair: QueuePair,
  arg: A,
  resetSgl: ResetSglCallback<A>,
  nextSge: NextSgeCallback<A>,
): Payload {
  const payload = qpair.stagePayload();
  payload.kind = PayloadKind.Scattered;
  payload.sglArg = arg;
  payload.resetSgl = resetSgl as ResetSglCallback<never>;
  payload.nextSge = nextSge as NextSgeCallback<never>;
  return payload;
}

/**
 * Checks that `payload` describes at least `bytes` bytes the transport can use, and sets a
 * contiguous view's device address.
 */
function checkPayload(ns: Namespace, payload: Payload, bytes: number): void {
  if (payload.kind === PayloadKind.Contiguous) {
    payload.iova = payloadIova(ns, payload.view!, bytes, "buffer");
  } else if (payload.kind === PayloadKind.IoVecs) {
    if (totalLength(payload.iovs!, payload.iovCount) < bytes)
      throw new InvalidArgumentError("iovs", `describe fewer than the ${bytes} bytes the command needs`);
  } else if (
    payload.kind !== PayloadKind.Scattered ||
    payload.resetSgl === null ||
    payload.nextSge === null
  ) {
    throw new InvalidArgumentError("payload", "give a buffer, or both resetSgl and nextSge callbacks");
  }
}

/** The command dwords of one request. */
function fillCommand(
  req: Request,
  ns: Namespace,
  opcode: number,
  lba: number,
  count: number,
  ioFlags: number,
  apptagMask: number,
  apptag: number,
): void {
  // Type 1 and 2 protection check the reference tag against the LBA's low 32 bits.
  const reftag = ns.piType !== 0 && ns.piType !== 3 ? lo32(lba) : 0;
  readWriteDwords(
    req.cmd,
    opcode,
    ns.id,
    lba,
    count,
    ioFlags,
    0,
    reftag,
    (apptagMask << 16) | (apptag & 0xffff),
  );
}

function totalLength(iovs: readonly IoVec[], count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) n += iovs[i]!.length;
  return n;
}
