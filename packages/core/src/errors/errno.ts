/**
 * The errno values nvmekit's C-shaped functions return negated, as SPDK does (Linux numbering):
 * the callback-face submissions and the memory-domain functions.
 * @module
 */

/** Out of memory: no request is free. Back-pressure: try again after completions. */
export const ENOMEM = 12;

/**
 * No such device or address: the queue pair or controller cannot be polled now (failed, removed,
 * resetting, freed), as SPDK's process-completions calls return it.
 */
export const ENXIO = 6;

/** Invalid argument: a bad iovec array, a destination shorter than the source, an unknown device type. */
export const EINVAL = 22;
/** Operation not supported: the domain has no callback for it (the system domain has none). */
export const ENOTSUP = 95;
/** Bad address: the range (or part of it) has no translation into the destination domain. */
export const EFAULT = 14;

const NAMES: Readonly<Record<number, string>> = {
  1: "EPERM",
  2: "ENOENT",
  5: "EIO",
  6: "ENXIO",
  11: "EAGAIN",
  12: "ENOMEM",
  14: "EFAULT",
  16: "EBUSY",
  19: "ENODEV",
  22: "EINVAL",
  28: "ENOSPC",
  34: "ERANGE",
  95: "ENOTSUP",
  110: "ETIMEDOUT",
  125: "ECANCELED",
};

/** The symbolic name of a (negated or positive) errno for messages, e.g. -95 → "ENOTSUP". */
export function errnoName(rc: number): string {
  const n = rc < 0 ? -rc : rc;
  return NAMES[n] ?? `errno ${n}`;
}
