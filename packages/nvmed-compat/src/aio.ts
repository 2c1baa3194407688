/**
 * NVMeDirect's AIO: a context record per request, submitted at once on the handle's queue through the
 * core's callback face (no Promise, no closure per I/O), reaped by nvmed_aio_handle_complete, which
 * polls the queue and runs the contexts' callbacks inline, or for a HANDLE_INTERRUPT handle on a
 * QUEUE_INTERRUPT queue on the queue's interrupts, from the event loop.
 * @module
 */
import type { DmaBuffer } from "@nvmekit/core";
import { NvmeStatusError } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { submitPrechecked } from "@nvmekit/core/transport";
import { isDeviceBuffer, wholeDeviceBuffer } from "./buffer.js";
import {
  AIO_COMPLETE,
  AIO_INIT,
  AIO_PROCESS,
  HANDLE_HINT_DMEM,
  HANDLE_INTERRUPT,
  NVME_CMD_READ,
  NVME_CMD_WRITE,
  NVMED_FAULT,
} from "./constants.js";
import type { NVMED_HANDLE, NVMED_QUEUE } from "./device.js";
import { fail, NvmedError } from "./errors.js";
import { reapOnInterrupts } from "./queue.js";
import { selectQueue, usable } from "./select-queue.js";
import { needsBounce } from "./transfer.js";

/**
 * The seed's `struct NVMED_AIO_CTX`: fill `handle`, `start_lba` (bytes, despite the name), `len` and
 * `buf` (and optionally `aio_callback`, `cb_userdata`, `private_data`) before nvmed_aio_read/write.
 * Buffer lifetime: `buf` untouched until `status` is AIO_COMPLETE. Reuse a context once it completed.
 */
export interface NVMED_AIO_CTX {
  /** The handle. */
  handle: NVMED_HANDLE | null;
  /** Start, in bytes (sector aligned). The seed's name. */
  start_lba: number;
  /** Length in bytes (sector multiple). */
  len: number;
  /** The data: any view (bounced when needed), or nvmed_get_buffer memory on a HANDLE_HINT_DMEM handle. */
  buf: ArrayBufferView | null;
  /** The original's pre-translated PRP list. Accepted and unused: DMA views carry their address already. */
  prpList?: unknown;
  /** NVMe opcode, set by nvmed_aio_read (0x02) / nvmed_aio_write (0x01). */
  opcode: number;
  /** AIO_INIT, AIO_PROCESS, AIO_COMPLETE. */
  status: number;
  /** Commands submitted for this context (1: the core splits by MDTS below us). */
  num_init_io: number;
  /** Commands completed. */
  num_complete_io: number;
  /** Yours. */
  private_data: unknown;
  /** Passed to `aio_callback`. */
  cb_userdata: unknown;
  /** Called once when the context completes (successfully or not), from inside nvmed_aio_handle_complete. */
  aio_callback: ((context: NVMED_AIO_CTX, userdata: unknown) => void) | null;
  /** Ours: 0 when the command succeeded, -1 when it failed (the original never looked). */
  result: number;
  /** Ours: why it failed (an NvmedError whose cause is the core's NvmeStatusError), or null. */
  error: NvmedError | null;
}

/** A context with every field at its initial value, then `init` over it. Not in the seed (C used memset). */
export function nvmed_aio_ctx(init: Partial<NVMED_AIO_CTX> = {}): NVMED_AIO_CTX {
  return {
    handle: null,
    start_lba: 0,
    len: 0,
    buf: null,
    opcode: 0,
    status: AIO_INIT,
    num_init_io: 0,
    num_complete_io: 0,
    private_data: null,
    cb_userdata: null,
    aio_callback: null,
    result: 0,
    error: null,
    ...init,
  };
}

// What the completion callback needs, one per context for its lifetime, kept on the context under a
// symbol (a property load per I/O, where a WeakMap lookup showed in profiles).
const STATE = Symbol("nvmed.aio");
type Tracked = NVMED_AIO_CTX & { [STATE]?: AioState };
const NO_VIEW = new Uint8Array(0);

class AioState {
  /** The handle the context was submitted on (the caller may change `ctx.handle` meanwhile). */
  handle: NVMED_HANDLE | null = null;
  /** The byte offset it was submitted at (likewise). */
  pos = 0;
  /** The caller's bytes of this transfer. */
  view: Uint8Array = NO_VIEW;
  /** DMA memory standing in for `view` when the controller cannot reach it. */
  bounce: DmaBuffer | null = null;
  /** The interrupt queue reaping this context (HANDLE_INTERRUPT), whose count of waiters it is in. */
  interruptQueue: NVMED_QUEUE | null = null;
  constructor(readonly ctx: NVMED_AIO_CTX) {}
}

