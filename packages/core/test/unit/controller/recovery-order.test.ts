// Recovery stops the device before it hands anything back: a read whose data transfer the software
// controller performs late (the "late" fault) is released from inside the abort callback, and must
// find the device stopped (controller disabled, queue deleted, device removed), so no byte lands in
// a buffer its owner was told is free again. With the abort first, the release would move the data.
import { type Controller, ControllerState, type Namespace, type QueuePair } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { attachInThread, GenericSc, type InThreadController, NvmOpc } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pattern } from "./harness.js";

/** What the abort callback saw: its status, and how many late transfers the device ran from inside it. */
interface Seen {
  sc: number;
  executed: number;
}

/** LBAs 0..7 hold a pattern; a late read of them into a zeroed buffer is in flight. */
async function lateReadInFlight(): Promise<{
  ctrlr: Controller;
  device: InThreadController;
  ns: Namespace;
  qp: QueuePair;
  buf: Uint8Array;
  seen: Seen[];
  done: () => Promise<void>;
}> {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair({ delayDoorbell: false }); // the device fetches each command as it is posted
  const buf = ctrlr.allocBuffer(4096);
  pattern(buf.bytes, 11);
  await ns.write(qp, buf.bytes, 0, 8);
  buf.bytes.fill(0);
  device.injectFault({ qid: qp.id, opcode: NvmOpc.Read }, { kind: "late" }, 1);
  const seen: Seen[] = [];
  // The callback hands the buffer back to its owner; the device picks exactly that moment to move the data.
  const onDone = (_arg: null, cpl: Completion): void => {
    seen.push({ sc: cpl.sc, executed: device.releaseLateTransfers() });
  };
  assert.is(ns.cmdRead(qp, buf.bytes, 0, 8, onDone, null), 0);
  assert.is(device.lateTransfers, 1, "fetched, its transfer pending");
  return { ctrlr, device, ns, qp, buf: buf.bytes, seen, done: () => driver.detach(ctrlr) };
}

const untouched = (buf: Uint8Array): boolean => buf.every((b) => b === 0);

test("the late transfer does land while the queue still exists (the fault is real)", async () => {
  const { device, qp, buf, seen, done } = await lateReadInFlight();
  assert.is(device.releaseLateTransfers(), 1);
  assert.not.ok(untouched(buf), "the data moved");
  qp.processCompletions();
  assert.equal(seen, [{ sc: 0, executed: 0 }]);
  await done();
});

test("reset: the controller is disabled before the abort callback, so the late transfer is dropped", async () => {
  const { ctrlr, buf, seen, done } = await lateReadInFlight();
  await ctrlr.reset();
  assert.equal(seen, [{ sc: GenericSc.AbortedSqDeletion, executed: 0 }]);
  assert.ok(untouched(buf), "no byte landed after the callback said the command ended");
  assert.is(ctrlr.state, ControllerState.Ready);
  await done();
});

test("freeIoQpair: the queue is deleted before the abort callback, so the late transfer is dropped", async () => {
  const { ctrlr, qp, buf, seen, device, done } = await lateReadInFlight();
  await ctrlr.freeIoQpair(qp);
  assert.equal(seen, [{ sc: GenericSc.AbortedSqDeletion, executed: 0 }]);
  assert.ok(untouched(buf), "no byte landed after the callback said the command ended");
  assert.not.ok(device.sqs.has(qp.id), "the queue is gone from the device");
  await done();
});

test("removal: the abort callback runs with the device gone, so the late transfer is dropped", async () => {
  const { device, buf, seen, ctrlr, done } = await lateReadInFlight();
  device.surpriseRemove();
  assert.equal(seen, [{ sc: GenericSc.AbortRequested, executed: 0 }]);
  assert.ok(untouched(buf));
  assert.is(ctrlr.state, ControllerState.Removed);
  await done();
});

test.run();
