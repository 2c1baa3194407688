/**
 * Fuzz tier: I/O splitting. For random LBAs, lengths, MDTS values, page and block sizes and optimal
 * I/O boundaries, the children the splitter cuts a request into tile it exactly (contiguous, in
 * order, none empty), none exceeds MDTS or one command's 65536 blocks, none crosses a boundary, and
 * the closed-form count and the one-command test agree; an MDTS smaller than one block is InvalidArgumentError. fast-check
 * prints the seed and the shrunk counterexample when a property fails.
 */
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import {
  countChildren,
  isOneCommand,
  MAX_BLOCKS_PER_COMMAND,
  mdtsBlocks,
  nextChildBlocks,
} from "../../../src/ns/split.js";

const RUNS = 10_000;

const geometry = fc.record({
  mdts: fc.integer({ min: 0, max: 12 }),
  minPageSize: fc.constantFrom(4096, 8192, 65536),
  blockBytes: fc.constantFrom(512, 520, 4096, 4104, 8192, 65536, 2 ** 20),
  noiob: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 300 }),
    fc.constantFrom(256, 4096, 65536, 100_000),
  ),
  lba: fc.oneof(fc.nat(1_000_000), fc.constant(2 ** 40 + 7)),
  blocks: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 400_000 })),
});

test(`split: children tile the request within MDTS, 65536 blocks and boundaries (${RUNS} requests)`, () => {
  fc.assert(
    fc.property(geometry, (g) => {
      let max: number;
      try {
        max = mdtsBlocks(g.mdts, g.minPageSize, g.blockBytes);
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
        assert.ok(
          g.mdts > 0 && 2 ** g.mdts * g.minPageSize < g.blockBytes,
          "refused only when a block exceeds MDTS",
        );
        return;
      }
      if (g.mdts > 0) {
        const bytes = 2 ** g.mdts * g.minPageSize;
        assert.ok(
          max * g.blockBytes <= bytes && (max + 1) * g.blockBytes > bytes,
          "the most whole blocks MDTS allows",
        );
      } else assert.is(max, 0, "MDTS 0: no limit");
      let lba = g.lba;
      let left = g.blocks;
      let children = 0;
      while (left > 0) {
        const n = nextChildBlocks(lba, left, max, g.noiob);
        assert.ok(Number.isInteger(n) && n >= 1 && n <= left, `child of ${n} blocks out of ${left}`);
        assert.ok(n <= MAX_BLOCKS_PER_COMMAND && (max === 0 || n <= max), "within one command and MDTS");
        if (g.noiob > 0)
          assert.ok(Math.floor(lba / g.noiob) === Math.floor((lba + n - 1) / g.noiob), "crosses no boundary");
        lba += n;
        left -= n;
        children++;
      }
      assert.is(lba, g.lba + g.blocks, "the children end where the request ends");
      assert.is(countChildren(g.lba, g.blocks, max, g.noiob), children);
      assert.is(isOneCommand(g.lba, g.blocks, max, g.noiob), children === 1, "isOneCommand: one child");
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );
});

test.run();
