/** EventfdVector on the host: the eventfd is signalled from JS in place of the kernel. */
import { StateError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventfdSignal } from "../../../src/native/libc.js";
import { EventfdVector } from "../../../src/vfio/interrupt-vector.js";

test("a pending signal resolves at once and is consumed", async () => {
  const v = new EventfdVector(3);
  assert.is(v.vector, 3);
  eventfdSignal(v.fd);
  assert.is(await v.wait(0), true);
  assert.is(await v.wait(0), false);
  v.dispose();
});

test("a signal during the wait resolves it; the timeout resolves false", async () => {
  const v = new EventfdVector(0);
  setTimeout(() => eventfdSignal(v.fd), 20);
  assert.is(await v.wait(5000), true);
  let settled = false;
  const timedOut = v.wait(50).finally(() => {
    settled = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.not.ok(settled, "it waits rather than timing out at once");
  assert.is(await timedOut, false);
  v.dispose();
});

test("waiting keeps the event loop running; dispose wakes the wait with false, later waits throw", async () => {
  const v = new EventfdVector(1);
  let settled = false;
  const waiting = v.wait(60_000).finally(() => {
    settled = true;
  });
  // Ten timers in a row fire while the wait is pending: a blocking wait would not let them.
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.not.ok(settled, "the wait is still pending while timers fired");
  v.dispose();
  assert.is(await waiting, false);
  try {
    await v.wait(0);
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof StateError);
  }
});

test("wake-up latency, measured (printed, not asserted)", async () => {
  const v = new EventfdVector(0);
  const samples: number[] = [];
  for (let i = 0; i < 300; i++) {
    let t0 = 0n;
    setImmediate(() => {
      t0 = process.hrtime.bigint();
      eventfdSignal(v.fd);
    });
    await v.wait(5000);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  console.log(`  eventfd wake-up: p50 ${samples[150]!.toFixed(1)} us, p99 ${samples[297]!.toFixed(1)} us`);
  v.dispose();
});

test.run();
