// Shadow doorbells: the queue port publishes tails and heads to the shadow page and writes a doorbell
// register only when the controller's EventIdx lies in the range the index just moved through.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { doorbellIndex, PcieQueuePort } from "../../../src/engine/queue-port.js";
import { passesEventIdx, shadowIndex } from "../../../src/engine/shadow-doorbells.js";

const DEPTH = 8;

function queue(withShadow: boolean) {
  const bar = new Uint32Array(0x2000 / 4);
  const shadow = { doorbells: new Uint32Array(1024), eventIdx: new Uint32Array(1024) };
  const port = new PcieQueuePort(
    {
      qid: 1,
      depth: DEPTH,
      sq: new Uint32Array(DEPTH * 16),
      cq: new Uint32Array(DEPTH * 4),
      bar,
      dstrd: 0,
      shadow: withShadow ? shadow : undefined,
    },
    async () => {},
  );
  return { port, bar, shadow, sqEvent: shadowIndex(1, false, 0), sqReg: doorbellIndex(1, false, 0) };
}

test("passesEventIdx: true exactly when the event index is in [old, now) round the ring", () => {
  assert.ok(passesEventIdx(2, 3, 2, DEPTH), "the controller waits at 2, the tail moves 2 -> 3");
  assert.ok(passesEventIdx(2, 5, 1, DEPTH));
  assert.not.ok(passesEventIdx(5, 5, 1, DEPTH), "it asked to hear of moves past 5: not yet");
  assert.not.ok(passesEventIdx(0, 5, 1, DEPTH), "it already knows of 0");
  assert.ok(passesEventIdx(7, 1, 6, DEPTH), "across the wrap: 6 -> 7 -> 0 -> 1 passes 7");
  assert.ok(passesEventIdx(0, 1, 6, DEPTH), "across the wrap: passes 0");
  assert.not.ok(passesEventIdx(1, 1, 6, DEPTH));
  assert.not.ok(passesEventIdx(3, 4, 4, DEPTH), "no move, no event");
});

test("the register's position is 0x1000 plus the shadow index, with the doorbell stride", () => {
  assert.is(doorbellIndex(0, false, 0), 0x1000 / 4);
  assert.is(doorbellIndex(1, true, 0), (0x1000 + 3 * 4) / 4);
  assert.is(shadowIndex(1, true, 2), (3 * 16) / 4);
});

test("without shadow pages every ring writes the register", () => {
  const { port, bar, sqReg } = queue(false);
  const cmd = new Uint32Array(16);
  port.post(cmd);
  port.ringSubmission();
  port.post(cmd);
  port.ringSubmission();
  assert.is(bar[sqReg], 2);
  assert.is(port.doorbellRegisterWrites, 2);
});

test("with shadow pages the tail always reaches the shadow, the register only when EventIdx asks", () => {
  const { port, bar, shadow, sqEvent, sqReg } = queue(true);
  const cmd = new Uint32Array(16);
  // The controller is idle and has seen tail 0: it wants to hear of any move past 0.
  port.post(cmd);
  port.ringSubmission();
  assert.is(shadow.doorbells[sqEvent], 1);
  assert.is(bar[sqReg], 1);
  assert.is(port.doorbellRegisterWrites, 1);
  // The controller is still busy with entry 0 (its EventIdx stays 0): no register write for 1 -> 3.
  port.post(cmd);
  port.post(cmd);
  port.ringSubmission();
  assert.is(shadow.doorbells[sqEvent], 3);
  assert.is(bar[sqReg], 1, "the register was not written");
  assert.is(port.doorbellRegisterWrites, 1);
  // It caught up to 3 and asks again: the next move writes the register.
  shadow.eventIdx[sqEvent] = 3;
  port.post(cmd);
  port.ringSubmission();
  assert.is(bar[sqReg], 4);
  assert.is(port.doorbellRegisterWrites, 2);
});

test.run();
