import { test } from "uvu";
import * as assert from "uvu/assert";
import { DataPointerType, NvmeCommand, SQE_SIZE } from "../../../src/nvme-spec/command.js";

test("SQE is 64 bytes = 16 dwords", () => {
  assert.is(SQE_SIZE, 64);
  assert.is(new NvmeCommand().dw.length * 4, SQE_SIZE);
});

test("CDW0 packs opcode 7:0, fuse 9:8, psdt 15:14, cid 31:16", () => {
  const c = new NvmeCommand();
  c.opcode = 0x02;
  c.fuse = 1;
  c.psdt = DataPointerType.SglMptrContiguous;
  c.cid = 0xbeef;
  // 0xbeef << 16 | 01b << 14 | 01b << 8 | 0x02
  assert.is(c.dw[0], 0xbeef4102);
  assert.is(c.opcode, 0x02);
  assert.is(c.fuse, 1);
  assert.is(c.psdt, 1);
  assert.is(c.cid, 0xbeef);
  c.opcode = 0x81;
  assert.is(c.dw[0], 0xbeef4181, "setting one field leaves the others");
});

test("DataPointerType values are PSDT values", () => {
  assert.is(DataPointerType.Prp, 0);
  assert.is(DataPointerType.SglMptrContiguous, 1);
  assert.is(DataPointerType.SglMptrSgl, 2);
});

test("64-bit pointers split low dword first: MPTR dw4-5, PRP1 dw6-7, PRP2 dw8-9", () => {
  const c = new NvmeCommand();
  c.mptr = 0x1_2345_6789_a000; // below 2^53
  c.prp1 = 0xffff_ffff_f000;
  c.prp2 = 0x1000;
  assert.equal(Array.from(c.dw.subarray(4, 10)), [0x6789a000, 0x12345, 0xfffff000, 0xffff, 0x1000, 0]);
  assert.is(c.mptr, 0x1_2345_6789_a000);
  assert.is(c.prp1, 0xffff_ffff_f000);
  assert.is(c.prp2, 0x1000);
});

test("nsid, cdw2, cdw3, cdw10..15 map to their dwords", () => {
  const c = new NvmeCommand();
  c.nsid = 0xffffffff;
  c.cdw2 = 2;
  c.cdw3 = 3;
  c.cdw10 = 10;
  c.cdw11 = 11;
  c.cdw12 = 12;
  c.cdw13 = 13;
  c.cdw14 = 14;
  c.cdw15 = 0x80000000;
  assert.equal(Array.from(c.dw), [0, 0xffffffff, 2, 3, 0, 0, 0, 0, 0, 0, 10, 11, 12, 13, 14, 0x80000000]);
});

test("encodes in place over a ring view; clear and copyFrom touch only 16 dwords", () => {
  const ring = new Uint32Array(32).fill(7);
  const slot = new NvmeCommand(ring.subarray(16, 32));
  const prepared = new NvmeCommand();
  prepared.opcode = 1;
  prepared.nsid = 5;
  slot.copyFrom(prepared);
  assert.is(ring[16], 1);
  assert.is(ring[17], 5);
  assert.is(ring[18], 0);
  assert.is(ring[15], 7);
  const whole = new NvmeCommand(ring);
  whole.clear();
  assert.is(ring[15], 0);
  assert.is(ring[16], 1, "dwords beyond the first 16 untouched");
});

test("rejects a view shorter than 16 dwords", () => {
  assert.throws(() => new NvmeCommand(new Uint32Array(8)));
});

test.run();
