/**
 * The RxJS face of the memory-domain operations: each start-plus-completion becomes a cold
 * Observable that starts on subscribe and then emits once and completes, or errors once.
 * It enforces the callback contract defensively: a completion that arrives before the start
 * returned is held until the start returns 0, and is dropped if the start failed; a second
 * completion is ignored.
 * @module
 */
import { Observable, type Subscriber } from "rxjs";
import { EFAULT } from "../errors/errno.js";
import { InvalidArgumentError } from "../errors/errors.js";
import type { MemoryDomainDataCplCb } from "./callbacks.js";
import { MemoryDomainError, type MemoryDomainOperation, ShortTranslationError } from "./errors.js";
import {
  createTranslationResult,
  type MemoryDomainTranslationResult,
  translationLength,
} from "./translation.js";
import type { ArgProblem } from "./validate.js";

/** One subscription's operation in flight: the completion argument of {@link settle}. */
export interface PendingOperation {
  /** Who hears the outcome. */
  readonly subscriber: Subscriber<void>;
  /** The operation, for errors. */
  readonly operation: MemoryDomainOperation;
  /** The domain's device id, for errors. */
  readonly domainId: string | null;
  /** The start returned 0. */
  started: boolean;
  /** The outcome was delivered (or the start failed): later completions are ignored. */
  done: boolean;
  /** A completion that arrived before the start returned. */
  earlyRc: number | null;
}

function finish(p: PendingOperation, rc: number): void {
  p.done = true;
  if (rc === 0) {
    p.subscriber.next();
    p.subscriber.complete();
  } else {
    p.subscriber.error(new MemoryDomainError(p.operation, rc, p.domainId));
  }
}

/** The static completion callback the Observable face passes to the callback face. */
export function settle(p: PendingOperation, rc: number): void {
  if (p.done) return;
  if (!p.started) {
    if (p.earlyRc === null) p.earlyRc = rc;
    return;
  }
  finish(p, rc);
}

function argumentError(p: ArgProblem): InvalidArgumentError {
  return new InvalidArgumentError(p.argument, p.message);
}

/**
 * An Observable of one asynchronous operation: on subscribe, `check` the arguments (a problem
 * errors with {@link InvalidArgumentError}), then `start(settle, pending)`; a non-zero start or
 * completion errors with {@link MemoryDomainError}; success emits `undefined` once and completes.
 */
export function completion$(
  operation: MemoryDomainOperation,
  domainId: string | null,
  check: () => ArgProblem | null,
  start: (cb: MemoryDomainDataCplCb<PendingOperation>, arg: PendingOperation) => number,
): Observable<void> {
  return new Observable<void>((subscriber) => {
    const bad = check();
    if (bad !== null) {
      subscriber.error(argumentError(bad));
      return;
    }
    const p: PendingOperation = {
      subscriber,
      operation,
      domainId,
      started: false,
      done: false,
      earlyRc: null,
    };
    let rc: number;
    try {
      rc = start(settle, p);
    } catch (e) {
      p.done = true;
      subscriber.error(e);
      return;
    }
    if (rc !== 0) {
      p.done = true;
      subscriber.error(new MemoryDomainError(operation, rc, domainId));
      return;
    }
    p.started = true;
    if (p.earlyRc !== null) finish(p, p.earlyRc);
  });
}

/**
 * An Observable of one translation of `requested` bytes into a fresh result: emits the result and
 * completes, or errors with {@link ShortTranslationError} (-EFAULT), {@link MemoryDomainError}
 * (another errno) or {@link InvalidArgumentError} (bad arguments).
 */
export function translation$(
  domainId: string | null,
  requested: number,
  check: () => ArgProblem | null,
  translate: (result: MemoryDomainTranslationResult) => number,
): Observable<MemoryDomainTranslationResult> {
  return new Observable<MemoryDomainTranslationResult>((subscriber) => {
    const bad = check();
    if (bad !== null) {
      subscriber.error(argumentError(bad));
      return;
    }
    const result = createTranslationResult();
    let rc: number;
    try {
      rc = translate(result);
    } catch (e) {
      subscriber.error(e);
      return;
    }
    if (rc === 0) {
      subscriber.next(result);
      subscriber.complete();
    } else if (rc === -EFAULT) {
      subscriber.error(new ShortTranslationError(domainId, requested, translationLength(result)));
    } else {
      subscriber.error(new MemoryDomainError("translate", rc, domainId));
    }
  });
}
