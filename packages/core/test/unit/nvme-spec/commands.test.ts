import { test } from "uvu";
import * as assert from "uvu/assert";
import { NvmeCommand } from "../../../src/nvme-spec/command.js";
import * as cmds from "../../../src/nvme-spec/commands.js";

/** The 16 dwords of a command as a plain array, for exact comparison. */
function dws(c: NvmeCommand): number[] {
  return Array.from(c.dw);
}

/** A command pre-filled with garbage, so the tests also prove the builders clear it first. */
function dirty(): NvmeCommand {
  return new NvmeCommand(new Uint32Array(16).fill(0xdeadbeef));
}

test("identify controller / namespace / active list", () => {
  assert.equal(dws(cmds.identify(dirty(), 0x01, 0)), [0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0]);
  assert.equal(dws(cmds.identify(dirty(), 0x00, 1)), [0x06, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // CNS 05h with CSI 2 (zoned), CNTID 3 in 31:16
  const c = cmds.identify(dirty(), 0x05, 7, 3, 2);
  assert.is(c.cdw10, 0x00030005);
  assert.is(c.cdw11, 0x02000000);
});

test("get log page: SMART 512 bytes, global", () => {
  const c = cmds.getLogPage(dirty(), 0x02, 0xffffffff, 512);
  assert.equal(dws(c), [0x02, 0xffffffff, 0, 0, 0, 0, 0, 0, 0, 0, 0x007f0002, 0, 0, 0, 0, 0]);
  const e = cmds.getLogPage(dirty(), 0x05, 0, 4096, 8192, { rae: true });
  assert.is(e.cdw10, 0x03ff8005);
  assert.is(e.cdw12, 8192);
});

test("set / get features", () => {
  const s = cmds.setFeatures(dirty(), 0x07, 0x00030003);
  assert.equal(dws(s), [0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x00030003, 0, 0, 0, 0]);
  const sv = cmds.setFeatures(dirty(), 0x0d, 1, { save: true, nsid: 1, cdw12: 256, cdw13: 0x1000, cdw15: 4 });
  assert.equal(dws(sv), [0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x8000000d, 1, 256, 0x1000, 0, 4]);
  const g = cmds.getFeatures(dirty(), 0x04, 2, 0x00100000);
  assert.equal(dws(g), [0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0204, 0x00100000, 0, 0, 0, 0]);
});

test("create and delete I/O queues", () => {
  // CQ 1 of 1024 entries, interrupts on vector 1, contiguous
  const cq = cmds.createIoCq(dirty(), 1, 1024, { interruptsEnabled: true, vector: 1 });
  assert.equal(dws(cq), [0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03ff0001, 0x00010003, 0, 0, 0, 0]);
  assert.is(cmds.createIoCq(dirty(), 2, 256).cdw11, 1, "polled, contiguous by default");
  // SQ 1 of 1024 entries on CQ 1, urgent priority (0), contiguous
  const sq = cmds.createIoSq(dirty(), 1, 1024, 1);
  assert.equal(dws(sq), [0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03ff0001, 0x00010001, 0, 0, 0, 0]);
  assert.is(cmds.createIoSq(dirty(), 3, 64, 2, 3, false).cdw11, 0x00020006);
  assert.equal(dws(cmds.deleteIoSq(dirty(), 5)), [0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0]);
  assert.equal(dws(cmds.deleteIoCq(dirty(), 5)), [0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0]);
  assert.throws(() => cmds.createIoSq(dirty(), 1, 1, 1));
  assert.throws(() => cmds.createIoCq(dirty(), 1, 65537));
});

test("abort, AER, keep alive", () => {
  assert.is(cmds.abort(dirty(), 2, 0x1234).cdw10, 0x12340002);
  assert.equal(dws(cmds.asyncEventRequest(dirty())), [0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(dws(cmds.keepAlive(dirty())), [0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test("namespace management and attachment", () => {
  const create = cmds.namespaceManagement(dirty(), true, 0, 2);
  assert.equal([create.opcode, create.nsid, create.cdw10, create.cdw11], [0x0d, 0, 0, 0x02000000]);
  const del = cmds.namespaceManagement(dirty(), false, 3);
  assert.equal([del.opcode, del.nsid, del.cdw10, del.cdw11], [0x0d, 3, 1, 0]);
  const att = cmds.namespaceAttachment(dirty(), 3, true);
  assert.equal([att.opcode, att.nsid, att.cdw10], [0x15, 3, 0]);
  assert.is(cmds.namespaceAttachment(dirty(), 3, false).cdw10, 1);
});

test("format NVM: LBAFL 3:0, MSET 4, PI 7:5, PIL 8, SES 11:9, LBAFU 13:12", () => {
  const f = cmds.formatNvm(dirty(), 1, { lbaf: 2, mset: 1, pi: 1, pil: 1, ses: 1 });
  assert.equal([f.opcode, f.nsid, f.cdw10], [0x80, 1, 0x2 | 0x10 | 0x20 | 0x100 | 0x200]);
  assert.is(cmds.formatNvm(dirty(), 1, { lbaf: 0x25 }).cdw10, 0x5 | (2 << 12));
});

test("firmware download and commit", () => {
  const d = cmds.firmwareImageDownload(dirty(), 4096, 8192);
  assert.equal([d.opcode, d.cdw10, d.cdw11], [0x11, 1023, 2048]);
  const c = cmds.firmwareCommit(dirty(), 2, 1);
  assert.equal([c.opcode, c.cdw10], [0x10, 0x0a]);
  assert.is(cmds.firmwareCommit(dirty(), 0, 7, true).cdw10, 0x80000038);
  assert.throws(() => cmds.firmwareImageDownload(dirty(), 6, 0));
});

test("device self-test", () => {
  const c = cmds.deviceSelfTest(dirty(), 0xffffffff, 1);
  assert.equal([c.opcode, c.nsid, c.cdw10], [0x14, 0xffffffff, 1]);
});

test("read/write dwords exactly", () => {
  // Read nsid 1, SLBA 0x1_0000_0010, 8 blocks, FUA: CDW12 = 7 | 1<<30
  const r = cmds.readWrite(dirty(), 0x02, 1, 0x1_0000_0010, 8, 1 << 30);
  assert.equal(dws(r), [0x02, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x1, 0x40000007, 0, 0, 0]);
  // Write with PI: PRACT|PRCHK guard, DSM 0x7, reftag, apptag/mask; LR bit 31
  const w = cmds.readWrite(dirty(), 0x01, 2, 100, 65536, (1 << 31) | (1 << 29) | (1 << 28), {
    dsm: 0x7,
    reftag: 100,
    apptag: 0xbeef,
    appmask: 0xffff,
  });
  assert.equal(dws(w), [0x01, 2, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0xb000ffff, 0x7, 100, 0xffffbeef]);
  // flag bits below 16 never leak into NLB
  assert.is(cmds.readWrite(dirty(), 0x02, 1, 0, 1, 0xffff).cdw12, 0);
});

test("compare, write zeroes, flush, DSM", () => {
  assert.is(cmds.compare(dirty(), 1, 0, 4).opcode, 0x05);
  const wz = cmds.writeZeroes(dirty(), 1, 64, 16, cmds.WRITE_ZEROES_DEALLOCATE);
  assert.equal([wz.opcode, wz.cdw10, wz.cdw11, wz.cdw12], [0x08, 64, 0, 0x0200000f]);
  assert.equal(dws(cmds.flush(dirty(), 1)), [0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const dsm = cmds.datasetManagement(dirty(), 1, 256, 4);
  assert.equal([dsm.opcode, dsm.nsid, dsm.cdw10, dsm.cdw11], [0x09, 1, 255, 4]);
});

test("reservation commands", () => {
  const reg = cmds.reservationRegister(dirty(), 1, 0, true, 3);
  assert.equal([reg.opcode, reg.nsid, reg.cdw10], [0x0d, 1, 0xc0000008]);
  const acq = cmds.reservationAcquire(dirty(), 1, 0, false, 1);
  assert.equal([acq.opcode, acq.cdw10], [0x11, 0x0100]);
  const rel = cmds.reservationRelease(dirty(), 1, 1, false, 0);
  assert.equal([rel.opcode, rel.cdw10], [0x15, 1]);
  const rep = cmds.reservationReport(dirty(), 1, 4096, true);
  assert.equal([rep.opcode, rep.cdw10, rep.cdw11], [0x0e, 1023, 1]);
});

test("builders leave the CID at 0 for the caller", () => {
  const c = dirty();
  cmds.readWrite(c, 0x02, 1, 0, 1);
  assert.is(c.cid, 0);
  c.cid = 9;
  assert.is(c.dw[0], 0x00090002);
});

test.run();
