import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  HANDLE_DIRECT_IO,
  HANDLE_HINT_DMEM,
  HANDLE_SYNC_IO,
  type NVMED,
  type NVMED_HANDLE,
  NVMED_NO_CACHE,
  type NVMED_QUEUE,
  nvmed_close,
  nvmed_get_buffer,
  nvmed_handle_create,
  nvmed_handle_create_mq,
  nvmed_handle_destroy,
  nvmed_handle_destroy_mq,
  nvmed_handle_feature_set,
  nvmed_lseek,
  nvmed_pread,
  nvmed_pwrite,
  nvmed_queue_create,
  nvmed_queue_destroy,
  nvmed_read,
  nvmed_write,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from "../../src/index.js";
import { ioCommands, OPC, openSoft, pattern, type SoftDevice, softDevice } from "./soft-device.js";

interface Open {
  dev: SoftDevice;
  nvmed: NVMED;
  q: NVMED_QUEUE;
  h: NVMED_HANDLE;
}

async function setup(handleFlags: number, openFlags = 0, dev = softDevice()): Promise<Open> {
  const nvmed = await openSoft(dev, openFlags);
  const q = (await nvmed_queue_create(nvmed))!;
  const h = nvmed_handle_create(q, handleFlags)!;
  return { dev, nvmed, q, h };
}

async function teardown(o: Open): Promise<void> {
  nvmed_handle_destroy(o.h);
  assert.is(await nvmed_queue_destroy(o.q), 0);
  assert.is(await nvmed_close(o.nvmed), 0);
}

test("nvmed_lseek: SET, CUR, END as the seed defines them; -1 out of range, offset unchanged", async () => {
  const o = await setup(HANDLE_DIRECT_IO);
  const cap = o.nvmed.capacity;
  assert.is(nvmed_lseek(o.h, 4096, SEEK_SET), 4096);
  assert.is(nvmed_lseek(o.h, 512, SEEK_CUR), 4608);
  assert.is(nvmed_lseek(o.h, -608, SEEK_CUR), 4000);
  assert.is(nvmed_lseek(o.h, 1024, SEEK_END), cap - 1024, "END is capacity minus offset");
  assert.is(nvmed_lseek(o.h, 0, SEEK_END), cap);
  assert.is(nvmed_lseek(o.h, cap, SEEK_SET), -1);
  assert.is(nvmed_lseek(o.h, -1, SEEK_SET), -1);
  assert.is(nvmed_lseek(o.h, cap + 1, SEEK_END), -1);
  assert.is(nvmed_lseek(o.h, -1, SEEK_END), -1);
  assert.is(nvmed_lseek(o.h, 0, 7), -1);
  assert.is(o.h.offset, cap, "failed seeks leave the offset");
  assert.is(nvmed_lseek(o.h, 100, SEEK_SET), 100);
  assert.is(nvmed_lseek(o.h, cap, SEEK_CUR), -1);
  await teardown(o);
});

test("direct read/write at the handle's offset advance it and reach the device's bytes", async () => {
  const o = await setup(HANDLE_DIRECT_IO);
  const data = pattern(8192, 1);
  nvmed_lseek(o.h, 1024, SEEK_SET);
  assert.is(await nvmed_write(o.h, data, 8192), 8192);
  assert.is(o.h.offset, 1024 + 8192);
  assert.equal(o.dev.backend.subarray(1024, 1024 + 8192), data);
  nvmed_lseek(o.h, 1024, SEEK_SET);
  const back = new Uint8Array(8192);
  assert.is(await nvmed_read(o.h, back, 8192), 8192);
  assert.equal(back, data);
  assert.is(o.h.offset, 1024 + 8192);
  await teardown(o);
});

test("pread/pwrite leave the offset; count 0 is 0 with nothing submitted", async () => {
  const o = await setup(HANDLE_DIRECT_IO);
  const n0 = o.dev.rig.device.commands.length;
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(512).fill(7), 512, 2048), 512);
  assert.is(o.h.offset, 0);
  const b = new Uint8Array(512);
  assert.is(await nvmed_pread(o.h, b, 512, 2048), 512);
  assert.is(b[0], 7);
  const n1 = o.dev.rig.device.commands.length;
  assert.is(n1 - n0, 2);
  assert.is(await nvmed_pwrite(o.h, b, 0, 0), 0);
  assert.is(o.dev.rig.device.commands.length, n1);
  await teardown(o);
});

