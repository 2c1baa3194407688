/**
 * @nvmekit/nvmed-compat: the NVMeDirect API (nvmed_*) over nvmekit's core: queues, handles, the block
 * cache, buffers and AIO with the seed's names, constants and return codes, on every transport and with
 * no kernel module. Calls that wait for the device return a Promise of the C return value; the others
 * stay synchronous. A failed call returns the seed's code and keeps its reason in the object's
 * `lastError` and in {@link nvmed_last_error}. Give it a driver first ({@link nvmed_set_driver}); with
 * none, `trtype:SOFT` paths open softnvme's embedded software controller.
 * @module
 */
export * from "./aio.js";
export { nvmed_get_buffer, nvmed_put_buffer } from "./buffer.js";
export * from "./constants.js";
export { NVMED, NVMED_HANDLE, NVMED_QUEUE, type NvmedSelectFn } from "./device.js";
export * from "./driver-source.js";
export { type HasLastError, NvmedError, nvmed_errstr, nvmed_last_error } from "./errors.js";
export * from "./flush-discard.js";
export * from "./handle.js";
export * from "./io.js";
export * from "./open.js";
export {
  isDevPath,
  type NvmedTarget,
  parseNvmedPath,
  resolveDevPath,
  splitNamespace,
  vfioBindCommands,
} from "./path.js";
export * from "./queue.js";
