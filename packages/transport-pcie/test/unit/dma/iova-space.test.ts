import { TransportError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IovaSpace } from "../../../src/dma/iova-space.js";
import { clampIovaRanges } from "../../../src/iommu/iova-ranges.js";

const MiB = 2 ** 20;

test("IOVAs start low but never at 0, aligned, and skip to the next range when one is full", () => {
  const space = new IovaSpace([
    { start: 0, end: 6 * MiB },
    { start: 0x1_0000_0000, end: 0x1_0040_0000 },
  ]);
  assert.is(space.take(2 * MiB, 2 * MiB), 2 * MiB, "0 is never handed out");
  assert.is(space.take(2 * MiB, 2 * MiB), 4 * MiB);
  assert.is(space.take(2 * MiB, 2 * MiB), 0x1_0000_0000, "the first range is full");
  assert.is(space.take(2 * MiB, 2 * MiB), 0x1_0020_0000);
  assert.throws(
    () => space.take(2 * MiB, 2 * MiB),
    (e: unknown) => e instanceof TransportError,
  );
});

test("a range that starts unaligned is entered at its first aligned address", () => {
  const space = new IovaSpace([{ start: 0x1000, end: 16 * MiB }]);
  assert.is(space.take(4 * MiB, 2 * MiB), 2 * MiB);
});

test("kernel ranges (inclusive u64) become page-aligned [start, end) numbers below 2^53", () => {
  // What intel-iommu reports: everything but the MSI window 0xfee00000-0xfeefffff, in a 39-bit space.
  const ranges = clampIovaRanges(
    [
      { start: 0xfef00000n, last: (1n << 39n) - 1n },
      { start: 0n, last: 0xfedfffffn },
      { start: 0x1001n, last: 0x1fffn }, // no whole page inside
      { start: 1n << 60n, last: (1n << 64n) - 1n }, // beyond 2^53
    ],
    4096,
  );
  assert.equal(ranges, [
    { start: 0, end: 0xfee00000 },
    { start: 0xfef00000, end: 2 ** 39 },
  ]);
});

test.run();
