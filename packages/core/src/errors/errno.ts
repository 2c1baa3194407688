/**
 * The errno values nvmekit's C-shaped functions return negated, as SPDK does (Linux numbering):
 * the callback-face submissions and the memory-domain functions.
 * @module
 */
import { constants } from "node:os";

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

// Every name Node knows for this platform (Linux numbering on Linux). Where two names share a
// number, the first listed wins: EAGAIN over EWOULDBLOCK, ENOTSUP (SPDK's) over EOPNOTSUPP.
const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!NAMES.has(n)) NAMES.set(n, name);

/** The symbolic name of a (negated or positive) errno for messages, e.g. -95 → "ENOTSUP". */
export function errnoName(rc: number): string {
  const n = rc < 0 ? -rc : rc;
  return NAMES.get(n) ?? `errno ${n}`;
}
