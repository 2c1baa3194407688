/**
 * The live display of a perf run on stderr: a cli-progress bar over the run time with the IOPS of
 * the last interval. Drawn only on a terminal, so logs and pipes get just the result.
 * @module
 */
import { SingleBar } from "cli-progress";

/** A progress bar for a run of `seconds`; feed it with {@link PerfProgress.update}. */
export class PerfProgress {
  private readonly bar: SingleBar;
  private lastIos = 0;
  private lastMs = 0;

  /** @param seconds the run time */
  constructor(seconds: number) {
    this.bar = new SingleBar({
      stream: process.stderr,
      format: "perf [{bar}] {elapsed}/{limit} s | {iops} IOPS",
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
    });
    this.bar.start(seconds, 0, { elapsed: "0.0", limit: seconds, iops: "-" });
  }

  /** Shows `ios` completed after `elapsedMs`; IOPS are over the time since the last update. */
  update(ios: number, elapsedMs: number): void {
    const iops = ((ios - this.lastIos) * 1000) / Math.max(1, elapsedMs - this.lastMs);
    this.lastIos = ios;
    this.lastMs = elapsedMs;
    this.bar.update(elapsedMs / 1000, {
      elapsed: (elapsedMs / 1000).toFixed(1),
      iops: Math.round(iops).toLocaleString("en-US"),
    });
  }

  /** Removes the bar. */
  stop(): void {
    this.bar.stop();
  }
}
