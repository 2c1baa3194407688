import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  HANDLE_DIRECT_IO,
  HANDLE_SYNC_IO,
  NVMED_CACHE_SIZE,
  nvmed_close,
  nvmed_discard,
  nvmed_feature_set,
  nvmed_flush,
  nvmed_handle_create,
  nvmed_handle_destroy,
  nvmed_pread,
  nvmed_pwrite,
  nvmed_queue_create,
  nvmed_queue_destroy,
} from "../../src/index.js";
import { ioCommands, OPC, openSoft, pattern, softDevice } from "./soft-device.js";

async function setup(opts: Parameters<typeof softDevice>[0] = {}) {
  const dev = softDevice(opts);
  const nvmed = await openSoft(dev);
  const q = (await nvmed_queue_create(nvmed))!;
  const buffered = nvmed_handle_create(q, 0)!;
  const sync = nvmed_handle_create(q, HANDLE_SYNC_IO)!;
  const direct = nvmed_handle_create(q, HANDLE_DIRECT_IO)!;
  const done = async () => {
    for (const h of [buffered, sync, direct]) nvmed_handle_destroy(h);
    assert.is(await nvmed_queue_destroy(q), 0);
    assert.is(await nvmed_close(nvmed), 0);
  };
  return { dev, nvmed, q, buffered, sync, direct, done };
}

const lba = (c: { dwords: Uint32Array }) => c.dwords[10]! + c.dwords[11]! * 2 ** 32;
const nlb = (c: { dwords: Uint32Array }) => (c.dwords[12]! & 0xffff) + 1;

test("write-back: buffered writes stay dirty until nvmed_flush, which writes merged runs then NVMe Flush", async () => {
  const s = await setup();
  const n0 = s.dev.rig.device.commands.length;
  // pages 0,1,2 and 5 dirty, written out of order: two runs
  for (const page of [2, 0, 5, 1])
    assert.is(await nvmed_pwrite(s.buffered, new Uint8Array(4096).fill(page + 1), 4096, page * 4096), 4096);
  assert.is(ioCommands(s.dev, n0).length, 0, "whole pages: no read, no write");
  assert.is(s.dev.backend[0], 0);
  assert.is(s.nvmed.cache!.table.dirtyCount, 4);
  assert.is(await nvmed_flush(s.buffered), 0);
  const cmds = ioCommands(s.dev, n0);
  assert.equal(
    cmds.map((c) => [c.opcode, c.opcode === OPC.flush ? 0 : lba(c), c.opcode === OPC.flush ? 0 : nlb(c)]),
    [
      [OPC.write, 0, 24],
      [OPC.write, 40, 8],
      [OPC.flush, 0, 0],
    ],
  );
  assert.is(s.dev.backend[2 * 4096], 3);
  assert.is(s.nvmed.cache!.table.dirtyCount, 0);
  await s.done();
});

test("nvmed_flush: no NVMe Flush when the controller has no volatile write cache", async () => {
  const s = await setup({ vwc: false });
  await nvmed_pwrite(s.buffered, new Uint8Array(10), 10, 0);
  const n0 = s.dev.rig.device.commands.length;
  assert.is(await nvmed_flush(s.buffered), 0);
  assert.equal(
    ioCommands(s.dev, n0).map((c) => c.opcode),
    [OPC.write],
  );
  await s.done();
});

test("read-modify-write: a partial page not cached is read first, its other bytes kept", async () => {
  const s = await setup();
  s.dev.backend.set(pattern(4096, 7), 4096);
  const n0 = s.dev.rig.device.commands.length;
  assert.is(await nvmed_pwrite(s.buffered, new Uint8Array([9, 9]), 2, 4096 + 100), 2);
  assert.equal(
    ioCommands(s.dev, n0).map((c) => [c.opcode, lba(c), nlb(c)]),
    [[OPC.read, 8, 8]],
  );
  await nvmed_flush(s.buffered);
  const want = pattern(4096, 7);
  want[100] = 9;
  want[101] = 9;
  assert.equal(s.dev.backend.subarray(4096, 8192), want);
  await s.done();
});

