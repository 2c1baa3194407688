/**
 * How often the perf loop gives the event loop a turn. A turn costs a system call or two (libuv's
 * poll), which in an emulated guest is as dear as an I/O, so yielding every fixed number of polling
 * rounds charged a QD 1 run a turn every few I/Os while a QD 32 run yielded rarely. The pacer counts
 * rounds, and adjusts the count from the clock at each turn so that turns come about every
 * {@link YIELD_INTERVAL_MS}: timers (the progress display, the admin queue's tick) still run on time,
 * and the clock is read once per turn, not per round.
 * @module
 */

/** The time between two turns the pacer aims for (ms). */
export const YIELD_INTERVAL_MS = 5;
const MIN_ROUNDS = 16;
const MAX_ROUNDS = 1 << 20;

/** Counts polling rounds down to the next event-loop turn. */
export class YieldPacer {
  private rounds = 256;
  private left = 256;
  private last: number;

  /** @param now a performance.now() reading at the start */
  constructor(now: number) {
    this.last = now;
  }

  /** Counts one polling round; true when it is time to read the clock and yield. */
  due(): boolean {
    return --this.left === 0;
  }

  /** At a turn, with `now` read from the clock: sets the rounds until the next one. */
  yielded(now: number): void {
    const took = now - this.last;
    this.last = now;
    if (took < YIELD_INTERVAL_MS / 2) this.rounds = Math.min(MAX_ROUNDS, this.rounds * 2);
    else if (took > YIELD_INTERVAL_MS * 2) this.rounds = Math.max(MIN_ROUNDS, this.rounds >> 1);
    this.left = this.rounds;
  }
}
