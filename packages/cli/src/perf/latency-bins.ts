/**
 * The latency histogram as bars: I/O counts in log-spaced latency bins, read from the hdr histogram's
 * cumulative distribution (its public percentile output), for the HTML report's chart.
 * @module
 */
import type { Histogram } from "hdr-histogram-js";

/** One bar: I/Os whose latency was in [fromUs, toUs). */
export interface LatencyBin {
  /** Lower bound in microseconds. */
  fromUs: number;
  /** Upper bound in microseconds. */
  toUs: number;
  /** I/Os in the bin. */
  count: number;
}

/** (value, I/Os at or below it) steps of the histogram, ascending. */
function cumulative(h: Histogram): { value: number; count: number }[] {
  // Rows are "value percentile totalCount [1/(1-percentile)]"; headings and the # footer are skipped.
  return h
    .outputPercentileDistribution(20, 1)
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cells) => cells.length >= 3 && /^\d/.test(cells[0]!))
    .map(([value, , count]) => ({ value: Number(value), count: Number(count) }));
}

/** I/Os at or below `us`, from the steps (a step function: the last step not past `us`). */
function countAtOrBelow(steps: { value: number; count: number }[], us: number): number {
  let n = 0;
  for (const s of steps) {
    if (s.value > us) break;
    n = s.count;
  }
  return n;
}

/** `bins` log-spaced bins from the smallest to the largest latency recorded (none when empty). */
export function latencyBins(h: Histogram, bins = 40): LatencyBin[] {
  if (h.totalCount === 0) return [];
  const steps = cumulative(h);
  const lo = Math.max(1, h.minNonZeroValue);
  const hi = Math.max(lo + 1, h.maxValue);
  const ratio = (hi / lo) ** (1 / bins);
  const out: LatencyBin[] = [];
  let below = 0;
  for (let i = 0; i < bins; i++) {
    const fromUs = lo * ratio ** i;
    const toUs = i === bins - 1 ? hi : lo * ratio ** (i + 1);
    const upTo = i === bins - 1 ? h.totalCount : countAtOrBelow(steps, toUs);
    out.push({ fromUs, toUs, count: Math.max(0, upTo - below) });
    below = Math.max(below, upTo);
  }
  return out;
}
