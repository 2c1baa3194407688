import { test } from "uvu";
import * as assert from "uvu/assert";
import { QueueLink, QueueLinkState } from "../../../src/qpair/queue-link.js";

test("a reset is a new generation the worker acknowledges; the controller's side waits for it", async () => {
  const controller = new QueueLink();
  const worker = new QueueLink(controller.buffer); // the same shared words, as a worker sees them
  assert.equal(worker.generation, 0);
  const generation = controller.disconnect();
  assert.equal(worker.generation, generation);
  assert.equal(worker.state, QueueLinkState.Disconnected);
  const acked = controller.acknowledged(generation, 5000);
  setTimeout(() => worker.acknowledge(generation), 20);
  assert.ok(await acked);
  controller.reconnect();
  assert.equal(worker.state, QueueLinkState.Active);
});

test("a worker that does not answer: acknowledged() gives up after its timeout", async () => {
  const link = new QueueLink();
  const generation = link.disconnect();
  link.acknowledge(generation - 1); // an older reset's answer does not count
  let settled = false;
  const answer = link.acknowledged(generation, 50).finally(() => {
    settled = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.not.ok(settled, "it waits for the worker rather than giving up at once");
  assert.not.ok(await answer);
});

test("fail() is a new generation too, so a worker notices it even mid-reset", () => {
  const link = new QueueLink();
  const generation = link.disconnect();
  link.fail();
  assert.ok(link.generation > generation);
  assert.equal(link.state, QueueLinkState.Failed);
});

test.run();
