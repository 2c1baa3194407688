import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  DSM_MAX_RANGES,
  DSM_RANGE_SIZE,
  DsmAttribute,
  decodeDsmRanges,
  encodeDsmRanges,
} from "../../../src/nvme-spec/dsm.js";

test("sizes and attribute bits", () => {
  assert.is(DSM_RANGE_SIZE, 16);
  assert.is(DSM_MAX_RANGES, 256);
  assert.is(DsmAttribute.IntegralDatasetForRead, 1);
  assert.is(DsmAttribute.IntegralDatasetForWrite, 2);
  assert.is(DsmAttribute.Deallocate, 4);
});

test("range layout: context attributes 3:0, length 7:4, SLBA 15:8", () => {
  const out = new Uint8Array(32);
  encodeDsmRanges(
    [
      { slba: 0x1_0000_0002, nlb: 8, attributes: 0x0a000001 },
      { slba: 0xffff_ffff_ffff_fff0n, nlb: 0x10000 },
    ],
    out,
  );
  assert.equal(
    Array.from(out),
    [
      0x01, 0x00, 0x00, 0x0a, 0x08, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ],
  );
  assert.equal(decodeDsmRanges(out, 2), [
    { attributes: 0x0a000001, nlb: 8, slba: 0x1_0000_0002n },
    { attributes: 0, nlb: 0x10000, slba: 0xffff_ffff_ffff_fff0n },
  ]);
});

test("rejects a buffer too small for the ranges", () => {
  assert.throws(() => encodeDsmRanges([{ slba: 0, nlb: 1 }], new Uint8Array(8)));
  assert.throws(() => decodeDsmRanges(new Uint8Array(16), 2));
});

test.run();
