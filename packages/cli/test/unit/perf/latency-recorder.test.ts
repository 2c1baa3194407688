// The latency recorder's exact-count front buffer must leave the histogram as recording every value
// one by one would: same count, mean, extremes and percentiles, on both sides of its limit.
import { FINE_LIMIT_US, LatencyRecorder, newLatencyHistogram } from "@nvmekit/cli";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("flush() gives the histogram that recording each value gives", () => {
  const recorder = new LatencyRecorder();
  const direct = newLatencyHistogram();
  let x = 12345;
  for (let i = 0; i < 50_000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // Mostly small latencies, some past the front buffer's limit.
    const us = 1 + (i % 10 === 0 ? x % (FINE_LIMIT_US * 4) : x % 3000);
    recorder.record(us);
    direct.recordValue(us);
  }
  const h = recorder.flush();
  assert.is(h.totalCount, 50_000);
  assert.is(h.mean, direct.mean);
  assert.is(h.minNonZeroValue, direct.minNonZeroValue);
  assert.is(h.maxValue, direct.maxValue);
  for (const p of [1, 50, 90, 99, 99.9, 99.99])
    assert.is(h.getValueAtPercentile(p), direct.getValueAtPercentile(p));
  assert.ok(h.maxValue >= FINE_LIMIT_US, "some values went straight to the histogram");
});

test("flush() twice adds nothing the second time", () => {
  const recorder = new LatencyRecorder();
  recorder.record(7);
  recorder.record(7);
  assert.is(recorder.flush().totalCount, 2);
  assert.is(recorder.flush().totalCount, 2);
});

test.run();