test("direct: misaligned offset or count, past the end, short buffer: -1, nothing submitted", async () => {
  const o = await setup(HANDLE_DIRECT_IO);
  const n0 = o.dev.rig.device.commands.length;
  const b = new Uint8Array(4096);
  assert.is(await nvmed_pwrite(o.h, b, 512, 100), -1);
  assert.match(o.h.lastError!.message, /aligned/);
  assert.is(await nvmed_pwrite(o.h, b, 100, 0), -1);
  assert.is(await nvmed_pread(o.h, b, 1024, o.nvmed.capacity - 512), -1);
  assert.match(o.h.lastError!.message, /past/);
  assert.is(await nvmed_pread(o.h, b, 8192, 0), -1, "count above buf.byteLength");
  assert.is(await nvmed_pread(o.h, b, 512, -512), -1);
  nvmed_lseek(o.h, 100, SEEK_SET);
  assert.is(await nvmed_read(o.h, b, 512), -1);
  assert.is(o.h.offset, 100, "a failed read does not advance");
  assert.is(o.dev.rig.device.commands.length, n0, "nothing reached the controller");
  await teardown(o);
});

test("destroyed handles, destroyed queues, closed devices: -1, nothing submitted", async () => {
  const o = await setup(HANDLE_DIRECT_IO);
  const n0 = o.dev.rig.device.commands.length;
  nvmed_handle_destroy(o.h);
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(512), 512, 0), -1);
  assert.is(nvmed_lseek(o.h, 0, SEEK_SET), -1);
  assert.is(await nvmed_pread(null, new Uint8Array(512), 512, 0), -1);
  assert.is(o.dev.rig.device.commands.length, n0);
  assert.is(await nvmed_queue_destroy(o.q), 0);
  assert.is(await nvmed_close(o.nvmed), 0);
});

test("HANDLE_HINT_DMEM: nvmed_get_buffer memory used as is; a foreign buffer is -1 with nothing submitted", async () => {
  const o = await setup(HANDLE_DIRECT_IO | HANDLE_HINT_DMEM);
  const dmem = nvmed_get_buffer(o.nvmed, 2)!;
  dmem.set(pattern(8192, 2));
  const n0 = o.dev.rig.device.commands.length;
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(8192), 8192, 0), -1);
  assert.match(o.h.lastError!.message, /nvmed_get_buffer/);
  const other = await openSoft(softDevice());
  assert.is(await nvmed_pwrite(o.h, nvmed_get_buffer(other, 2)!, 8192, 0), -1, "another device's buffer");
  assert.is(o.dev.rig.device.commands.length, n0);
  assert.is(await nvmed_pwrite(o.h, dmem, 8192, 0), 8192);
  assert.is(await nvmed_pwrite(o.h, dmem.subarray(4096), 4096, 8192), 4096, "a part of one is fine");
  const w = ioCommands(o.dev, n0).filter((c) => c.opcode === OPC.write);
  assert.is(w.length, 2);
  const prp1 = w[0]!.dwords[6]! + w[0]!.dwords[7]! * 2 ** 32;
  assert.is(prp1, o.nvmed.ctrlr.dma.iovaOf(dmem), "the device moved the buffer itself: no bounce");
  assert.equal(o.dev.backend.subarray(0, 8192), dmem);
  assert.is(await nvmed_close(other), 0);
  await teardown(o);
});

test("without HINT_DMEM any buffer works (bounced); large transfers are split by MDTS invisibly", async () => {
  const o = await setup(HANDLE_DIRECT_IO, 0, softDevice({ mdts: 1 })); // 8 KiB per command
  const data = pattern(64 * 1024, 3);
  const n0 = o.dev.rig.device.commands.length;
  assert.is(await nvmed_pwrite(o.h, data, data.length, 4096), data.length);
  assert.is(ioCommands(o.dev, n0).length, 8, "eight 8 KiB commands");
  const back = new Uint8Array(data.length + 3).subarray(3); // misaligned view of plain memory
  assert.is(await nvmed_pread(o.h, back, data.length, 4096), data.length);
  assert.equal(back, data);
  await teardown(o);
});

test("buffered handles take any byte offset and length", async () => {
  const o = await setup(0);
  const data = pattern(10000, 4);
  assert.is(await nvmed_pwrite(o.h, data, 10000, 777), 10000);
  const back = new Uint8Array(10000);
  assert.is(await nvmed_pread(o.h, back, 10000, 777), 10000);
  assert.equal(back, data);
  await teardown(o);
});

test("NVMED_NO_CACHE buffered handles: unaligned bytes through read-modify-write, written at once", async () => {
  const o = await setup(0, NVMED_NO_CACHE);
  o.dev.backend.fill(0xaa, 0, 4096);
  assert.is(await nvmed_pwrite(o.h, new Uint8Array([1, 2, 3]), 3, 510), 3);
  assert.equal(
    [...o.dev.backend.subarray(508, 515)],
    [0xaa, 0xaa, 1, 2, 3, 0xaa, 0xaa],
    "on the device, neighbours kept",
  );
  const b = new Uint8Array(5);
  assert.is(await nvmed_pread(o.h, b, 5, 509), 5);
  assert.equal([...b], [0xaa, 1, 2, 3, 0xaa]);
  await teardown(o);
});

