import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import { countChildren, MAX_BLOCKS_PER_COMMAND, mdtsBlocks, nextChildBlocks } from "../../../src/ns/split.js";

/** The children's lengths, by repeated nextChildBlocks. */
function children(lba: number, blocks: number, max: number, boundary: number): number[] {
  const out: number[] = [];
  while (blocks > 0) {
    const n = nextChildBlocks(lba, blocks, max, boundary);
    out.push(n);
    lba += n;
    blocks -= n;
  }
  return out;
}

test("mdtsBlocks: 2^MDTS minimum pages over the block size; 0 = unlimited", () => {
  assert.is(mdtsBlocks(5, 4096, 512), 256); // 128 KiB of 512-byte blocks
  assert.is(mdtsBlocks(5, 4096, 4096), 32);
  assert.is(mdtsBlocks(5, 4096, 4096 + 8), 31); // extended LBA: data + metadata per block
  assert.is(mdtsBlocks(0, 4096, 512), 0);
  assert.throws(
    () => mdtsBlocks(1, 4096, 16384),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test("MDTS: exactly MDTS is one child, MDTS + 1 is two, exact multiples have no remainder", () => {
  assert.equal(children(0, 32, 32, 0), [32]);
  assert.equal(children(0, 33, 32, 0), [32, 1]);
  assert.equal(children(7, 96, 32, 0), [32, 32, 32]);
  assert.equal(children(0, 31, 32, 0), [31]);
  assert.is(countChildren(0, 32, 32, 0), 1);
  assert.is(countChildren(0, 33, 32, 0), 2);
  assert.is(countChildren(0, 96, 32, 0), 3);
});

test("boundary: the first child is cut at the boundary, then whole intervals", () => {
  assert.equal(children(120, 16, 0, 128), [8, 8]);
  assert.equal(children(120, 8, 0, 128), [8]); // ends exactly on the boundary: no split
  assert.equal(children(128, 128, 0, 128), [128]);
  assert.equal(children(100, 300, 0, 128), [28, 128, 128, 16]);
});

test("both: MDTS within a boundary interval, boundary within MDTS", () => {
  // NOIOB 64 > MDTS 32: each interval is cut in two, the first one at its remainder
  assert.equal(children(48, 100, 32, 64), [16, 32, 32, 20]);
  // MDTS 32 > NOIOB 8: the boundary decides
  assert.equal(children(6, 20, 32, 8), [2, 8, 8, 2]);
  // crossing a boundary with a request smaller than MDTS
  assert.equal(children(30, 4, 32, 32), [2, 2]);
});

test("a boundary that is not a power of two", () => {
  assert.equal(children(0, 30, 0, 12), [12, 12, 6]);
  assert.equal(children(10, 30, 0, 12), [2, 12, 12, 4]);
  assert.equal(children(10, 30, 5, 12), [2, 5, 5, 2, 5, 5, 2, 4]);
  // LBAs beyond 2^32 keep exact arithmetic
  assert.is(nextChildBlocks(2 ** 40 + 5, 100, 0, 12), 12 - ((2 ** 40 + 5) % 12));
});

test("no command exceeds 65536 blocks, even with no MDTS", () => {
  assert.is(nextChildBlocks(0, 100_000, 0, 0), MAX_BLOCKS_PER_COMMAND);
  assert.is(nextChildBlocks(0, 100_000, 200_000, 0), MAX_BLOCKS_PER_COMMAND);
  assert.is(countChildren(0, 2 ** 40, 0, 0), 2 ** 24);
});

test("countChildren agrees with the children nextChildBlocks cuts", () => {
  for (const max of [0, 1, 3, 32, 65536]) {
    for (const boundary of [0, 1, 7, 12, 64]) {
      for (const lba of [0, 5, 63, 64, 1000]) {
        for (const blocks of [0, 1, 31, 32, 33, 200]) {
          assert.is(countChildren(lba, blocks, max, boundary), children(lba, blocks, max, boundary).length);
        }
      }
    }
  }
});

test.run();
