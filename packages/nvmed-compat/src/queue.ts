/**
 * nvmed_queue_create / nvmed_queue_destroy: one core I/O queue pair per NVMED_QUEUE.
 * @module
 */
import {
  NVMED_FAULT,
  NVMED_INVALID,
  NVMED_NOENTRY,
  QUEUE_INTERRUPT,
  QUEUE_MANUAL_COMPLETION,
} from "./constants.js";
import { type NVMED, NVMED_QUEUE } from "./device.js";
import { fail, failNull } from "./errors.js";

/**
 * Creates an I/O queue. Seed: "Create an I/O queue … flags : 0 (not used yet) … On success,
 * nvmed_queue_create() returns a pointer to the struct NVMED_QUEUE. ON error, NULL is returned".
 * QUEUE_MANUAL_COMPLETION is accepted (completions are always reaped by the caller's calls here: there
 * is no background thread); QUEUE_INTERRUPT is refused (null). Differs: a Promise (creating the queue
 * waits for the controller). Threading: the controller's thread owns the queue.
 */
export async function nvmed_queue_create(
  nvmed: NVMED | null | undefined,
  flags = 0,
): Promise<NVMED_QUEUE | null> {
  if (!nvmed?.open) return failNull(nvmed, -NVMED_NOENTRY, "the device is not open");
  if ((flags & ~QUEUE_MANUAL_COMPLETION) !== 0)
    return failNull(
      nvmed,
      -NVMED_INVALID,
      (flags & QUEUE_INTERRUPT) !== 0
        ? "QUEUE_INTERRUPT is not supported: completions are polled"
        : `flags 0x${flags.toString(16)}`,
    );
  try {
    const qp = await nvmed.ctrlr.allocIoQpair();
    const q = new NVMED_QUEUE(nvmed, qp, flags);
    nvmed.queues.add(q);
    return q;
  } catch (e) {
    return failNull(nvmed, -NVMED_FAULT, "the controller gave no I/O queue", e);
  }
}

/**
 * Destroys an I/O queue. Seed: "On success, nvmed_queue_destroy() returns 0. On error, -1
 * (NVMED_FAULT) or -2 (NVMED_NOENTRY) is returned": -2 for a null or destroyed queue, -1 while handles
 * remain on it. Differs: a Promise (deleting the queue waits for the controller).
 */
export async function nvmed_queue_destroy(queue: NVMED_QUEUE | null | undefined): Promise<number> {
  if (!queue?.live) return fail(queue, -NVMED_NOENTRY, "the queue does not exist");
  if (queue.numHandle > 0)
    return fail(queue, -NVMED_FAULT, `${queue.numHandle} handle(s) remain: nvmed_handle_destroy them first`);
  queue.live = false;
  queue.nvmed.queues.delete(queue);
  try {
    await queue.nvmed.ctrlr.freeIoQpair(queue.qp);
  } catch (e) {
    return fail(queue, -NVMED_FAULT, "deleting the queue failed", e);
  }
  return 0;
}
