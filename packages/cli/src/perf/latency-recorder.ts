/**
 * Recording I/O latencies into an hdr histogram at the cost of one array increment per I/O. Values
 * below {@link FINE_LIMIT_US} are counted in 1-microsecond buckets and added to the histogram with
 * their counts by {@link LatencyRecorder.flush}; larger ones go straight in. The histogram ends up the
 * same as if every value had been recorded one by one, but the per-I/O path skips hdr's bucket-index
 * arithmetic (floating point and logarithms), heavy next to the rest of an I/O's bookkeeping.
 * @module
 */
import * as hdr from "hdr-histogram-js";

/** Latencies below this many microseconds are counted exactly before they reach the histogram. */
export const FINE_LIMIT_US = 65_536;

/** An empty latency histogram in microseconds, as every perf figure uses (1 us to 60 s, 3 digits). */
export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Latencies of one run: {@link LatencyRecorder.record} per I/O, {@link LatencyRecorder.flush} at the end. */
export class LatencyRecorder {
  private readonly histogram = newLatencyHistogram();
  private readonly fine = new Uint32Array(FINE_LIMIT_US);

  /** Records one latency in whole microseconds (at least 1). */
  record(us: number): void {
    if (us < FINE_LIMIT_US) this.fine[us]!++;
    else this.histogram.recordValue(us);
  }

  /** Moves the counted latencies into the histogram and returns it. */
  flush(): hdr.Histogram {
    const fine = this.fine;
    for (let us = 0; us < FINE_LIMIT_US; us++) {
      if (fine[us] === 0) continue;
      this.histogram.recordValueWithCount(us, fine[us]!);
      fine[us] = 0;
    }
    return this.histogram;
  }
}
