/**
 * How the controller's thread waits for work it can only find by looking (plain stores into shared
 * memory raise no event): poll without pause while there is work and for a short spin after it, then
 * sleep in Atomics.wait with a timeout that doubles up to a ceiling, so an idle controller wakes at
 * most ~1000 times a second. Every slice ends by yielding to the thread's event loop, where timers
 * (CSTS.RDY delays, delayed completions) and control messages run.
 * @module
 */

/** Tuning of the worker's poll loop. */
export interface PollTiming {
  /**
   * Keep polling this long after the last work found, in microseconds (default 5000). A thread that
   * sleeps between commands can be put on the busy host thread's core by the scheduler, and every
   * command then waits for a time slice; spinning through the gaps of a burst keeps the thread on its
   * own core. It costs that much CPU after each burst, nothing when idle.
   */
  spinUs?: number;
  /** Longest sleep when idle, in milliseconds (default 1). */
  maxSleepMs?: number;
  /** Longest run of polling before yielding to the event loop, in milliseconds (default 2). */
  sliceMs?: number;
}

/** Counters of a the worker's poll loop, for measurements. */
export interface PollStats {
  /** Polls that found work. */
  busyPolls: number;
  /** Polls in all. */
  polls: number;
  /** Sleeps in Atomics.wait. */
  sleeps: number;
  /** Sleeps cut short by a notify on the wake word. */
  wakeups: number;
}

// First sleep after the spin, in milliseconds; doubles up to maxSleepMs.
const FIRST_SLEEP_MS = 0.05;

/** The loop: `poll` returns true when it found work. */
export class PollLoop {
  /** Counters since start. */
  readonly stats: PollStats = { busyPolls: 0, polls: 0, sleeps: 0, wakeups: 0 };
  private readonly spinMs: number;
  private readonly maxSleepMs: number;
  private readonly sliceMs: number;
  private sleepMs = FIRST_SLEEP_MS;
  private lastWork = 0;
  private stopped = false;

  /**
   * @param poll one look for work
   * @param wake word 0 is what Atomics.wait sleeps on; the host notifies it to cut a sleep short
   * @param timing spin, sleep and slice lengths
   */
  constructor(
    private readonly poll: () => boolean,
    private readonly wake: Int32Array,
    timing: PollTiming = {},
  ) {
    this.spinMs = (timing.spinUs ?? 5000) / 1000;
    this.maxSleepMs = timing.maxSleepMs ?? 1;
    this.sliceMs = timing.sliceMs ?? 2;
  }

  /** Starts polling (returns at once; the loop runs in slices on the event loop). */
  start(): void {
    this.lastWork = performance.now();
    setImmediate(this.slice);
  }

  /** Stops after the current slice. */
  stop(): void {
    this.stopped = true;
  }

  private readonly slice = (): void => {
    if (this.stopped) return;
    const end = performance.now() + this.sliceMs;
    for (;;) {
      const found = this.poll();
      const now = performance.now();
      this.stats.polls++;
      if (found) {
        this.stats.busyPolls++;
        this.lastWork = now;
        this.sleepMs = FIRST_SLEEP_MS;
      } else if (now - this.lastWork > this.spinMs) {
        break;
      }
      if (now >= end) {
        setImmediate(this.slice);
        return;
      }
    }
    this.stats.sleeps++;
    if (Atomics.wait(this.wake, 0, Atomics.load(this.wake, 0), this.sleepMs) !== "timed-out") {
      this.stats.wakeups++;
      this.lastWork = performance.now(); // the host asked for attention: look closely for a while
      this.sleepMs = FIRST_SLEEP_MS;
    } else {
      this.sleepMs = Math.min(this.sleepMs * 2, this.maxSleepMs);
    }
    setImmediate(this.slice);
  };
}
