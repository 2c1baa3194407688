/**
 * nvmed_queue_create / nvmed_queue_destroy: one core I/O queue pair per NVMED_QUEUE, and the loop that
 * reaps an interrupt queue's completions on its interrupts.
 * @module
 */
import {
  NVMED_FAULT,
  NVMED_INVALID,
  NVMED_NOENTRY,
  QUEUE_DELAYED_DOORBELL,
  QUEUE_INTERRUPT,
  QUEUE_MANUAL_COMPLETION,
} from "./constants.js";
import { type NVMED, NVMED_QUEUE } from "./device.js";
import { fail, failNull } from "./errors.js";

const QUEUE_FLAGS = QUEUE_MANUAL_COMPLETION | QUEUE_INTERRUPT | QUEUE_DELAYED_DOORBELL;

/** Longest sleep on an interrupt before polling anyway (an interrupt can be coalesced or lost): core's poller's. */
const INTERRUPT_WAIT_MS = 10;

/**
 * Creates an I/O queue. Seed: "Create an I/O queue … flags : 0 (not used yet) … On success,
 * nvmed_queue_create() returns a pointer to the struct NVMED_QUEUE. ON error, NULL is returned".
 * Flags (the seed has none yet; the original's and ours):
 * - QUEUE_INTERRUPT: completion interrupts (core's `interrupts` queue option; see the constant).
 * - QUEUE_DELAYED_DOORBELL (nvmekit's): core's delayed doorbell, rung by nvmed_aio_queue_submit and
 *   each poll (see the constant).
 * - QUEUE_MANUAL_COMPLETION: accepted, no effect (nothing polls in the background here).
 *
 * Others: null (-6). Differs: a Promise (creating the queue waits for the controller). Threading: the
 * controller's thread owns the queue.
 */
export async function nvmed_queue_create(
  nvmed: NVMED | null | undefined,
  flags = 0,
): Promise<NVMED_QUEUE | null> {
  if (!nvmed?.open) return failNull(nvmed, -NVMED_NOENTRY, "the device is not open");
  if ((flags & ~QUEUE_FLAGS) !== 0)
    return failNull(
      nvmed,
      -NVMED_INVALID,
      `flags 0x${flags.toString(16)}: QUEUE_INTERRUPT, QUEUE_DELAYED_DOORBELL, QUEUE_MANUAL_COMPLETION`,
    );
  try {
    const qp = await nvmed.ctrlr.allocIoQpair({
      interrupts: (flags & QUEUE_INTERRUPT) !== 0,
      delayDoorbell: (flags & QUEUE_DELAYED_DOORBELL) !== 0,
    });
    const q = new NVMED_QUEUE(nvmed, qp, flags);
    nvmed.queues.add(q);
    return q;
  } catch (e) {
    return failNull(nvmed, -NVMED_FAULT, "the controller gave no I/O queue", e);
  }
}

/**
 * Makes sure `q`'s completions are reaped on its interrupts while it has interrupt-driven AIO in
 * flight (`q.interruptWaiters`): one loop per queue sleeps on the interrupt (or, on a transport
 * without interrupts, yields to the event loop), then polls, running the callbacks. An exception from
 * a callback ends the loop as an unhandled rejection, as an exception from any event callback would.
 * @internal
 */
export function reapOnInterrupts(q: NVMED_QUEUE): void {
  if (q.reaping) return;
  q.reaping = true;
  void reapLoop(q);
}

async function reapLoop(q: NVMED_QUEUE): Promise<void> {
  try {
    while (q.live && q.interruptWaiters > 0) {
      await (q.qp.waitForCompletions(INTERRUPT_WAIT_MS) ?? nextTurn());
      q.qp.processCompletions();
    }
  } finally {
    q.reaping = false;
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
