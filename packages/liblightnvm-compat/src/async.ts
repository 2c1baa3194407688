/**
 * nvm_async_init / term / poke / wait / get_depth / get_outstanding: a context owns a queue pair;
 * commands submitted with NVM_CMD_ASYNC complete only when the application polls it, and their
 * callbacks run inside that poll.
 * @module
 */
import { nvm_async_ctx } from "./async-ctx.js";
import { EBUSY, EINVAL, ENODEV, NVM_NADDR_MAX } from "./constants.js";
import type { nvm_dev } from "./device.js";
import { fail, failNull } from "./errors.js";

/** Most commands a context may have outstanding. */
export const NVM_ASYNC_DEPTH_MAX = 4096;

/**
 * Creates a context of `depth` outstanding commands on `dev` (liblightnvm's nvm_async_init; `flags`
 * is unused there and here). It gets a queue pair of its own with a request per outstanding command
 * plus a vector's worth, so a command split into several NVMe commands has room.
 * A Promise (creating the queue waits for the device) of the context, or of null with EINVAL (depth
 * not 1 to {@link NVM_ASYNC_DEPTH_MAX}), ENODEV (closed device, or no queue pair to be had).
 * Threading: the device's thread; the context is not shared.
 */
export async function nvm_async_init(
  dev: nvm_dev | null | undefined,
  depth: number,
  flags = 0,
): Promise<nvm_async_ctx | null> {
  void flags;
  if (!(dev?.open === true)) return failNull(ENODEV, "the device is not open");
  if (!Number.isInteger(depth) || depth < 1 || depth > NVM_ASYNC_DEPTH_MAX)
    return failNull(EINVAL, `depth ${depth}: give 1 to ${NVM_ASYNC_DEPTH_MAX}`);
  const room = depth + NVM_NADDR_MAX;
  try {
    const qp = await dev.ctrlr.allocIoQpair({ ioQueueRequests: room });
    const ctx = new nvm_async_ctx(dev, depth, qp, room);
    dev.contexts.add(ctx);
    return ctx;
  } catch (e) {
    return failNull(ENODEV, "no I/O queue pair for the context", e);
  }
}

function usable(
  dev: nvm_dev | null | undefined,
  ctx: nvm_async_ctx | null | undefined,
): ctx is nvm_async_ctx {
  return ctx instanceof nvm_async_ctx && ctx.live && ctx.dev === dev;
}

/**
 * Tears a context down (liblightnvm's nvm_async_term): deletes its queue pair. A Promise of 0, or of
 * -1 with EINVAL (not a live context of `dev`) or EBUSY (commands outstanding: nvm_async_wait first;
 * liblightnvm dropped them).
 */
export async function nvm_async_term(
  dev: nvm_dev | null | undefined,
  ctx: nvm_async_ctx | null | undefined,
): Promise<number> {
  if (!usable(dev, ctx)) return fail(EINVAL, "not a live context of this device");
  if (ctx.outstanding > 0)
    return fail(EBUSY, `${ctx.outstanding} commands outstanding: nvm_async_wait first`);
  ctx.live = false;
  ctx.dev.contexts.delete(ctx);
  await ctx.dev.ctrlr.freeIoQpair(ctx.qp).catch(() => {});
  return 0;
}

/**
 * Processes the completions that have arrived, without waiting (liblightnvm's nvm_async_poke): at
 * most `max` NVMe completions (0: all there are), and every command they complete has its `ret`
 * filled and its callback run, inside this call. Returns the number of commands completed (may be
 * 0; a command split into several NVMe commands counts once, when its last part completes), or -1
 * with EINVAL (not a live context of `dev`). An exception from a callback propagates out of this call;
 * the completions not yet processed wait for the next one. Synchronous.
 */
export function nvm_async_poke(
  dev: nvm_dev | null | undefined,
  ctx: nvm_async_ctx | null | undefined,
  max: number,
): number {
  if (!usable(dev, ctx)) return fail(EINVAL, "not a live context of this device");
  const before = ctx.completed;
  ctx.qp.processCompletions(Number.isInteger(max) && max > 0 ? max : 0);
  return ctx.completed - before;
}

/**
 * Waits until no command of the context is outstanding (liblightnvm's nvm_async_wait), polling its
 * queue from the event loop (callbacks run there, before the Promise settles). A Promise of the number
 * of commands completed meanwhile, or of -1 with EINVAL (not a live context of `dev`).
 */
export function nvm_async_wait(
  dev: nvm_dev | null | undefined,
  ctx: nvm_async_ctx | null | undefined,
): Promise<number> {
  if (!usable(dev, ctx)) return Promise.resolve(fail(EINVAL, "not a live context of this device"));
  const before = ctx.completed;
  if (ctx.outstanding === 0) return Promise.resolve(nvm_async_poke(dev, ctx, 0));
  return new Promise<number>((resolve) => {
    ctx.qp.poller.hold();
    // Another wait may be pending: both settle when the context drains.
    const earlier = ctx.drained;
    ctx.drained = () => {
      ctx.drained = null;
      earlier?.();
      ctx.qp.poller.release();
      resolve(ctx.completed - before);
    };
  });
}

/** The context's depth (liblightnvm's nvm_async_get_depth); 0 for anything else. */
export function nvm_async_get_depth(ctx: nvm_async_ctx | null | undefined): number {
  return ctx instanceof nvm_async_ctx ? ctx.depth : 0;
}

/** Commands outstanding on the context (liblightnvm's nvm_async_get_outstanding); 0 for anything else. */
export function nvm_async_get_outstanding(ctx: nvm_async_ctx | null | undefined): number {
  return ctx instanceof nvm_async_ctx ? ctx.outstanding : 0;
}