function stateOf(ctx: NVMED_AIO_CTX): AioState {
  let st = (ctx as Tracked)[STATE];
  if (st === undefined) {
    st = new AioState(ctx);
    // Not enumerable: a copy of the context ({ ...ctx }) gets a state of its own.
    Object.defineProperty(ctx, STATE, { value: st });
  }
  return st;
}

// The one static completion callback of every AIO command: the common case (success, the caller's own
// DMA memory, a polled queue) is the cache's counter check, the status and one count; the rare cases
// (a failed command, a bounce buffer, an interrupt queue) are a function of their own.
function aioDone(st: AioState, cpl: Completion): void {
  const ctx = st.ctx;
  const handle = st.handle!;
  if (cpl.isError || st.bounce !== null || st.interruptQueue !== null) settleUnusual(st, cpl);
  else coherent(st);
  ctx.num_complete_io++;
  ctx.status = AIO_COMPLETE;
  handle.aioDone++;
  ctx.aio_callback?.(ctx, ctx.cb_userdata);
}

// A completed direct transfer keeps the namespace's block cache coherent: a read takes the dirty cached
// bytes (newer than the device's), a write updates the cached copies. Each is a counter check when the
// cache holds nothing it would touch.
function coherent(st: AioState): void {
  const cache = st.handle!.nvmed.sharedCache;
  if (cache === null) return;
  if (st.ctx.opcode === NVME_CMD_READ) cache.overlayDirty(st.pos, st.view);
  else cache.directWritten(st.pos, st.view);
}

function settleUnusual(st: AioState, cpl: Completion): void {
  const ctx = st.ctx;
  if (cpl.isError) {
    ctx.result = -1;
    const what = `${ctx.opcode === NVME_CMD_READ ? "Read" : "Write"} bytes ${st.pos}+${st.view.length}`;
    const cause = new NvmeStatusError(cpl.status, what);
    ctx.error = new NvmedError(-NVMED_FAULT, cause.message, cause);
    st.handle!.lastError = ctx.error;
  } else {
    if (st.bounce !== null && ctx.opcode === NVME_CMD_READ)
      st.view.set(st.bounce.bytes.subarray(0, st.view.length));
    coherent(st);
  }
  dropBounce(st);
  if (st.interruptQueue !== null) leaveInterruptQueue(st);
}

/** Refuses `ctx` (-1): the reason goes on the context and its handle. */
function refuse(ctx: NVMED_AIO_CTX, why: string): number {
  const code = fail(ctx.handle, -1, why);
  ctx.error = ctx.handle?.lastError ?? null;
  ctx.result = -1;
  return code;
}

/**
 * Queues `ctx`. The common case first, in few operations (small enough for V8 to inline into the
 * caller's loop): a whole nvmed_get_buffer buffer of this device on a single-queue handle without
 * interrupts, with every check of enqueueChecked holding. Anything else, every refusal included, goes
 * through enqueueChecked, which checks again and says why.
 */
function enqueue(ctx: NVMED_AIO_CTX | null | undefined, opcode: number): number {
  const handle = ctx?.handle;
  if (
    handle?.live === true &&
    handle.select === null &&
    (handle.flags & HANDLE_INTERRUPT) === 0 &&
    handle.nvmed.open &&
    ctx!.status !== AIO_PROCESS
  ) {
    const { start_lba: pos, len, buf } = ctx!;
    const nvmed = handle.nvmed;
    const whole = buf != null ? wholeDeviceBuffer(nvmed, buf) : null;
    // A whole buffer's size is a positive integer: equal to it, `len` is a number in range.
    if (whole !== null && whole.size === len && typeof pos === "number") {
      const ns = nvmed.ns;
      const lba = pos / ns.sectorSize;
      const count = len / ns.sectorSize;
      if (lba >= 0 && lba === Math.floor(lba) && count === Math.floor(count) && lba + count <= ns.numSectors)
        return submit(
          ctx!,
          opcode,
          handle,
          handle.queues[0]!,
          buf as Uint8Array,
          null,
          lba,
          count,
          whole.iova,
        );
    }
  }
  return enqueueChecked(ctx, opcode);
}

