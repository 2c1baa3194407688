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
}

/** The callback for commands submitted on behalf of a Promise: pass a {@link Pending} as the argument. */
export function settlePending(p: Pending, cpl: Completion): void {
  p.qpair.poller.release();
  if (cpl.isError) p.reject(new NvmeStatusError(cpl.status, p.what));
  else p.resolve(cpl.cdw0, cpl.cdw1);
}

/**
 * Runs `submit(settlePending, pending)` and returns a Promise of the completion's DW0, polling the
 * queue pair until it arrives. `submit` returns 0, or a negative errno such as -ENOMEM when no
 * request was free; then the Promise waits for one to free up rather than failing (back-pressure).
 * With `timeoutMs` > 0 the Promise rejects with NvmeTimeoutError when no completion came in that
 * time; the command stays outstanding (the queue pair keeps polling for it, as the controller may
 * still complete it).
 */
export function awaitCompletion(
  qpair: QueuePair,
  what: string,
  submit: (cb: typeof settlePending, arg: Pending) => number,
  timeoutMs = 0,
): Promise<number> {
  return withTimeout(
    new Promise<number>((resolve, reject) => submitAndWait(qpair, { what, qpair, resolve, reject }, submit)),
    what,
    timeoutMs,
  );
}

/** {@link awaitCompletion} resolving with the completion's DW0 and DW1 (e.g. an 8-byte Property Get). */
export function awaitCompletionDwords(
  qpair: QueuePair,
  what: string,
  submit: (cb: typeof settlePending, arg: Pending) => number,
  timeoutMs = 0,
): Promise<{ cdw0: number; cdw1: number }> {
  return withTimeout(
    new Promise<{ cdw0: number; cdw1: number }>((resolve, reject) =>
      submitAndWait(qpair, { what, qpair, resolve: (cdw0, cdw1) => resolve({ cdw0, cdw1 }), reject }, submit),
    ),
    what,
    timeoutMs,
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
): void {
  const attempt = (): void => {
    let rc: number;
    try {
      qpair.poller.hold();
      rc = submit(settlePending, pending);
    } catch (e) {
      qpair.poller.release();
      pending.reject(e as Error);
      return;
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
