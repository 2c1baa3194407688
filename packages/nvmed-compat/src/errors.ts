/**
 * Why a call failed. Calls return the seed's codes; the reason is an {@link NvmedError} kept as the
 * last error of the object the call was on (`nvmed.lastError`, `queue.lastError`,
 * `handle.lastError`, an AIO context's `error`) and as the process-wide {@link nvmed_last_error}
 * (for calls that return null and have no object yet, like nvmed_open).
 * @module
 */
import {
  NVMED_EXCEEDLIMIT,
  NVMED_FAULT,
  NVMED_INVALID,
  NVMED_NOENTRY,
  NVMED_NOPERM,
  NVMED_OVERQUOTA,
} from "./constants.js";

const NAMES: Record<number, string> = {
  0: "NVMED_SUCCESS",
  [NVMED_FAULT]: "NVMED_FAULT",
  [NVMED_NOENTRY]: "NVMED_NOENTRY",
  [NVMED_EXCEEDLIMIT]: "NVMED_EXCEEDLIMIT",
  [NVMED_NOPERM]: "NVMED_NOPERM",
  [NVMED_OVERQUOTA]: "NVMED_OVERQUOTA",
  [NVMED_INVALID]: "NVMED_INVALID",
};

/** The name of a result code, given either sign (`nvmed_errstr(-2)` is "NVMED_NOENTRY"). Not in the seed. */
export function nvmed_errstr(code: number): string {
  return NAMES[Math.abs(code)] ?? `unknown result ${code}`;
}

/** A failed nvmed_* call: the value it returned (`code`, e.g. -1), its name, and the reason. */
export class NvmedError extends Error {
  /** The error class's name, for stack traces and logs. */
  override readonly name = "NvmedError";
  /**
   * @param code the value the call returned (negative NVMED_RESULT, or -1 where the seed says -1)
   * @param message what went wrong and, where there is one, what to do
   * @param cause the core error underneath (NvmeStatusError, InvalidArgumentError, ...), if any
   */
  constructor(
    readonly code: number,
    message: string,
    cause?: unknown,
  ) {
    super(`${nvmed_errstr(code)}: ${message}`, cause === undefined ? undefined : { cause });
  }
}

let last: NvmedError | null = null;

/** The error of the most recent failed nvmed_* call on this thread, or null. Not in the seed (C printed to stderr). */
export function nvmed_last_error(): NvmedError | null {
  return last;
}

/** Something that remembers its last error. */
export interface HasLastError {
  /** The reason of the last call on this object that failed, or null. */
  lastError: NvmedError | null;
}

/**
 * Records a failure on `on` (if any) and process-wide, and returns `code` so callers write
 * `return fail(h, -1, "why")`.
 * @internal
 */
export function fail(
  on: HasLastError | null | undefined,
  code: number,
  message: string,
  cause?: unknown,
): number {
  const e = new NvmedError(code, cause instanceof Error ? `${message}: ${cause.message}` : message, cause);
  last = e;
  if (on) on.lastError = e;
  return code;
}

/** {@link fail} for calls that return null. @internal */
export function failNull(
  on: HasLastError | null | undefined,
  code: number,
  message: string,
  cause?: unknown,
): null {
  fail(on, code, message, cause);
  return null;
}
