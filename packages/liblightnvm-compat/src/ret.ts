/**
 * `struct nvm_ret`, what a command reports, and `struct nvm_async_cmd_ctx`, what an asynchronous
 * command carries in it.
 * @module
 */
import type { nvm_async_ctx } from "./async-ctx.js";

/** Called once per asynchronous command, from inside nvm_async_poke or nvm_async_wait. */
export type nvm_async_cb = (ret: nvm_ret, cb_arg: unknown) => void;

/** Per command: which context, and the callback (liblightnvm's `struct nvm_async_cmd_ctx`). */
export interface nvm_async_cmd_ctx {
  /** The context from nvm_async_init. */
  ctx: nvm_async_ctx | null;
  /** Called when the command completes; may be null. */
  cb: nvm_async_cb | null;
  /** Passed to `cb`. */
  cb_arg: unknown;
}

/** What a command reports (liblightnvm's `struct nvm_ret`). Reuse one once its command completed. */
export class nvm_ret {
  /**
   * Completion DW0 of the command's last part; for nvm_cmd_append, the LBA the device wrote at
   * (DW0 and DW1).
   */
  result = 0;
  /**
   * The NVMe status as liblightnvm packs it: SC | SCT << 8 | More << 13 | DNR << 14 (0: success); the
   * first failing part's when a command took several.
   */
  status = 0;
  /** For NVM_CMD_ASYNC: fill `ctx` and `cb` (and `cb_arg`) before submitting. */
  async: nvm_async_cmd_ctx = { ctx: null, cb: null, cb_arg: undefined };
}

/** Mask of the NVMe status field bits liblightnvm keeps (it drops the Command Retry Delay, 12:11). */
const KEPT_STATUS_BITS = 0xff | (0x7 << 8) | (1 << 13) | (1 << 14);

/** liblightnvm's status of a completion's 15-bit status field (see {@link nvm_ret.status}). */
export function packStatus(status: number): number {
  return status & KEPT_STATUS_BITS;
}

/** The Status Code of a packed status. Not in liblightnvm. */
export function nvm_ret_sc(ret: nvm_ret): number {
  return ret.status & 0xff;
}

/** The Status Code Type of a packed status. Not in liblightnvm. */
export function nvm_ret_sct(ret: nvm_ret): number {
  return (ret.status >>> 8) & 0x7;
}
