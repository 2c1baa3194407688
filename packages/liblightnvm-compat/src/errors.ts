/**
 * errno for a JavaScript library: a failed nvm_* call returns what C returns (-1, null) and keeps its
 * reason as an {@link NvmError} carrying the errno value and name, readable with {@link nvm_errno}
 * and {@link nvm_last_error} (C's `errno` is per thread; so is this, as every thread has its own
 * module instance).
 * @module
 */
import { errnoName } from "@nvmekit/core";

/** A failed nvm_* call: its errno (`errno`, e.g. 11) and name (`code`, e.g. "EAGAIN"), and why. */
export class NvmError extends Error {
  /** The error class's name, for stack traces and logs. */
  override readonly name = "NvmError";
  /** The errno name, as Node's system errors carry it ("EAGAIN", "EINVAL", ...). */
  readonly code: string;
  /**
   * @param errno the errno value
   * @param message what went wrong and, where there is one, what to do
   * @param cause the core error underneath (NvmeStatusError, InvalidArgumentError, ...), if any
   */
  constructor(
    readonly errno: number,
    message: string,
    cause?: unknown,
  ) {
    super(`${errnoName(errno)}: ${message}`, cause === undefined ? undefined : { cause });
    this.code = errnoName(errno);
  }
}

// The most recent failure, kept as its parts: the NvmError (and its stack capture, microseconds) is
// made when someone asks for it, so a failure the caller only counts on (EAGAIN from a full
// context, poke, retry) costs no more than a few stores.
let lastErrno = 0;
let lastMessage = "";
let lastCause: unknown;
let last: NvmError | null = null;

/** The errno of the most recent failed nvm_* call on this thread, 0 before any failed. */
export function nvm_errno(): number {
  return lastErrno;
}

/**
 * The error of the most recent failed nvm_* call on this thread, or null. Not in liblightnvm. It is
 * made on the first call after the failure (its stack trace is that call's), the same object after.
 */
export function nvm_last_error(): NvmError | null {
  if (last === null && lastErrno !== 0) {
    const why = lastCause instanceof Error ? `${lastMessage}: ${lastCause.message}` : lastMessage;
    last = new NvmError(lastErrno, why, lastCause);
  }
  return last;
}

/** Records a failure and returns -1, so callers write `return fail(EINVAL, "why")`. @internal */
export function fail(errno: number, message: string, cause?: unknown): -1 {
  lastErrno = errno;
  lastMessage = message;
  lastCause = cause;
  last = null;
  return -1;
}

/** {@link fail} for calls that return null. @internal */
export function failNull(errno: number, message: string, cause?: unknown): null {
  fail(errno, message, cause);
  return null;
}