test("HANDLE_SYNC_IO: write-through (on the device when the call resolves, page clean)", async () => {
  const s = await setup();
  assert.is(await nvmed_pwrite(s.sync, new Uint8Array([5, 6, 7]), 3, 9000), 3);
  assert.equal([...s.dev.backend.subarray(9000, 9003)], [5, 6, 7]);
  assert.is(s.nvmed.cache!.table.dirtyCount, 0);
  await s.done();
});

test("hits are served from the cache: a second read of the same bytes sends nothing", async () => {
  const s = await setup();
  s.dev.backend.set(pattern(8192, 8), 0);
  const b = new Uint8Array(5000);
  await nvmed_pread(s.buffered, b, 5000, 1000);
  const n0 = s.dev.rig.device.commands.length;
  const c = new Uint8Array(5000);
  assert.is(await nvmed_pread(s.buffered, c, 5000, 1000), 5000);
  assert.is(s.dev.rig.device.commands.length, n0);
  assert.equal(c, pattern(8192, 8).subarray(1000, 6000));
  await s.done();
});

test("bounded LRU: eviction writes a dirty victim first, keeps the bound, evicts least recently used", async () => {
  const s = await setup();
  assert.is(nvmed_feature_set(s.nvmed, NVMED_CACHE_SIZE, 3), 3);
  const cache = s.nvmed.cache!;
  for (const p of [0, 1, 2])
    await nvmed_pwrite(s.buffered, new Uint8Array(4096).fill(p + 10), 4096, p * 4096);
  await nvmed_pread(s.buffered, new Uint8Array(1), 1, 0); // page 0 becomes most recently used
  const n0 = s.dev.rig.device.commands.length;
  await nvmed_pwrite(s.buffered, new Uint8Array(4096).fill(99), 4096, 10 * 4096);
  assert.is(cache.table.size, 3);
  assert.equal(cache.table.indices().sort(), [0, 10, 2].sort(), "page 1 (LRU) was evicted");
  const writes = ioCommands(s.dev, n0).filter((c) => c.opcode === OPC.write);
  assert.ok(writes.length >= 1);
  assert.is(s.dev.backend[4096], 11, "the dirty victim reached the device before it left");
  assert.is(cache.stats.evictions, 1);
  // shrinking is lazy: the next cached I/O evicts down to the bound
  nvmed_feature_set(s.nvmed, NVMED_CACHE_SIZE, 1);
  await nvmed_pread(s.buffered, new Uint8Array(1), 1, 20 * 4096);
  assert.is(cache.table.size, 1);
  for (const [p, v] of [
    [0, 10],
    [2, 12],
    [10, 99],
  ])
    assert.is(s.dev.backend[p! * 4096], v, `page ${p} written back on eviction`);
  await s.done();
});

test("an I/O larger than the cache goes through it window by window", async () => {
  const s = await setup();
  nvmed_feature_set(s.nvmed, NVMED_CACHE_SIZE, 2);
  const data = pattern(40000, 9);
  assert.is(await nvmed_pwrite(s.buffered, data, 40000, 300), 40000);
  assert.ok(s.nvmed.cache!.table.size <= 2);
  const back = new Uint8Array(40000);
  assert.is(await nvmed_pread(s.buffered, back, 40000, 300), 40000);
  assert.equal(back, data);
  await nvmed_flush(s.buffered);
  assert.equal(s.dev.backend.subarray(300, 40300), data);
  await s.done();
});

test("coherence: direct reads see dirty buffered writes; buffered reads see direct writes over cached pages", async () => {
  const s = await setup();
  await nvmed_pwrite(s.buffered, new Uint8Array([1, 2, 3]), 3, 513);
  const d = new Uint8Array(1024);
  assert.is(await nvmed_pread(s.direct, d, 1024, 0), 1024);
  assert.equal([...d.subarray(512, 517)], [0, 1, 2, 3, 0], "dirty bytes laid over the device's");
  assert.is(s.dev.backend[513], 0, "still not on the device");
  await nvmed_pwrite(s.direct, new Uint8Array(512).fill(8), 512, 512);
  const b = new Uint8Array(4);
  await nvmed_pread(s.buffered, b, 4, 512);
  assert.equal([...b], [8, 8, 8, 8], "the cached page took the direct write");
  await nvmed_flush(s.buffered);
  assert.equal(
    [...s.dev.backend.subarray(512, 516)],
    [8, 8, 8, 8],
    "write-back did not undo the direct write",
  );
  await s.done();
});

