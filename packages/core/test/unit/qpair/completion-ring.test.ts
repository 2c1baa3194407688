import { test } from "uvu";
import * as assert from "uvu/assert";
import { CompletionRing } from "../../../src/qpair/completion-ring.js";

test("completions come out in arrival order across the wrap, and none beyond capacity is kept", () => {
  const ring = new CompletionRing(3);
  const out = new Uint32Array(4);
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 4; i++) ring.push(round, i, 0, i); // the fourth does not fit
    assert.is(ring.count, 3);
    for (let i = 0; i < 3; i++) {
      assert.ok(ring.take(out));
      assert.equal([...out], [round, i, 0, i]);
    }
    assert.not.ok(ring.take(out));
  }
  ring.push(9, 9, 9, 9);
  ring.clear();
  assert.is(ring.count, 0);
  assert.not.ok(ring.take(out));
});

test.run();