test("feature_set really switches the path: buffered writes stay in the cache, direct ones reach the device", async () => {
  const o = await setup(0);
  const n0 = o.dev.rig.device.commands.length;
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(4096).fill(1), 4096, 0), 4096);
  assert.is(
    ioCommands(o.dev, n0).filter((c) => c.opcode === OPC.write).length,
    0,
    "write-back: nothing written yet",
  );
  nvmed_handle_feature_set(o.h, HANDLE_DIRECT_IO, 1);
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(4096).fill(2), 4096, 8192), 4096);
  assert.is(ioCommands(o.dev, n0).filter((c) => c.opcode === OPC.write).length, 1);
  assert.is(o.dev.backend[8192], 2);
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(4096), 100, 0), -1, "and it checks alignment now");
  nvmed_handle_feature_set(o.h, HANDLE_DIRECT_IO, 0);
  nvmed_handle_feature_set(o.h, HANDLE_SYNC_IO, 1);
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(10).fill(3), 10, 20000), 10);
  assert.is(o.dev.backend[20000], 3, "SYNC_IO: written through");
  await teardown(o);
});

test("multi-queue: the queue the select function picks is the one the command is submitted on", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q1 = (await nvmed_queue_create(nvmed))!;
  const q2 = (await nvmed_queue_create(nvmed))!;
  const seen: Array<[number, number, number]> = [];
  const h = nvmed_handle_create_mq([q1, q2], 2, HANDLE_DIRECT_IO, (_h, opc, off, len) => {
    seen.push([opc, off, len]);
    return off >= 8192 ? q2 : q1;
  })!;
  const n0 = dev.rig.device.commands.length;
  assert.is(await nvmed_pwrite(h, new Uint8Array(4096), 4096, 0), 4096);
  assert.is(await nvmed_pwrite(h, new Uint8Array(4096), 4096, 8192), 4096);
  assert.is(await nvmed_pread(h, new Uint8Array(512), 512, 8192), 512);
  const cmds = ioCommands(dev, n0);
  assert.equal(
    cmds.map((c) => [c.opcode, c.qid]),
    [
      [OPC.write, q1.qid],
      [OPC.write, q2.qid],
      [OPC.read, q2.qid],
    ],
  );
  assert.ok(q1.qid !== q2.qid);
  assert.equal(seen, [
    [OPC.write, 0, 4096],
    [OPC.write, 8192, 4096],
    [OPC.read, 8192, 512],
  ]);
  const h0 = nvmed_handle_create_mq([q1, q2], 2, HANDLE_DIRECT_IO, () => null)!;
  assert.is(await nvmed_pread(h0, new Uint8Array(512), 512, 0), 0, "no queue chosen: 0, as the original");
  const foreign = (await nvmed_queue_create(nvmed))!;
  const hx = nvmed_handle_create_mq([q1, q2], 2, HANDLE_DIRECT_IO, () => foreign)!;
  const n1 = dev.rig.device.commands.length;
  assert.is(await nvmed_pread(hx, new Uint8Array(512), 512, 0), -1, "a queue not of the handle");
  assert.is(dev.rig.device.commands.length, n1);
  for (const x of [h, h0, hx]) assert.is(nvmed_handle_destroy_mq(x), 0);
  for (const q of [q1, q2, foreign]) assert.is(await nvmed_queue_destroy(q), 0);
  assert.is(await nvmed_close(nvmed), 0);
});

test("4096-byte sectors: direct I/O alignment is the namespace's sector size", async () => {
  const o = await setup(HANDLE_DIRECT_IO, 0, softDevice({ blockSize: 4096, blocks: 64 }));
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(4096), 512, 0), -1);
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(4096), 4096, 512), -1);
  assert.is(await nvmed_pwrite(o.h, new Uint8Array(4096).fill(9), 4096, 4096), 4096);
  assert.is(o.dev.backend[4096], 9);
  await teardown(o);
});

test("multi-queue: a select function that throws makes the I/O -1, not a rejection", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q = (await nvmed_queue_create(nvmed))!;
  const h = nvmed_handle_create_mq([q], 1, HANDLE_DIRECT_IO, () => {
    throw new Error("boom");
  })!;
  assert.is(await nvmed_pread(h, new Uint8Array(512), 512, 0), -1);
  assert.match(h.lastError!.message, /boom/);
  assert.is(nvmed_handle_destroy_mq(h), 0);
  assert.is(await nvmed_queue_destroy(q), 0);
  assert.is(await nvmed_close(nvmed), 0);
});

test.run();
