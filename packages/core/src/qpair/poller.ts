/**
 * Drives a queue pair's completions for the Promise and RxJS faces, without starving Node's event
 * loop: it polls from setImmediate while commands it was asked to wait for are in flight, backs off
 * to 1 ms timers (or to sleeping on the queue's interrupt, where it has one) when nothing completes
 * for a while, and otherwise ticks at an optional slow, unref'd interval (the admin queue uses that
 * for asynchronous events and keep-alive).
 * @module
 */

/** Empty polls in a row after which the poller stops spinning and sleeps 1 ms between polls. */
const EMPTY_POLLS_BEFORE_BACKOFF = 256;

/** Longest sleep on an interrupt before polling anyway (an interrupt can be coalesced or lost). */
const INTERRUPT_WAIT_MS = 10;

/**
 * Polls a queue pair on behalf of awaiting callers.
 *
 * Threading: it lives on its queue pair's thread and polls from that thread's event loop
 * (setImmediate, 1 ms timers, an interrupt wait, the idle interval). Every poll is a
 * `processCompletions` of the whole queue pair, so the callbacks of callback-face commands on the
 * same queue pair run from these event-loop turns as well, not only from the application's own calls.
 */
export class CompletionPoller {
  private waiters = 0;
  private scheduled = false;
  private emptyPolls = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly step = (): void => this.run();

  /**
   * @param poll processes completions and returns how many there were
   * @param onIdleTick called at the idle interval (after polling), e.g. for keep-alive
   * @param waitForInterrupt when the queue raises interrupts: sleeps until one arrives (or the
   *   time limit passes) instead of on a 1 ms timer once the queue has gone quiet
   * @param eventDriven whether completions arrive only through the event loop (a socket): then the
   *   poller sleeps on `waitForInterrupt` at once instead of spinning through setImmediate first
   */
  constructor(
    private readonly poll: () => number,
    private readonly onIdleTick: (() => void) | null = null,
    private readonly waitForInterrupt: ((timeoutMs: number) => Promise<boolean> | null) | null = null,
    private readonly eventDriven: () => boolean = () => false,
  ) {}

  /**
   * Someone awaits a completion: poll busily until the matching {@link release}. The first poll is
   * in a later setImmediate, never inside this call.
   */
  hold(): void {
    this.waiters++;
    this.emptyPolls = 0;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.step);
    }
  }

  /** The awaited completion arrived: one fewer waiter; polling stops after the last. */
  release(): void {
    this.waiters--;
  }

  /**
   * Starts (ms > 0) or stops (ms = 0) the slow idle tick: every `ms` an unref'd setInterval polls the
   * queue pair (running any callbacks due) and then calls `onIdleTick`. It never keeps the process
   * alive. The controller starts one on its admin queue (at most every 100 ms once ready).
   */
  setIdleInterval(ms: number): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    if (ms > 0) {
      this.idleTimer = setInterval(() => {
        this.poll();
        this.onIdleTick?.();
      }, ms);
      this.idleTimer.unref();
    }
  }

  /** Stops everything; pending waiters must have been failed by the owner (nothing settles them here). */
  stop(): void {
    this.setIdleInterval(0);
    this.waiters = 0;
  }

  private run(): void {
    this.scheduled = false;
    if (this.waiters <= 0) return;
    this.emptyPolls = this.poll() > 0 ? 0 : this.emptyPolls + 1;
    if (this.waiters <= 0) return;
    this.scheduled = true;
    if (this.emptyPolls < EMPTY_POLLS_BEFORE_BACKOFF && !this.eventDriven()) setImmediate(this.step);
    else {
      const interrupt = this.waitForInterrupt?.(INTERRUPT_WAIT_MS) ?? null;
      if (interrupt === null) setTimeout(this.step, 1);
      else void interrupt.then(this.step, this.step);
    }
  }
}
