/** The live-range bookkeeping a DMA allocator checks views against, against a byte-map model. */
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LiveAllocations } from "../../../src/dma/live-allocations.js";

test("covers: inside one allocation only; remove takes exact ranges", () => {
  const live = new LiveAllocations();
  live.add(128, 64);
  live.add(0, 64);
  live.add(64, 64);
  assert.is(live.count, 3);
  assert.ok(live.covers(0, 64));
  assert.ok(live.covers(70, 10));
  assert.not.ok(live.covers(60, 8), "straddles 0..64 and 64..128");
  assert.not.ok(live.covers(128, 65), "past the last one");
  assert.not.ok(live.remove(64, 32), "not the whole allocation");
  assert.ok(live.remove(64, 64));
  assert.not.ok(live.remove(64, 64), "already gone");
  assert.not.ok(live.covers(64, 1));
  assert.ok(live.covers(128, 0), "an empty view inside an allocation");
  assert.not.ok(live.covers(192, 0), "an empty view just past one");
});

test("covers agrees with a byte map over random allocate/free sequences", () => {
  const SIZE = 1024;
  const op = fc.oneof(
    fc.record({
      kind: fc.constant("add" as const),
      offset: fc.nat(SIZE - 1),
      size: fc.integer({ min: 1, max: 256 }),
    }),
    fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("covers" as const), offset: fc.nat(SIZE), length: fc.nat(300) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const live = new LiveAllocations();
      const owner = new Int32Array(SIZE + 300).fill(-1);
      const ranges: [number, number][] = [];
      for (const o of ops) {
        if (o.kind === "add") {
          const end = Math.min(o.offset + o.size, SIZE);
          if (owner.subarray(o.offset, end).some((x) => x >= 0)) continue;
          live.add(o.offset, end - o.offset);
          owner.fill(o.offset, o.offset, end);
          ranges.push([o.offset, end]);
        } else if (o.kind === "remove") {
          if (ranges.length === 0) continue;
          const [start, end] = ranges.splice(o.pick % ranges.length, 1)[0]!;
          assert.ok(live.remove(start, end - start));
          owner.fill(-1, start, end);
        } else {
          const last = o.offset + Math.max(o.length, 1) - 1;
          const expected = owner[o.offset]! >= 0 && owner[last] === owner[o.offset];
          assert.is(live.covers(o.offset, o.length), expected, `covers(${o.offset}, ${o.length})`);
        }
      }
      assert.is(live.count, ranges.length);
    }),
    { numRuns: 2000 },
  );
});

test.run();