// Every check, with its reason; then the view and the bounce buffer, when needed.
function enqueueChecked(ctx: NVMED_AIO_CTX | null | undefined, opcode: number): number {
  if (!ctx) return fail(null, -1, "no context");
  const handle = ctx.handle;
  if (!usable(handle)) return refuse(ctx, "the context's handle does not exist");
  if (ctx.status === AIO_PROCESS) return refuse(ctx, "the context is in flight");
  const nvmed = handle.nvmed;
  const ns = nvmed.ns;
  const ss = ns.sectorSize;
  const { start_lba: pos, len, buf } = ctx;
  if (!buf) return refuse(ctx, "no buf");
  // A whole nvmed_get_buffer buffer (known by a property of it) is a Uint8Array of page-aligned DMA
  // memory of this controller: no type check, no search of the device's buffers, no bounce.
  const whole = wholeDeviceBuffer(nvmed, buf);
  let size: number;
  if (whole !== null) size = whole.size;
  else {
    if (!ArrayBuffer.isView(buf)) return refuse(ctx, "buf is not an ArrayBufferView");
    size = buf.byteLength;
  }
  // Sector sizes are powers of two, so dividing is exact and the quotient is whole exactly when the
  // byte count is aligned (a modulo of an offset past 2^31, a double, is a C call in V8).
  const lba = pos / ss;
  const count = len / ss;
  if (typeof len !== "number" || !(len > 0) || len > size)
    return refuse(ctx, `len ${len}: give 1 to buf.byteLength (${size}) bytes`);
  if (typeof pos !== "number" || !(lba >= 0) || lba !== Math.floor(lba) || count !== Math.floor(count))
    return refuse(ctx, `AIO needs ${ss}-byte aligned start_lba and len: ${pos}+${len}`);
  if (lba + count > ns.numSectors)
    return refuse(ctx, `bytes ${pos}+${len} run past the device's ${nvmed.capacity}`);
  if (whole === null && (handle.flags & HANDLE_HINT_DMEM) !== 0 && !isDeviceBuffer(nvmed, buf))
    return refuse(ctx, "HANDLE_HINT_DMEM: buf is not a buffer from nvmed_get_buffer on this device");
  const q = selectQueue(handle, opcode, pos, len);
  if (typeof q === "number") return refuse(ctx, "the select function chose no queue");
  // The caller's own view when it is exactly the transfer: no view made per I/O, and a DMA buffer
  // keeps the mark that gives its device address without a lookup.
  const exact = size === len;
  const view =
    exact && (whole !== null || buf instanceof Uint8Array)
      ? (buf as Uint8Array)
      : new Uint8Array(buf.buffer, buf.byteOffset, len);
  let bounce: DmaBuffer | null = null;
  if (whole === null && needsBounce(nvmed.ctrlr, view)) {
    try {
      bounce = nvmed.ctrlr.allocBuffer(len);
    } catch (e) {
      return fail(handle, -1, "AIO submission failed", e);
    }
    if (opcode === NVME_CMD_WRITE) bounce.bytes.set(view);
  }
  return submit(ctx, opcode, handle, q, view, bounce, lba, count, whole !== null && exact ? whole.iova : -1);
}

/**
 * Submits a checked context: `view` is the caller's bytes, `bounce` DMA memory standing in for them.
 * `iova` is `view`'s device address when it is a whole nvmed_get_buffer buffer: the command then goes
 * through core's submission that trusts the checks made here (they are the same as its own, in the
 * seed's terms); -1 takes core's callback face, which checks again.
 */
function submit(
  ctx: NVMED_AIO_CTX,
  opcode: number,
  handle: NVMED_HANDLE,
  q: NVMED_QUEUE,
  view: Uint8Array,
  bounce: DmaBuffer | null,
  lba: number,
  count: number,
  iova: number,
): number {
  const st = stateOf(ctx);
  st.handle = handle;
  st.pos = ctx.start_lba;
  st.view = view;
  st.bounce = bounce;
  ctx.opcode = opcode;
  // In flight before the call: a command the core fails at once completes from inside it.
  ctx.status = AIO_PROCESS;
  ctx.num_init_io = 1;
  ctx.num_complete_io = 0;
  ctx.result = 0;
  ctx.error = null;
  handle.aioSubmitted++;
  if ((handle.flags & HANDLE_INTERRUPT) !== 0) {
    st.interruptQueue = q;
    q.interruptWaiters++;
  }
  const ns = handle.nvmed.ns;
  let rc: number;
  try {
    // The checks above hold `count` blocks of sectorSize bytes each; nvmed's opcodes are NVMe's.
    if (iova >= 0 && ns.extendedBlockSize === ns.sectorSize)
      rc = submitPrechecked(ns, q.qp, opcode, view, iova, lba, count, aioDone, st);
    else {
      const data = bounce === null ? view : bounce.bytes;
      rc =
        opcode === NVME_CMD_READ
          ? ns.cmdRead(q.qp, data, lba, count, aioDone, st)
          : ns.cmdWrite(q.qp, data, lba, count, aioDone, st);
    }
  } catch (e) {
    unsubmit(ctx, st);
    return fail(handle, -1, "AIO submission failed", e);
  }
  if (rc !== 0) {
    unsubmit(ctx, st);
    return fail(
      handle,
      -1,
      "the queue is full (NVMED_AIO_BUSY): reap with nvmed_aio_handle_complete and retry",
    );
  }
  if (st.interruptQueue !== null) reapOnInterrupts(q);
  return 0;
}

