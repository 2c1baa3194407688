// The reset state machine: concurrent resets join one, a failed controller can be reset, and a
// callback that throws during a reset neither stops it nor leaves the state at Resetting.
import { ControllerState } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { attachInThread, GenericSc } from "@nvmekit/softnvme";
import { lastValueFrom, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rejects } from "./harness.js";

/** CC writes that set EN: one per enable of the controller. */
const enables = (device: { registerWrites: { offset: number; value: bigint }[] }): number =>
  device.registerWrites.filter((w) => w.offset === 0x14 && (w.value & 1n) === 1n).length;

test("concurrent reset() calls share one reset: the same Promise, one Resetting, one enable", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const before = enables(device);
  const states: ControllerState[] = [];
  const sub = ctrlr.state$.subscribe((s) => states.push(s));
  const first = ctrlr.reset();
  const second = ctrlr.reset();
  assert.is(second, first, "the second call joins the first");
  await Promise.all([first, second]);
  sub.unsubscribe();
  assert.is(states.filter((s) => s === ControllerState.Resetting).length, 1);
  assert.is(enables(device) - before, 1, "the controller was enabled once more, not twice");
  assert.is(ctrlr.state, ControllerState.Ready);
  const third = ctrlr.reset();
  assert.is.not(third, first, "a reset after the first settled is a new one");
  await third;
  await driver.detach(ctrlr);
});

test("a failed controller can be reset back to Ready", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  device.failCommands({ qid: 0, opcode: 0x06 }, GenericSc.InternalError, 1); // Identify, once
  await rejects(() => ctrlr.reset(), /Internal Error/i);
  assert.is(ctrlr.state, ControllerState.Failed);
  await ctrlr.reset();
  assert.is(ctrlr.state, ControllerState.Ready);
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  await ctrlr.getNamespace(1)!.write(qp, buf.bytes, 0, 1);
  await driver.detach(ctrlr);
});

test("a callback that throws during a reset: the others still run, the reset completes, the error surfaces", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  device.holdCompletions(qp.id);
  const called: number[] = [];
  const boom = new Error("callback failed");
  const cb = (i: number, _cpl: Completion): void => {
    called.push(i);
    if (i === 0) throw boom;
  };
  for (let i = 0; i < 3; i++) ns.cmdRead(qp, buf.bytes, i, 1, cb, i);
  const states = lastValueFrom(ctrlr.state$.pipe(toArray()));
  const error = await ctrlr.reset().then(
    () => null,
    (e: unknown) => e,
  );
  assert.is(error, boom, "the reset rejects with the callback's error");
  assert.equal(called.sort(), [0, 1, 2], "every callback ran once");
  assert.is(ctrlr.state, ControllerState.Ready, "not left at Resetting");
  await ns.write(qp, buf.bytes, 5, 1);
  await driver.detach(ctrlr);
  assert.ok((await states).includes(ControllerState.Resetting));
});

test.run();
