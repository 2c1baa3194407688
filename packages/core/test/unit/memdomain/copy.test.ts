import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import {
  COPY_LOOP_MAX,
  copyIovs,
  iovsHaveBytes,
  iovTotalLength,
  type MemoryIoVec,
  memoryIoVec,
  zeroIovs,
} from "../../../src/memdomain/index.js";
import { gather, seq, split } from "./fixtures.js";

/** Copies `n` bytes 1..n split as `srcLens` into a zeroed destination split as `dstLens`; returns [copied, bytes]. */
function run(n: number, srcLens: number[], dstLens: number[]): [number, number[]] {
  const s = split(seq(n), srcLens);
  const total = dstLens.reduce((a, b) => a + b, 0);
  const d = split(new Uint8Array(total), dstLens);
  return [copyIovs(d, d.length, s, s.length), gather(d)];
}

test("memoryIoVec: fully populated, spans to the end by default", () => {
  const b = new Uint8Array(10);
  assert.equal(memoryIoVec(b), { bytes: b, offset: 0, length: 10, addr: 0 });
  assert.equal(memoryIoVec(b, 4), { bytes: b, offset: 4, length: 6, addr: 0 });
  assert.equal(memoryIoVec(b, 2, 3, 0x1000), { bytes: b, offset: 2, length: 3, addr: 0x1000 });
  assert.equal(memoryIoVec(null, 0, 8, 0x2000), { bytes: null, offset: 0, length: 8, addr: 0x2000 });
  assert.equal(memoryIoVec(null), { bytes: null, offset: 0, length: 0, addr: 0 });
});

test("iovTotalLength and iovsHaveBytes look only at the first cnt entries", () => {
  const v: MemoryIoVec[] = [{ length: 3, bytes: new Uint8Array(3) }, { length: 4 }, { length: 0 }];
  assert.is(iovTotalLength(v, 3), 7);
  assert.is(iovTotalLength(v, 1), 3);
  assert.is(iovTotalLength(v, 0), 0);
  assert.ok(iovsHaveBytes(v, 1));
  assert.not.ok(iovsHaveBytes(v, 2));
  assert.ok(iovsHaveBytes([{ length: 0 }], 1)); // an empty run needs no view
});

test("copyIovs 1 → many", () => {
  assert.equal(run(6, [6], [2, 1, 3]), [6, [1, 2, 3, 4, 5, 6]]);
});

test("copyIovs many → 1", () => {
  assert.equal(run(6, [1, 2, 3], [6]), [6, [1, 2, 3, 4, 5, 6]]);
});

test("copyIovs many → many, split at different points", () => {
  // source cut at 2|5|9, destination at 3|4|8: no boundary in common
  assert.equal(run(10, [2, 3, 4, 1], [3, 1, 4, 2]), [10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  assert.equal(run(7, [1, 1, 1, 1, 1, 1, 1], [7]), [7, [1, 2, 3, 4, 5, 6, 7]]);
});

test("copyIovs skips zero-length entries on both sides, wherever they are", () => {
  assert.equal(run(5, [0, 2, 0, 0, 3, 0], [0, 1, 0, 4, 0]), [5, [1, 2, 3, 4, 5]]);
  assert.equal(run(0, [0, 0], [0]), [0, []]);
  assert.equal(copyIovs([], 0, [], 0), 0);
});

test("copyIovs copies min(source, destination) and leaves the rest of the destination alone", () => {
  const d = split(new Uint8Array(8).fill(0xee), [5, 3]);
  assert.is(copyIovs(d, 2, split(seq(6), [6]), 1), 6);
  assert.equal(gather(d), [1, 2, 3, 4, 5, 6, 0xee, 0xee]);
  const shortD = split(new Uint8Array(3), [3]);
  assert.is(copyIovs(shortD, 1, split(seq(6), [6]), 1), 3);
  assert.equal(gather(shortD), [1, 2, 3]);
});

test("copyIovs honours offsets and counts (a prefix of a preallocated array)", () => {
  const src = seq(16, 0x10);
  const dstBuf = new Uint8Array(16);
  const s: MemoryIoVec[] = [
    { bytes: src, offset: 12, length: 2 },
    { bytes: src, offset: 3, length: 3 },
    { bytes: src, offset: 0, length: 16 }, // beyond the count: ignored
  ];
  const d: MemoryIoVec[] = [
    { bytes: dstBuf, offset: 10, length: 1 },
    { bytes: dstBuf, offset: 1, length: 4 },
  ];
  assert.is(copyIovs(d, 2, s, 2), 5);
  // src[12], src[13], src[3], src[4], src[5] = 0x1c 0x1d 0x13 0x14 0x15
  assert.is(dstBuf[10], 0x1c);
  assert.equal([...dstBuf.subarray(1, 5)], [0x1d, 0x13, 0x14, 0x15]);
  assert.is(dstBuf[0], 0);
  assert.is(dstBuf[5], 0);
});

test("copyIovs: long runs (memcpy path, whole-view and sub-range) are byte-exact", () => {
  const n = 3 * 4096 + 7;
  const whole = seq(n, 3);
  // whole source view into two destinations; then sub-ranges longer than COPY_LOOP_MAX
  const d1 = new Uint8Array(4096);
  const d2 = new Uint8Array(n - 4096);
  assert.is(
    copyIovs(
      [
        { bytes: d1, length: 4096 },
        { bytes: d2, length: n - 4096 },
      ],
      2,
      [{ bytes: whole, length: n }],
      1,
    ),
    n,
  );
  assert.equal([...d1, ...d2], [...whole]);
  const big = new Uint8Array(n);
  const lens = [COPY_LOOP_MAX + 1, 4000, 1, COPY_LOOP_MAX, n - (2 * COPY_LOOP_MAX + 4002)];
  assert.is(copyIovs(split(big, [n]), 1, split(whole, lens), lens.length), n);
  assert.equal([...big], [...whole]);
});

test("copyIovs: a view of another typed array's memory works (bytes over the same buffer)", () => {
  const words = new Uint32Array([0x04030201, 0x08070605]);
  const bytes = new Uint8Array(words.buffer, 4, 4); // the second word
  const out = new Uint8Array(4);
  copyIovs([{ bytes: out, length: 4 }], 1, [{ bytes, length: 4 }], 1);
  assert.equal([...out], [5, 6, 7, 8]);
});

test("copyIovs: a non-empty iovec without bytes is InvalidArgumentError", () => {
  assert.throws(
    () => copyIovs([{ length: 2 }], 1, split(seq(2), [2]), 1),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test("zeroIovs: zeroes exactly the described runs, skips empty ones, returns the count", () => {
  const b = new Uint8Array(10).fill(7);
  const v: MemoryIoVec[] = [
    { bytes: b, offset: 1, length: 2 },
    { length: 0 },
    { bytes: b, offset: 6, length: 3 },
  ];
  assert.is(zeroIovs(v, 3), 5);
  assert.equal([...b], [7, 0, 0, 7, 7, 7, 0, 0, 0, 7]);
  assert.is(zeroIovs(v, 0), 0);
  assert.throws(
    () => zeroIovs([{ length: 1 }], 1),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test.run();
