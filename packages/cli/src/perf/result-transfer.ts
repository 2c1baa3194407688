/**
 * Perf figures across threads: a {@link WorkloadResult} as a worker thread posts it (the latency
 * histogram compressed to a string, since a histogram object cannot be cloned) and back.
 * @module
 */
import * as hdr from "hdr-histogram-js";
import type { WorkloadResult } from "./workload.js";

/** A {@link WorkloadResult} that postMessage can clone. */
export type PostedResult = Omit<WorkloadResult, "histogram"> & {
  /** The histogram, compressed (HdrHistogram's base64 encoding). */
  histogram: string;
};

/** The result as a worker posts it. */
export function postableResult(r: WorkloadResult): PostedResult {
  return { ...r, histogram: hdr.encodeIntoCompressedBase64(r.histogram) };
}

/** The result as posted by a worker, with its histogram restored. */
export function receivedResult(p: PostedResult): WorkloadResult {
  return { ...p, histogram: hdr.decodeFromCompressedBase64(p.histogram) };
}
