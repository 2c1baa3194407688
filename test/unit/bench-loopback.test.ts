/**
 * The loopback device the host benchmarks (`bench:engine`, `bench:nvmed`) measure over: its
 * completions must pass the queue pair's checks, or the benchmark loops forever on rejected ones.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loopbackDevice } from "../bench/loopback.js";

test("every read posted to the loopback completes once, none rejected", () => {
  const { dma, ns, queuePair } = loopbackDevice(512, 1n << 20n);
  const qp = queuePair();
  const view = dma.alloc(4096).bytes;
  let done = 0;
  const onRead = (): void => {
    done++;
  };
  for (let i = 0; i < 1000; i++) {
    assert.is(ns.cmdRead(qp, view, i * 8, 8, onRead, null), 0);
    if (i % 3 === 2) qp.processCompletions(0);
  }
  while (qp.outstanding > 0 && qp.processCompletions(0) > 0);
  assert.is(done, 1000);
  assert.equal(qp.rejected, { unknownCid: 0, wrongSqid: 0, badSqHead: 0 });
});

test.run();
