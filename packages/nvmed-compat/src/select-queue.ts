/**
 * Which queue an I/O of a handle goes to: its own, or for a multi-queue handle the one its select
 * function returns, which is really used.
 * @module
 */
import { NVMED_FAULT, NVMED_NOENTRY } from "./constants.js";
import type { NVMED_HANDLE, NVMED_QUEUE } from "./device.js";
import { fail } from "./errors.js";

/**
 * The queue for one I/O, or a number to return: 0 when the select function returned null (the
 * original returned 0 then), -1 when it returned a queue not among the handle's or destroyed.
 * @internal
 */
export function selectQueue(
  handle: NVMED_HANDLE,
  opcode: number,
  offset: number,
  len: number,
): NVMED_QUEUE | number {
  // A queue is not destroyed while handles use it (nvmed_queue_destroy refuses), so a live handle's is live.
  if (handle.select === null) return handle.queues[0]!;
  let q: NVMED_QUEUE | null;
  try {
    q = handle.select(handle, opcode, offset, len);
  } catch (e) {
    return fail(handle, -NVMED_FAULT, "the select function threw", e); // a C function cannot throw: keep -1
  }
  if (q === null) return 0;
  if (!handle.queues.includes(q) || !q.live)
    return fail(
      handle,
      -NVMED_FAULT,
      "the select function returned a queue that is not one of the handle's live queues",
    );
  return q;
}

/** Whether `handle` can do I/O now; records why not. @internal */
export function usable(handle: NVMED_HANDLE | null | undefined): handle is NVMED_HANDLE {
  if (!handle?.live) {
    fail(handle, -NVMED_NOENTRY, "the handle does not exist");
    return false;
  }
  if (!handle.nvmed.open) {
    fail(handle, -NVMED_NOENTRY, "the device is closed");
    return false;
  }
  return true;
}
