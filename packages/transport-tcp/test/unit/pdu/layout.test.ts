import { test } from "uvu";
import * as assert from "uvu/assert";
import { pduAlignment, pduDataOffset, pduLength } from "../../../src/pdu/layout.js";

test("alignment is (pda + 1) * 4; pda is 0..31", () => {
  assert.is(pduAlignment(0), 4);
  assert.is(pduAlignment(7), 32);
  assert.is(pduAlignment(31), 128);
  assert.throws(() => pduAlignment(32), RangeError);
  assert.throws(() => pduAlignment(-1), RangeError);
  assert.throws(() => pduAlignment(1.5), RangeError);
});

test("pdo: 0 without data, else header + digest rounded up to the alignment", () => {
  assert.is(pduDataOffset(72, true, 7, 0), 0);
  assert.is(pduDataOffset(72, false, 0, 1), 72);
  assert.is(pduDataOffset(72, true, 0, 1), 76);
  assert.is(pduDataOffset(72, true, 7, 1), 96);
  assert.is(pduDataOffset(24, false, 31, 1), 128);
  assert.is(pduDataOffset(24, true, 1, 1), 32);
});

test("plen counts header, digests, padding and data", () => {
  assert.is(pduLength(24, true, true, 0, 0), 28, "no data: no data digest");
  assert.is(pduLength(72, false, false, 0, 0), 72);
  assert.is(pduLength(24, true, true, 0, 100), 132);
  assert.is(pduLength(72, true, false, 7, 100), 196);
  assert.throws(() => pduLength(24, false, false, 0, -1), RangeError);
});

test.run();