test("nvmed_discard: LBA (not bytes) in the range; cached pages dropped; aligned only; nothing sent on bad input", async () => {
  const s = await setup();
  s.dev.backend.fill(0x55, 0, 16384);
  await nvmed_pwrite(s.buffered, new Uint8Array([7]), 1, 100); // dirty page 0 outside the range's sectors
  await nvmed_pread(s.buffered, new Uint8Array(1), 1, 4096); // page 1 cached clean
  const n0 = s.dev.rig.device.commands.length;
  assert.is(await nvmed_discard(s.buffered, 100, 512), -1);
  assert.is(await nvmed_discard(s.buffered, 512, 100), -1);
  assert.is(await nvmed_discard(s.buffered, s.nvmed.capacity - 512, 1024), -1);
  assert.is(s.dev.rig.device.commands.length, n0, "nothing submitted");
  assert.is(await nvmed_discard(s.buffered, 0, 0), 0);
  assert.is(await nvmed_discard(s.buffered, 1024, 4096), 0);
  const dsm = ioCommands(s.dev, n0).filter((c) => c.opcode === OPC.dsm);
  assert.is(dsm.length, 1);
  assert.is(dsm[0]!.dwords[10]! & 0xff, 0, "one range (NR 0)");
  assert.is((dsm[0]!.dwords[11]! >>> 2) & 1, 1, "attribute Deallocate");
  assert.ok(
    s.dev.backend.subarray(1024, 5120).every((x) => x === 0),
    "LBAs 2..9 deallocated (read as zeroes)",
  );
  assert.is(s.dev.backend[1023], 0x55, "the byte before the range kept");
  assert.is(
    s.dev.backend[5120],
    0x55,
    "the byte after the range kept (a byte offset as LBA would have hit LBA 1024)",
  );
  assert.is(s.dev.backend[100], 7, "the dirty byte outside the range was written back first");
  const b = new Uint8Array(8);
  await nvmed_pread(s.buffered, b, 8, 1020);
  assert.equal(
    [...b],
    [0x55, 0x55, 0x55, 0x55, 0, 0, 0, 0],
    "deallocated blocks read as the device returns them",
  );
  await s.done();
});

test("close writes dirty pages back; reopening on the same backend finds them", async () => {
  const backend = new ArrayBuffer(2048 * 512);
  const s = await setup({ backend });
  await nvmed_pwrite(s.buffered, pattern(3000, 10), 3000, 12345);
  await s.done();
  assert.equal(new Uint8Array(backend, 12345, 3000), pattern(3000, 10));
  const dev2 = softDevice({ backend });
  const again = await openSoft(dev2);
  const q = (await nvmed_queue_create(again))!;
  const h = nvmed_handle_create(q, 0)!;
  const b = new Uint8Array(3000);
  assert.is(await nvmed_pread(h, b, 3000, 12345), 3000);
  assert.equal(b, pattern(3000, 10));
  nvmed_handle_destroy(h);
  await nvmed_queue_destroy(q);
  assert.is(await nvmed_close(again), 0);
});

test("concurrent: a direct write racing a buffered read of the same page ends with the direct write cached", async () => {
  const s = await setup();
  s.dev.backend.fill(1, 0, 4096);
  const b = new Uint8Array(16);
  const [r, w] = await Promise.all([
    nvmed_pread(s.buffered, b, 16, 0),
    nvmed_pwrite(s.direct, new Uint8Array(512).fill(2), 512, 0),
  ]);
  assert.is(r, 16);
  assert.is(w, 512);
  const after = new Uint8Array(16);
  await nvmed_pread(s.buffered, after, 16, 0);
  assert.equal([...after], new Array(16).fill(2), "the cached page holds what the device holds");
  await s.done();
});

test.run();
