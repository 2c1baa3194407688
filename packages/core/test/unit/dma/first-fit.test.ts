import { test } from "uvu";
import * as assert from "uvu/assert";
import { FirstFitAllocator, GRANULE } from "../../../src/dma/first-fit.js";

test("allocations are aligned, rounded to the granule, and do not overlap", () => {
  const heap = new FirstFitAllocator(64 * 1024);
  assert.is(heap.alloc(100, 64), 0);
  assert.is(heap.alloc(10, 64), 128, "100 bytes took two 64-byte granules");
  assert.is(heap.alloc(4096, 4096), 4096, "aligned up past the small blocks");
  assert.equal(heap.freeBlocks(), [
    { offset: 192, size: 4096 - 192 },
    { offset: 8192, size: 64 * 1024 - 8192 },
  ]);
  assert.is(heap.usedBytes, 128 + 64 + 4096);
});

test("the aligned-away head stays usable for smaller requests", () => {
  const heap = new FirstFitAllocator(16384);
  heap.alloc(64, 64);
  assert.is(heap.alloc(4096, 4096), 4096);
  assert.is(heap.alloc(512, 64), 64, "first fit: the gap below 4096");
});

test("free coalesces with both neighbours, back to one block", () => {
  const heap = new FirstFitAllocator(4 * GRANULE);
  const a = heap.alloc(GRANULE, GRANULE);
  const b = heap.alloc(GRANULE, GRANULE);
  const c = heap.alloc(GRANULE, GRANULE);
  assert.equal([a, b, c], [0, 64, 128]);
  assert.is(heap.free(a), GRANULE);
  assert.is(heap.free(c), GRANULE);
  assert.equal(heap.freeBlocks(), [
    { offset: 0, size: 64 },
    { offset: 128, size: 128 },
  ]);
  assert.is(heap.free(b), GRANULE);
  assert.equal(heap.freeBlocks(), [{ offset: 0, size: 256 }]);
  assert.is(heap.usedBytes, 0);
});

test("a full heap answers -1; an unknown or double free answers -1", () => {
  const heap = new FirstFitAllocator(4096);
  assert.is(heap.alloc(4096, 4096), 0);
  assert.is(heap.alloc(1, 64), -1);
  assert.is(heap.free(64), -1, "not the start of an allocation");
  assert.is(heap.free(0), 4096);
  assert.is(heap.free(0), -1, "double free");
});

test("many random allocations and frees never overlap and all coalesce at the end", () => {
  const heap = new FirstFitAllocator(1 << 20);
  const live = new Map<number, number>();
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 2000; i++) {
    if (live.size > 0 && rand(3) === 0) {
      const keys = [...live.keys()];
      const offset = keys[rand(keys.length)]!;
      heap.free(offset);
      live.delete(offset);
    } else {
      const size = 1 + rand(20000);
      const align = 1 << (6 + rand(7));
      const offset = heap.alloc(size, align);
      if (offset < 0) continue;
      assert.is(offset % align, 0);
      for (const [o, s] of live) assert.ok(offset + size <= o || o + s <= offset, "overlap");
      live.set(offset, size);
    }
  }
  for (const offset of live.keys()) heap.free(offset);
  assert.equal(heap.freeBlocks(), [{ offset: 0, size: 1 << 20 }]);
});

test.run();
