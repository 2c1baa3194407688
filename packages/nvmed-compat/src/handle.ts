/**
 * I/O handles: nvmed_handle_create(_mq), nvmed_handle_destroy(_mq), nvmed_handle_feature_set/get.
 * A handle's flags are read at every I/O, so switching HANDLE_DIRECT_IO or HANDLE_SYNC_IO really
 * switches its path (the original changed the flag but kept the functions chosen at creation).
 * @module
 */
import {
  HANDLE_DIRECT_IO,
  HANDLE_HINT_DMEM,
  HANDLE_INTERRUPT,
  HANDLE_MQ,
  HANDLE_SYNC_IO,
  NVMED_FAULT,
  NVMED_INVALID,
  NVMED_NOENTRY,
  QUEUE_INTERRUPT,
} from "./constants.js";
import { NVMED_HANDLE, type NVMED_QUEUE, type NvmedSelectFn } from "./device.js";
import { fail, failNull } from "./errors.js";

const SETTABLE = HANDLE_DIRECT_IO | HANDLE_SYNC_IO | HANDLE_HINT_DMEM;

/** The HANDLE_* flags a handle on `queues` keeps: HANDLE_INTERRUPT only when every queue is an interrupt queue (as the original). */
function kept(queues: readonly NVMED_QUEUE[], flags: number): number {
  const irq = queues.every((q) => (q.flags & QUEUE_INTERRUPT) !== 0);
  return flags & (irq ? SETTABLE | HANDLE_INTERRUPT : SETTABLE);
}

/**
 * Creates a handle on `queue`. Seed: "HANDLE_DIRECT_IO - Perform I/O directly; HANDLE_SYNC_IO -
 * Perform I/O synchronously; HANDLE_HINT_DMEM - Use the pre-translated buffer obtained from
 * nvmed_get_buffer() … On error, NULL is returned". HANDLE_INTERRUPT (the original's): the handle's
 * AIO completes on the queue's interrupts; kept on a QUEUE_INTERRUPT queue, dropped on others, as the
 * original does. Synchronous: nothing waits for the device.
 */
export function nvmed_handle_create(queue: NVMED_QUEUE | null | undefined, flags = 0): NVMED_HANDLE | null {
  if (!queue?.live || !queue.nvmed.open) return failNull(queue, -NVMED_NOENTRY, "the queue does not exist");
  if ((flags & ~(SETTABLE | HANDLE_INTERRUPT)) !== 0)
    return failNull(
      queue,
      -NVMED_INVALID,
      `flags 0x${flags.toString(16)}: HANDLE_DIRECT_IO, HANDLE_SYNC_IO, HANDLE_HINT_DMEM`,
    );
  queue.numHandle++;
  return new NVMED_HANDLE([queue], kept([queue], flags), null);
}

/**
 * Creates a handle over several queues of one device; `select(handle, opcode, offset, len)` picks the
 * queue of each I/O (NVMe opcode: 0x02 read, 0x01 write, 0x00 flush, 0x09 discard), and that queue is
 * the one the I/O (and the cache traffic it causes) is submitted on: the original submitted on the
 * first queue whatever the function chose. A null choice makes the I/O return 0, as the original did;
 * a queue not among the handle's makes it return -1. Seed: "On error, NULL is returned" (no queues,
 * a destroyed queue, queues of different devices, or no function).
 */
export function nvmed_handle_create_mq(
  queues: readonly (NVMED_QUEUE | null)[] | null | undefined,
  num_queue: number,
  flags: number,
  select: NvmedSelectFn | null | undefined,
): NVMED_HANDLE | null {
  if (!queues || !Number.isInteger(num_queue) || num_queue < 1 || num_queue > queues.length)
    return failNull(null, -NVMED_INVALID, `num_queue ${num_queue}: give 1 to queues.length`);
  if (typeof select !== "function") return failNull(null, -NVMED_INVALID, "no queue-selection function");
  const qs = queues.slice(0, num_queue);
  for (const q of qs)
    if (!q?.live || !q.nvmed.open) return failNull(q, -NVMED_NOENTRY, "a queue does not exist");
  const ok = qs as NVMED_QUEUE[];
  if (ok.some((q) => q.nvmed !== ok[0]!.nvmed))
    return failNull(null, -NVMED_INVALID, "the queues belong to different devices");
  if ((flags & ~(SETTABLE | HANDLE_INTERRUPT | HANDLE_MQ)) !== 0)
    return failNull(null, -NVMED_INVALID, `flags 0x${flags.toString(16)}`);
  for (const q of new Set(ok)) q.numHandle++;
  return new NVMED_HANDLE(ok, kept(ok, flags) | HANDLE_MQ, select);
}

