/**
 * The Promise face over the callback face: one static completion callback settles a small
 * per-command record. (The Promise face may allocate; the callback face is the zero-allocation path.)
 * @module
 */
import { NvmeTimeoutError } from "../errors/errors.js";
import type { Completion } from "../nvme-spec/completion.js";
import { NvmeStatusError } from "../nvme-spec/status-error.js";
import type { QueuePair } from "./queue-pair.js";

/** What the static callback needs to settle one awaited command. */
export interface Pending {
  /** Describes the command in error messages. */
  readonly what: string;
  /** The queue pair whose poller is held while the command is in flight. */
  readonly qpair: QueuePair;
  /** Resolves with the completion's DW0 (and DW1, for the callers that want it). */
  resolve(cdw0: number, cdw1: number): void;
  /** Rejects with the NVMe status as an error. */
  reject(error: Error): void;
  /**
   * Set by the queue pair when the command outlived its own time limit: an error that ends it then
   * (the abort or reset its expiry set off) rejects with NvmeTimeoutError.
   */
  expired?: boolean;
}

/** The callback for commands submitted on behalf of a Promise: pass a {@link Pending} as the argument. */
export function settlePending(p: Pending, cpl: Completion): void {
  p.qpair.poller.release();
  if (!cpl.isError) p.resolve(cpl.cdw0, cpl.cdw1);
  else if (p.expired === true) {
    const status = new NvmeStatusError(cpl.status, p.what);
    p.reject(new NvmeTimeoutError(`${p.what}: outlived its time limit and ended: ${status.message}`));
  } else p.reject(new NvmeStatusError(cpl.status, p.what));
}

/**
 * Runs `submit(settlePending, pending)` and returns a Promise of the completion's DW0, polling the
 * queue pair until it arrives. `submit` returns 0, or a negative errno such as -ENOMEM when no
 * request was free; then the Promise waits for one to free up rather than failing (back-pressure).
 *
 * Time limits (`limits`): `commandMs` > 0 (default: the queue pair's `promiseTimeoutMs`) is the
 * command's own: past it the queue pair reports it
 * to its controller, which aborts it and, if that does not end it, resets; the Promise then rejects
 * with NvmeTimeoutError once the command has ended, so its buffers are free when it settles.
 * `rejectAfterMs` > 0 (the controller's initialisation only) rejects with NvmeTimeoutError when no
 * completion came in that time while the command stays outstanding.
 */
export function awaitCompletion(
  qpair: QueuePair,
  what: string,
  submit: (cb: typeof settlePending, arg: Pending) => number,
  limits: PromiseLimits = {},
): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) =>
      submitAndWait(
        qpair,
        { what, qpair, resolve, reject },
        submit,
        limits.commandMs ?? qpair.promiseTimeoutMs,
      ),
    ),
    what,
    limits.rejectAfterMs ?? 0,
  );
}

/** Time limits of one Promise-face command (see {@link awaitCompletion}). */
export interface PromiseLimits {
  /** The command's own time limit in ms, 0 for none (absent: the queue pair's `promiseTimeoutMs`). */
  commandMs?: number;
  /** Reject after this many ms whether or not the command ended (0 or absent: never). */
  rejectAfterMs?: number;
}

/** {@link awaitCompletion} resolving with the completion's DW0 and DW1 (e.g. an 8-byte Property Get). */
export function awaitCompletionDwords(
  qpair: QueuePair,
  what: string,
  submit: (cb: typeof settlePending, arg: Pending) => number,
  limits: PromiseLimits = {},
): Promise<{ cdw0: number; cdw1: number }> {
  return withTimeout(
    new Promise<{ cdw0: number; cdw1: number }>((resolve, reject) =>
      submitAndWait(
        qpair,
        { what, qpair, resolve: (cdw0, cdw1) => resolve({ cdw0, cdw1 }), reject },
        submit,
        limits.commandMs ?? qpair.promiseTimeoutMs,
      ),
    ),
    what,
    limits.rejectAfterMs ?? 0,
  );
}

function withTimeout<T>(completed: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  if (timeoutMs <= 0) return completed;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new NvmeTimeoutError(`${what}: no completion within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([completed, late]).finally(() => clearTimeout(timer));
}

function submitAndWait(
  qpair: QueuePair,
  pending: Pending,
  submit: (cb: typeof settlePending, arg: Pending) => number,
  commandMs: number,
): void {
  const attempt = (): void => {
    let rc: number;
    try {
      qpair.poller.hold();
      qpair.submitTimeoutMs = commandMs;
      rc = submit(settlePending, pending);
    } catch (e) {
      qpair.poller.release();
      pending.reject(e as Error);
      return;
    } finally {
      qpair.submitTimeoutMs = 0;
    }
    if (rc !== 0) {
      // No free request: let completions free one, then try again.
      qpair.poller.release();
      qpair.processCompletions(0);
      setImmediate(attempt);
    }
  };
  attempt();
}
