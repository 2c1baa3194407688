import { test } from "uvu";
import * as assert from "uvu/assert";
import { DmaArena, InThreadTransport, nvmeStatus, resolvePrps, resolveSgl } from "../../../src/index.js";
import { enableByHand, pollOne, putAddr, rawAdminChannel, runRaw } from "./raw-host.js";

const PAGE = 4096;

function sqe(prp1: number, prp2: number): Uint32Array {
  const dw = new Uint32Array(16);
  putAddr(dw, 6, prp1);
  putAddr(dw, 8, prp2);
  return dw;
}

function putEntry(list: Uint8Array, index: number, iova: number): void {
  const v = new DataView(list.buffer, list.byteOffset);
  v.setUint32(index * 8, iova % 0x1_0000_0000, true);
  v.setUint32(index * 8 + 4, Math.floor(iova / 0x1_0000_0000), true);
}

const lengths = (t: { segments: readonly { length: number }[] }) => t.segments.map((s) => s.length);

test("PRP1 only, with an offset; PRP1 + PRP2 as a page", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const data = arena.alloc(2 * PAGE);
  assert.equal(lengths(resolvePrps(arena, sqe(data.iova + 512, 0), 1024, PAGE)), [1024]);
  const two = resolvePrps(arena, sqe(data.iova + 512, data.iova + PAGE), 4096, PAGE);
  assert.equal(lengths(two), [3584, 512]);
  assert.equal(two.listIovas, []);
  assert.throws(() => resolvePrps(arena, sqe(data.iova + 2, 0), 16, PAGE), /not dword aligned/);
  assert.throws(() => resolvePrps(arena, sqe(data.iova, data.iova + 8), 8192, PAGE), /not page aligned/);
});

test("a PRP list of 3 pages", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const data = arena.alloc(4 * PAGE);
  const list = arena.alloc(PAGE);
  for (let i = 0; i < 3; i++) putEntry(list.bytes, i, data.iova + (i + 1) * PAGE);
  const t = resolvePrps(arena, sqe(data.iova, list.iova), 4 * PAGE, PAGE);
  assert.equal(lengths(t), [PAGE, PAGE, PAGE, PAGE]);
  assert.equal(t.listIovas, [list.iova]);
});

test("a chained PRP list: 513 pages after PRP1 need two list pages", () => {
  const arena = new DmaArena({ size: 8 << 20 });
  const pages = 514;
  const data = arena.alloc(pages * PAGE);
  for (let p = 0; p < pages; p++) data.bytes[p * PAGE] = p & 0xff;
  const list1 = arena.alloc(PAGE);
  const list2 = arena.alloc(PAGE);
  // 511 data entries, then the chain pointer in the last slot, then the remaining 2 entries.
  for (let i = 0; i < 511; i++) putEntry(list1.bytes, i, data.iova + (i + 1) * PAGE);
  putEntry(list1.bytes, 511, list2.iova);
  putEntry(list2.bytes, 0, data.iova + 512 * PAGE);
  putEntry(list2.bytes, 1, data.iova + 513 * PAGE);
  const t = resolvePrps(arena, sqe(data.iova, list1.iova), pages * PAGE, PAGE);
  assert.is(t.segments.length, pages);
  assert.equal(t.listIovas, [list1.iova, list2.iova]);
  assert.equal(
    t.segments.map((s) => s.bytes![0]),
    Array.from({ length: pages }, (_, p) => p & 0xff),
  );
});

test("exactly 512 pages after PRP1 fit one list page without a chain", () => {
  const arena = new DmaArena({ size: 8 << 20 });
  const data = arena.alloc(513 * PAGE);
  const list = arena.alloc(PAGE);
  for (let i = 0; i < 512; i++) putEntry(list.bytes, i, data.iova + (i + 1) * PAGE);
  const t = resolvePrps(arena, sqe(data.iova, list.iova), 513 * PAGE, PAGE);
  assert.is(t.segments.length, 513);
  assert.equal(t.listIovas, [list.iova]);
});