function destroy(handle: NVMED_HANDLE): number {
  if (handle.aioInFlight > 0)
    return fail(
      handle,
      -NVMED_FAULT,
      `${handle.aioInFlight} AIO context(s) in flight: reap them with nvmed_aio_handle_complete`,
    );
  handle.live = false;
  for (const q of new Set(handle.queues)) q.numHandle--;
  return 0;
}

/**
 * Destroys a handle. Seed: "On success, … returns 0. On error, a negative value (-2, NVMED_NOENTRY) is
 * returned": -2 for a null or destroyed handle; -1 while AIO contexts are in flight (the original did
 * not check). Dirty cached pages stay in the device's cache (written back by nvmed_flush, eviction or
 * nvmed_close). Synchronous.
 */
export function nvmed_handle_destroy(handle: NVMED_HANDLE | null | undefined): number {
  if (!handle?.live) return fail(handle, -NVMED_NOENTRY, "the handle does not exist");
  return destroy(handle);
}

/** Destroys a multi-queue handle: as {@link nvmed_handle_destroy}, and -1 (as the original) for a handle not made by nvmed_handle_create_mq. */
export function nvmed_handle_destroy_mq(handle: NVMED_HANDLE | null | undefined): number {
  if (!handle?.live) return fail(handle, -NVMED_NOENTRY, "the handle does not exist");
  if ((handle.flags & HANDLE_MQ) === 0) return fail(handle, -NVMED_FAULT, "not a multi-queue handle");
  return destroy(handle);
}

/**
 * Sets or clears one flag. Seed: "flags: HANDLE_DIRECT_IO, HANDLE_SYNC_IO, HANDLE_HINT_DMEM; value :
 * TRUE or FALSE; Return Value: value of flags (TRUE or FALSE)". Returns 1 or 0 (the value set); also
 * HANDLE_INTERRUPT when every queue of the handle is a QUEUE_INTERRUPT queue (-6 otherwise, as the
 * original); -6 for another flag, -2 for a destroyed handle. The next I/O takes the new path (the
 * original's did not); AIO already in flight completes as it was submitted.
 */
export function nvmed_handle_feature_set(
  handle: NVMED_HANDLE | null | undefined,
  flag: number,
  value: boolean | number,
): number {
  if (!handle?.live) return fail(handle, -NVMED_NOENTRY, "the handle does not exist");
  const settable =
    flag === HANDLE_DIRECT_IO ||
    flag === HANDLE_SYNC_IO ||
    flag === HANDLE_HINT_DMEM ||
    (flag === HANDLE_INTERRUPT && kept(handle.queues, flag) !== 0);
  if (!settable)
    return fail(
      handle,
      -NVMED_INVALID,
      `flag ${flag}: HANDLE_DIRECT_IO, HANDLE_SYNC_IO, HANDLE_HINT_DMEM, or HANDLE_INTERRUPT on interrupt queues`,
    );
  if (value) handle.flags |= flag;
  else handle.flags &= ~flag;
  return value ? 1 : 0;
}

/** Whether `flag` is set on the handle: 1 or 0 (seed: "value of flags (TRUE or FALSE)"); -2 for a destroyed handle. */
export function nvmed_handle_feature_get(handle: NVMED_HANDLE | null | undefined, flag: number): number {
  if (!handle?.live) return fail(handle, -NVMED_NOENTRY, "the handle does not exist");
  return (handle.flags & flag) !== 0 ? 1 : 0;
}
