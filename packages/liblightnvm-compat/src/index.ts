/**
 * @nvmekit/liblightnvm-compat: liblightnvm's API (nvm_dev_*, nvm_cmd_* with NVM_CMD_SYNC / ASYNC,
 * nvm_async_*) over nvmekit's core, on every transport. Chunks are the zones of a Zoned Namespace
 * (erase = zone reset), or synthetic chunks over a conventional namespace (erase = deallocate).
 * Calls that wait for the device return a Promise of the C return value; submissions and
 * nvm_async_poke stay synchronous. A failed call returns what C returns and keeps its errno, with
 * the errno's name, in {@link nvm_last_error}.
 * @module
 */
export * from "./addr.js";
export * from "./async.js";
export { nvm_async_ctx } from "./async-ctx.js";
export * from "./buffer.js";
export * from "./cmd.js";
export * from "./constants.js";
export { nvm_dev } from "./device.js";
export * from "./driver-source.js";
export { NvmError, nvm_errno, nvm_last_error } from "./errors.js";
export { type nvm_geo, type nvm_geo_lbaf, SYNTHETIC_CHUNK_SECTORS } from "./geo.js";
export * from "./open.js";
export { type nvm_async_cb, type nvm_async_cmd_ctx, nvm_ret, nvm_ret_sc, nvm_ret_sct } from "./ret.js";
export { nvm_cmd_rprt, type nvm_spec_rprt, type nvm_spec_rprt_descr } from "./rprt.js";