// Nothing was submitted after all: back to queued, as the seed's failed enqueue leaves a context.
function unsubmit(ctx: NVMED_AIO_CTX, st: AioState): void {
  ctx.status = AIO_INIT;
  ctx.num_init_io = 0;
  st.handle!.aioSubmitted--;
  if (st.interruptQueue !== null) leaveInterruptQueue(st);
  dropBounce(st);
}

function leaveInterruptQueue(st: AioState): void {
  st.interruptQueue!.interruptWaiters--;
  st.interruptQueue = null;
}

function dropBounce(st: AioState): void {
  if (st.bounce !== null) st.handle!.nvmed.ctrlr.freeBuffer(st.bounce);
  st.bounce = null;
}

/**
 * Reads `context.len` bytes at `context.start_lba` into `context.buf`, asynchronously. Seed: "handle,
 * start_lba, len, and buf … should be filled in advance … start_lba/len should be aligned to the sector
 * size (512 Bytes) … On success, nvmed_aio_read() or nvmed_aio_write() returns 0. On error, -1 is
 * returned". The command is submitted now (as the original did); status AIO_PROCESS. -1 (nothing
 * submitted, reason in `context.error`) for a bad context, a misaligned or out-of-range request, a
 * foreign buffer on a HANDLE_HINT_DMEM handle, or a full queue. Works on buffered handles too, going
 * straight to the device with the cache kept coherent. Synchronous. Differs: the original's code
 * returned NVMED_AIO_QUEUED (4) / NVMED_AIO_ERROR (1) where its docs say 0 / -1; we follow the docs.
 */
export function nvmed_aio_read(context: NVMED_AIO_CTX | null | undefined): number {
  return enqueue(context, NVME_CMD_READ);
}

/** Writes `context.buf` asynchronously; see {@link nvmed_aio_read}. On completion the cache's copies of those bytes are updated. */
export function nvmed_aio_write(context: NVMED_AIO_CTX | null | undefined): number {
  return enqueue(context, NVME_CMD_WRITE);
}

/**
 * Seed: "nvmed_aio_queue_submit() returns the number of submitted AIO contexts from the beginning or
 * since the last call of nvmed_aio_queue_submit()". Counts this handle's contexts; also rings the
 * doorbell of a QUEUE_DELAYED_DOORBELL queue, where the contexts reach the device from this call on.
 * -1 for a destroyed handle. Synchronous.
 */
export function nvmed_aio_queue_submit(handle: NVMED_HANDLE | null | undefined): number {
  if (!usable(handle)) return -1;
  const queues = handle.distinctQueues;
  for (let i = 0; i < queues.length; i++) if (queues[i]!.live) queues[i]!.qp.flush();
  const n = handle.aioSubmitted - handle.aioSubmittedSeen;
  handle.aioSubmittedSeen = handle.aioSubmitted;
  return n;
}

/**
 * Polls the handle's queues and returns how many of its contexts completed since the last call; each
 * context's status becomes AIO_COMPLETE and its callback runs inline, inside this call (seed: "Completed
 * AIO context call the callback function (if specified) and the status flag of the context is set to
 * AIO_COMPLETE"). A failed command is reported on its context (`result` -1, `error`). Note: a context
 * that completed during another poll of the same queue (another handle's call, or a Promise-face I/O's
 * poller, or a HANDLE_INTERRUPT handle's interrupt) had its callback run there, and is counted here.
 * An exception from a callback propagates out of this call (the context is already complete; the
 * others stay to be reaped next time). -2 for a destroyed handle with nothing in flight. Synchronous.
 */
export function nvmed_aio_handle_complete(handle: NVMED_HANDLE | null | undefined): number {
  if (!handle || (!handle.live && handle.aioInFlight === 0))
    return fail(handle, -2, "the handle does not exist");
  const queues = handle.distinctQueues;
  for (let i = 0; i < queues.length; i++) if (queues[i]!.live) queues[i]!.qp.processCompletions(0);
  const n = handle.aioDone - handle.aioDoneSeen;
  handle.aioDoneSeen = handle.aioDone;
  return n;
}
