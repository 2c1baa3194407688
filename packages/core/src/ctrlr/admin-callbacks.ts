/**
 * When the admin queue's callback-face callbacks run. SPDK users expect them only inside the
 * process calls they make, but the admin queue is also polled by timers (the Promise face's poller,
 * the keep-alive and AER idle tick): what completes there is kept here and run by the next
 * `processAdminCompletions`, or by a host abort (reset, detach, removal), which runs its own
 * callbacks at once.
 * @module
 */
import { Completion } from "../nvme-spec/completion.js";

/** Keeps admin callbacks until the application's own `processAdminCompletions` (or a host abort). */
export class AdminCallbackGate {
  private depth = 0;
  private readonly kept: (() => void)[] = [];

  /** Callbacks completed outside the gate, waiting for it to open. */
  get waiting(): number {
    return this.kept.length;
  }

  /** Runs `fn` now when the gate is open, else keeps it, in order, for the next {@link open}. */
  later(fn: () => void): void {
    if (this.depth > 0) fn();
    else this.kept.push(fn);
  }

  /** Calls `cb(arg, cpl)` now when the gate is open, else keeps it with a copy of `cpl` (valid only during a poll). */
  call<A>(cb: (arg: A, cpl: Completion) => void, arg: A, cpl: Completion): void {
    if (this.depth > 0) {
      cb(arg, cpl);
      return;
    }
    const copy = new Completion(cpl.dw.slice());
    this.kept.push(() => cb(arg, copy));
  }

  /**
   * Opens the gate for `body`: the kept callbacks run first, in the order they completed, then
   * `body`, during which callbacks run at once. An exception from a callback propagates; the ones
   * still kept wait for the next call.
   * @returns how many kept callbacks ran, plus what `body` returns (a negative value as is)
   */
  open(body: () => number): number {
    this.depth++;
    try {
      let ran = 0;
      while (this.kept.length > 0) {
        this.kept.shift()!();
        ran++;
      }
      const n = body();
      return n < 0 ? n : n + ran;
    } finally {
      this.depth--;
    }
  }
}
