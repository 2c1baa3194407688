import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type AddressSpace, type nvm_addr, nvm_addr_gen2dev } from "../../src/addr.js";
import { checkScalar, checkVector, pieceArray, planChunks, planScalar, planVector } from "../../src/plan.js";

const space: AddressSpace = {
  chunkStride: 64,
  geo: {
    npugrp: 1,
    npunit: 1,
    nchunk: 4,
    nsectr: 64,
    nbytes: 4096,
    nbytes_oob: 0,
    tbytes: 4 * 64 * 4096,
    verid: 2,
    lbaf: { pugrp: 0, punit: 0, chunk: 2, sectr: 6 },
  },
};
const at = (chunk: number, sectr: number): nvm_addr => ({ pugrp: 0, punit: 0, chunk, sectr });
const plain = { maxBlocks: 8, boundary: 0 };

test("planVector: consecutive sectors of a chunk merge; a chunk change, a gap or the size limit cuts", () => {
  const out = pieceArray();
  // chunk 0 sectors 0..3 | 5 | chunk 1 sector 0 (LBA 64: consecutive to 63, yet another chunk)
  const addrs = [at(0, 0), at(0, 1), at(0, 2), at(0, 3), at(0, 5), at(0, 63), at(1, 0)];
  const n = planVector(space, addrs, addrs.length, plain, out);
  assert.equal(out.slice(0, n), [
    { lba: 0, count: 4, offset: 0 },
    { lba: 5, count: 1, offset: 4 },
    { lba: 63, count: 1, offset: 5 },
    { lba: 64, count: 1, offset: 6 },
  ]);
  const run = Array.from({ length: 20 }, (_, i) => at(2, i));
  assert.is(planVector(space, run, 20, plain, out), 3);
  assert.equal(
    out.slice(0, 3).map((p) => p.count),
    [8, 8, 4],
  );
  assert.is(planVector(space, run, 20, { maxBlocks: 64, boundary: 6 }, out), 4);
  // LBA 128..147 with cuts at multiples of 6: 128-131, 132-137, 138-143, 144-147
  assert.equal(
    out.slice(0, 4).map((p) => p.count),
    [4, 6, 6, 4],
  );
});

test("planScalar: cut at the size limit and the split boundary", () => {
  const out = pieceArray();
  const n = planScalar(space, at(1, 3), 20, { maxBlocks: 8, boundary: 16 }, out);
  // LBA 67..86: 67-74 (8), 75-79 (to the boundary at 80), 80-86 (7)
  assert.equal(out.slice(0, n), [
    { lba: 67, count: 8, offset: 0 },
    { lba: 75, count: 5, offset: 8 },
    { lba: 80, count: 7, offset: 13 },
  ]);
  assert.is(planScalar(space, at(0, 0), 64, { maxBlocks: 1, boundary: 0 }, out), 64);
});

test("checks: counts, the vector limit, chunk bounds, a scalar range leaving its chunk", () => {
  assert.is(checkVector(space, [at(0, 0)], 1), null);
  assert.match(checkVector(space, [at(0, 0)], 0)!, /naddrs 0/);
  assert.match(checkVector(space, Array(65).fill(at(0, 0)), 65)!, /at most 64/);
  assert.match(checkVector(space, [at(0, 0), at(4, 0)], 2)!, /addrs\[1\]/);
  assert.match(checkVector(space, [at(0, 0)], 2)!, /addrs holds 1/);
  assert.is(checkScalar(space, [at(0, 60)], 4), null);
  assert.match(checkScalar(space, [at(0, 60)], 5)!, /stays in its chunk/);
});

test("planChunks: one piece per distinct chunk, at its start", () => {
  const out = pieceArray();
  const n = planChunks(space, [at(2, 7), at(0, 1), at(2, 0)], 3, out);
  assert.equal(out.slice(0, n), [
    { lba: 128, count: 64, offset: 0 },
    { lba: 0, count: 64, offset: 1 },
  ]);
});

test("property: vector pieces cover the addresses in order, are runs within a chunk and the limits, and are maximal", () => {
  const addr = fc.record({ chunk: fc.integer({ min: 0, max: 3 }), sectr: fc.integer({ min: 0, max: 63 }) });
  // Runs are what the planner sees most; mix random addresses with runs.
  const vector = fc
    .array(fc.tuple(addr, fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 12 })
    .map((runs) =>
      runs
        .flatMap(([a, len]) =>
          Array.from({ length: Math.min(len, 64 - a.sectr) }, (_, i) => at(a.chunk, a.sectr + i)),
        )
        .slice(0, 64),
    );
  const limit = fc.record({
    maxBlocks: fc.integer({ min: 1, max: 16 }),
    boundary: fc.constantFrom(0, 4, 16),
  });
  fc.assert(
    fc.property(vector, limit, (addrs, lim) => {
      const out = pieceArray();
      const n = planVector(space, addrs, addrs.length, lim, out);
      const lbas = addrs.map((a) => nvm_addr_gen2dev(space, a));
      let i = 0;
      for (let k = 0; k < n; k++) {
        const p = out[k]!;
        assert.is(p.offset, i);
        assert.ok(p.count >= 1 && p.count <= lim.maxBlocks);
        const chunk = Math.floor(p.lba / 64);
        for (let j = 0; j < p.count; j++) {
          assert.is(lbas[i + j], p.lba + j);
          assert.is(Math.floor((p.lba + j) / 64), chunk);
          if (lim.boundary > 0 && j > 0) assert.ok((p.lba + j) % lim.boundary !== 0);
        }
        i += p.count;
        // Maximal: the next piece could not have been appended to this one.
        const next = out[k + 1];
        if (k + 1 < n && next !== undefined) {
          const end = p.lba + p.count;
          const mergeable =
            next.lba === end &&
            Math.floor(end / 64) === chunk &&
            p.count < lim.maxBlocks &&
            (lim.boundary === 0 || end % lim.boundary !== 0);
          assert.not.ok(mergeable);
        }
      }
      assert.is(i, addrs.length);
    }),
  );
});

test.run();
