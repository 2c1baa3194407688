import { test } from "uvu";
import * as assert from "uvu/assert";
import { DmaArena, DmaFault } from "../../src/index.js";

test("allocations are page aligned, zeroed, and above 4 GiB", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const a = arena.alloc(100);
  const b = arena.alloc(5000);
  assert.is(a.iova, 0x1_0000_0000);
  assert.is(a.iova % 4096, 0);
  assert.is(b.iova % 4096, 0);
  assert.ok(b.iova >= a.iova + 100);
  assert.is(b.bytes.length, 5000);
  assert.ok(b.bytes.every((x) => x === 0));
  assert.is(arena.allocationCount, 2);
});

test("a smaller alignment is honoured", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  arena.alloc(64, 64);
  const b = arena.alloc(512, 512);
  assert.is(b.iova % 512, 0);
  assert.ok(b.iova < 0x1_0000_0000 + 4096, "packed into the first page");
});

test("iovaOf: inside a live allocation, sub-views, and everything else", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const a = arena.alloc(8192);
  assert.is(arena.iovaOf(a.bytes), a.iova);
  assert.is(arena.iovaOf(a.bytes.subarray(100, 200)), a.iova + 100);
  assert.is(arena.iovaOf(new Uint32Array(a.bytes.buffer, a.bytes.byteOffset + 4096, 4)), a.iova + 4096);
  assert.is(arena.iovaOf(new Uint8Array(16)), -1, "not arena memory");
  assert.is(
    arena.iovaOf(arena.memory.subarray(512 * 1024, 512 * 1024 + 4)),
    -1,
    "arena memory never handed out",
  );
  arena.free(a);
  assert.is(arena.iovaOf(a.bytes), -1, "freed");
});

test("iovaOf: a freed buffer's view stays refused when its memory is handed out again", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const a = arena.alloc(4096);
  arena.free(a);
  const b = arena.alloc(4096);
  assert.is(b.iova, a.iova, "the same memory again");
  assert.is(arena.iovaOf(b.bytes), b.iova);
  assert.is(arena.iovaOf(a.bytes), -1, "the old view is of a buffer its owner gave back");
});

test("iovaOf rejects a view spilling past its allocation", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const a = arena.alloc(4096);
  arena.alloc(4096);
  const spill = arena.memory.subarray(a.iova - arena.iovaBase + 4000, a.iova - arena.iovaBase + 4200);
  assert.is(arena.iovaOf(spill), -1);
});

test("resolve gives the same bytes as the buffer, and faults outside allocations", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const a = arena.alloc(4096);
  a.bytes[10] = 0xab;
  assert.is(arena.resolve(a.iova + 10, 1)[0], 0xab);
  assert.throws(
    () => arena.resolve(0x1234, 8),
    (e: unknown) => e instanceof DmaFault && /outside/.test(e.message),
  );
  assert.throws(
    () => arena.resolve(a.iova + 8192, 8),
    (e: unknown) => e instanceof DmaFault,
  );
  assert.throws(() => arena.resolve(a.iova + 4090, 16), /past the end/);
  arena.free(a);
  assert.throws(
    () => arena.resolve(a.iova, 8),
    (e: unknown) => e instanceof DmaFault,
  );
});

test("free coalesces so a large allocation fits again", () => {
  const arena = new DmaArena({ size: 64 * 1024 });
  const parts = Array.from({ length: 16 }, () => arena.alloc(4096));
  assert.throws(() => arena.alloc(4096), /out of DMA memory/);
  for (const p of [parts[3]!, parts[1]!, parts[2]!, ...parts.slice(4), parts[0]!]) arena.free(p);
  const whole = arena.alloc(64 * 1024);
  assert.is(whole.iova, arena.iovaBase);
  arena.free(whole);
  assert.throws(() => arena.free(whole), /not a live allocation/, "double free");
});

test.run();