test("a list pointer with an offset chains early: 2 slots, the second a chain pointer", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const data = arena.alloc(4 * PAGE);
  const list1 = arena.alloc(PAGE);
  const list2 = arena.alloc(PAGE);
  putEntry(list1.bytes, 510, data.iova + PAGE);
  putEntry(list1.bytes, 511, list2.iova);
  putEntry(list2.bytes, 0, data.iova + 2 * PAGE);
  putEntry(list2.bytes, 1, data.iova + 3 * PAGE);
  const t = resolvePrps(arena, sqe(data.iova, list1.iova + 510 * 8), 4 * PAGE, PAGE);
  assert.is(t.segments.length, 4);
  assert.equal(t.listIovas, [list1.iova + 510 * 8, list2.iova]);
});

test("SGL: a last segment of two data blocks", () => {
  const arena = new DmaArena({ size: 1 << 20 });
  const a = arena.alloc(100);
  const b = arena.alloc(300);
  const seg = arena.alloc(32);
  const v = new DataView(seg.bytes.buffer, seg.bytes.byteOffset);
  for (const [i, buf, len] of [
    [0, a, 100],
    [1, b, 300],
  ] as const) {
    v.setUint32(i * 16, buf.iova % 0x1_0000_0000, true);
    v.setUint32(i * 16 + 4, Math.floor(buf.iova / 0x1_0000_0000), true);
    v.setUint32(i * 16 + 8, len, true);
    v.setUint8(i * 16 + 15, 0x00); // data block
  }
  const t = resolveSgl(arena, { address: seg.iova, length: 32, type: 3, subtype: 0 }, 400, false);
  assert.equal(lengths(t), [100, 300]);
  assert.throws(
    () => resolveSgl(arena, { address: seg.iova, length: 32, type: 3, subtype: 0 }, 401, false),
    /needs 401/,
  );
});

test("write then read through an I/O queue with a PRP list, and the data is recorded", async () => {
  const transport = new InThreadTransport();
  await transport.connect(
    { trtype: 4096, adrfam: 0, traddr: "soft0", trsvcid: "", subnqn: "", trstring: "SOFT" },
    {} as never,
  );
  const conn = transport.connection("soft0")!;
  const ctrl = transport.controller("soft0");
  const admin = await enableByHand(conn);
  const io = await conn.createIoQueue(
    { qid: 1, depth: 16, priority: 0, useCmbSq: false, interrupts: false, capsuleDataBytes: 0 },
    rawAdminChannel(admin),
  );
  const buf = conn.dma.alloc(3 * PAGE);
  for (let i = 0; i < buf.bytes.length; i++) buf.bytes[i] = (i * 7) & 0xff;
  const list = conn.dma.alloc(PAGE);
  putEntry(list.bytes, 0, buf.iova + PAGE);
  putEntry(list.bytes, 1, buf.iova + 2 * PAGE);
  const rw = (opcode: number, nsid: number, slba: number, blocks: number) => {
    const dw = new Uint32Array(16);
    dw[0] = opcode;
    dw[1] = nsid;
    putAddr(dw, 6, buf.iova);
    putAddr(dw, 8, list.iova);
    dw[10] = slba;
    dw[12] = blocks - 1;
    return runRaw(io, dw)!;
  };
  assert.is(rw(0x01, 1, 8, 24).status, 0);
  const written = ctrl.lastCommand(1)!;
  assert.is(written.direction, "toDevice");
  assert.equal(written.data, buf.bytes.slice());
  assert.equal(written.listIovas, [list.iova]);
  const expected = buf.bytes.slice();
  buf.bytes.fill(0);
  assert.is(rw(0x02, 1, 8, 24).status, 0);
  assert.equal(buf.bytes, expected);
  assert.is(rw(0x02, 1, 16380, 24).status, nvmeStatus(0, 0x80, { dnr: true }), "LBA out of range");
  assert.is(rw(0x02, 7, 0, 1).status, nvmeStatus(0, 0x0b, { dnr: true }), "inactive namespace");
  ctrl.failLba(1, 10, nvmeStatus(2, 0x81), 1);
  assert.is(rw(0x02, 1, 8, 24).status, nvmeStatus(2, 0x81), "injected unrecovered read error");
  assert.is(rw(0x02, 1, 8, 24).status, 0, "only once");
  buf.bytes[5] ^= 0xff;
  assert.is(rw(0x05, 1, 8, 24).status, nvmeStatus(2, 0x85, { dnr: true }), "compare failure");
  assert.is(pollOne(io), undefined);
  assert.equal(ctrl.diagnostics, []);
});

test.run();
