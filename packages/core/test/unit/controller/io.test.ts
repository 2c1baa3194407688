// Namespace I/O through the in-thread transport: the exact command dwords, data pointers (PRP, PRP list,
// SGL), splitting by MDTS and NOIOB, and data round trips.

import { IoFlags } from "@nvmekit/core";
import {
  type Completion,
  DsmAttribute,
  ReservationAcquireAction,
  ReservationRegisterAction,
  ReservationRegisterCptpl,
  ReservationType,
} from "@nvmekit/core/nvme-spec";
import { attachInThread, NvmOpc } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hi, lo, pattern } from "./harness.js";

test("write then read: opcode, NSID, SLBA in CDW10/11, 0's based NLB in CDW12, PRP1 = buffer", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(8 * 512);
  const back = ctrlr.allocBuffer(8 * 512);
  pattern(out.bytes, 1);
  await ns.write(qp, out.bytes, 100, 8);
  await ns.read(qp, back.bytes, 100, 8);
  assert.equal(back.bytes, out.bytes);
  const [w, r] = device.commandsOn(qp.id);
  assert.equal([w!.opcode, w!.nsid, w!.dwords[10], w!.dwords[11], w!.dwords[12]], [0x01, 1, 100, 0, 7]);
  assert.equal([w!.dwords[6], w!.dwords[7]], [lo(out.iova), hi(out.iova)]);
  assert.equal([w!.dwords[8], w!.dwords[9]], [0, 0], "one page: PRP2 unused");
  assert.equal((w!.dwords[0]! >>> 14) & 3, 0, "PSDT 00b: PRPs");
  assert.equal([r!.opcode, r!.dwords[10], r!.dwords[12]], [0x02, 100, 7]);
  assert.equal(w!.data, out.bytes, "the device received exactly the buffer");
  await driver.detach(ctrlr);
});

test("two pages: PRP2 is the second page; three pages: PRP2 points at a PRP list", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(2)!; // 4096-byte blocks
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(3 * 4096);
  pattern(buf.bytes, 2);
  await ns.write(qp, buf.bytes.subarray(0, 8192), 0, 2);
  await ns.write(qp, buf.bytes, 10, 3);
  const [two, three] = device.commandsOn(qp.id);
  assert.equal([two!.dwords[8], two!.dwords[9]], [lo(buf.iova + 4096), hi(buf.iova + 4096)]);
  const listIova = three!.dwords[8]! + three!.dwords[9]! * 0x1_0000_0000;
  assert.equal(three!.listIovas, [listIova], "the controller walked one list page at PRP2");
  assert.ok(listIova % 8 === 0 && listIova !== buf.iova + 4096);
  const list = device.arena.resolve(listIova, 16);
  const entries = new DataView(list.buffer, list.byteOffset, 16);
  assert.equal(Number(entries.getBigUint64(0, true)), buf.iova + 4096);
  assert.equal(Number(entries.getBigUint64(8, true)), buf.iova + 8192);
  assert.equal(three!.data, buf.bytes);
  await driver.detach(ctrlr);
});

test("an unaligned (dword-aligned) buffer starts PRP1 mid-page", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(3 * 4096);
  const view = buf.bytes.subarray(512, 512 + 8 * 512); // 4 KiB starting 512 bytes into a page: 2 pages
  pattern(view, 3);
  await ns.write(qp, view, 0, 8);
  const w = device.commandsOn(qp.id)[0]!;
  assert.equal(w.dwords[6], lo(buf.iova + 512));
  assert.equal(w.dwords[8], lo(buf.iova + 4096), "second page");
  assert.equal(w.listIovas ?? [], []);
  const back = ctrlr.allocBuffer(8 * 512);
  await ns.read(qp, back.bytes, 0, 8);
  assert.equal(back.bytes, view);
  await driver.detach(ctrlr);
});

test("a write larger than MDTS is split into children at the MDTS boundary", async () => {
  const { driver, ctrlr, device } = await attachInThread({ mdts: 5 }); // 128 KiB
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(80 * 4096);
  pattern(buf.bytes, 4);
  await ns.write(qp, buf.bytes, 7, 80);
  const cmds = device.commandsOn(qp.id);
  assert.equal(
    cmds.map((c) => [c.dwords[10], c.dwords[12]! + 1]),
    [
      [7, 32],
      [39, 32],
      [71, 16],
    ],
  );
  assert.equal(cmds[1]!.dwords[6], lo(buf.iova + 32 * 4096), "child data starts where the previous ended");
  const back = ctrlr.allocBuffer(80 * 4096);
  await ns.read(qp, back.bytes, 7, 80);
  assert.equal(back.bytes, buf.bytes);
  await driver.detach(ctrlr);
});

test("the namespace's optimal I/O boundary (NOIOB) splits I/O that crosses it", async () => {
  const { driver, ctrlr, device } = await attachInThread({
    namespaces: [{ nsid: 1, blocks: 4096, blockSize: 512, noiob: 16 }],
  });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(20 * 512);
  await ns.write(qp, buf.bytes, 10, 20);
  assert.equal(
    device.commandsOn(qp.id).map((c) => [c.dwords[10], c.dwords[12]! + 1]),
    [
      [10, 6],
      [16, 14],
    ],
  );
  await driver.detach(ctrlr);
});

test("readv/writev with SGL callbacks build an SGL: PSDT 01b, a Last Segment descriptor in DPTR", async () => {
  const { driver, ctrlr, device } = await attachInThread({ sgl: true });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const a = ctrlr.allocBuffer(1024);
  const b = ctrlr.allocBuffer(3072);
  pattern(a.bytes, 5);
  pattern(b.bytes, 6);
  await ns.writev(qp, [a.bytes, b.bytes], 40, 8);
  const w = device.commandsOn(qp.id)[0]!;
  assert.equal((w.dwords[0]! >>> 14) & 3, 1, "PSDT 01b");
  assert.equal(w.dwords[8], 32, "segment of two 16-byte descriptors");
  assert.equal(w.dwords[9]! >>> 24, 0x30, "SGL identifier: Last Segment (3h), subtype 0");
  assert.equal(w.data!.subarray(0, 1024), a.bytes);
  assert.equal(w.data!.subarray(1024), b.bytes);
  const c = ctrlr.allocBuffer(2048);
  const d = ctrlr.allocBuffer(2048);
  await ns.readv(qp, [c.bytes, d.bytes], 40, 8);
  assert.equal(c.bytes, w.data!.subarray(0, 2048));
  assert.equal(d.bytes, w.data!.subarray(2048));
  await driver.detach(ctrlr);
});

test("callback face: cmdReadv walks the caller's reset/next callbacks; completions via processCompletions", async () => {
  const { driver, ctrlr } = await attachInThread({ sgl: false });
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair();
  const pages = [ctrlr.allocBuffer(4096), ctrlr.allocBuffer(4096)];
  pattern(pages[0]!.bytes, 7);
  pattern(pages[1]!.bytes, 8);
  await ns.write(qp, pages[0]!.bytes, 0, 1);
  await ns.write(qp, pages[1]!.bytes, 1, 1);
  const into = [ctrlr.allocBuffer(4096), ctrlr.allocBuffer(4096)];
  const ctx = { i: 0, resets: [] as number[], status: -1 };
  const rc = ns.cmdReadv(
    qp,
    0,
    2,
    (c: typeof ctx, cpl: Completion) => {
      c.status = cpl.status;
    },
    ctx,
    0,
    (c, offset) => {
      c.resets.push(offset);
      c.i = offset / 4096;
    },
    (c, out) => {
      out.view = into[c.i++]!.bytes;
      return 0;
    },
  );
  assert.equal(rc, 0);
  while (ctx.status < 0) qp.processCompletions();
  assert.equal(ctx.status, 0);
  assert.equal(ctx.resets, [0]);
  assert.equal(into[0]!.bytes, pages[0]!.bytes);
  assert.equal(into[1]!.bytes, pages[1]!.bytes);
  await driver.detach(ctrlr);
});

test("callback face: the completion carries the CQE's CID, SQ head, SQ ID and phase, matching the command", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair({ ioQueueSize: 4 });
  const buf = ctrlr.allocBuffer(512);
  const seen: number[][] = [];
  const record = (lba: number, cpl: Completion): void => {
    seen.push([lba, cpl.cid, cpl.sqhd, cpl.sqid, cpl.phase]);
  };
  // Two at a time, five in all: the fifth completion is on the ring's second pass (phase 0).
  for (let lba = 0; lba < 5; lba += 2) {
    for (const l of [lba, lba + 1].filter((x) => x < 5)) ns.cmdRead(qp, buf.bytes, l, 1, record, l);
    while (seen.length < Math.min(lba + 2, 5)) qp.processCompletions();
  }
  const cmds = device.commandsOn(qp.id);
  assert.equal(
    seen.map((s) => s[1]),
    seen.map((s) => cmds.find((c) => c.dwords[10] === s[0])!.cid),
    "each callback's CID is the one its own command was posted with",
  );
  assert.equal(
    seen.map((s) => s.slice(2)),
    [
      [1, qp.id, 1],
      [2, qp.id, 1],
      [3, qp.id, 1],
      [0, qp.id, 1],
      [1, qp.id, 0],
    ],
    "SQ head after each fetch (ring of 4), this queue's SQ ID, the phase tag of each pass",
  );
  await driver.detach(ctrlr);
});

test("write zeroes, deallocate (DSM), flush and compare: dwords and effect", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(4 * 512);
  pattern(buf.bytes, 9);
  await ns.write(qp, buf.bytes, 0, 4);
  await ns.compare(qp, buf.bytes, 0, 4);
  await ns.writeZeroes(qp, 1, 1, IoFlags.ForceUnitAccess);
  await ns.deallocate(
    qp,
    [
      { lba: 2, count: 1 },
      { lba: 0x12345, count: 0 },
    ].slice(0, 1),
  );
  await ns.flush(qp);
  const [, cmp, wz, dsm, flush] = device.commandsOn(qp.id);
  assert.equal([cmp!.opcode, cmp!.dwords[12]], [NvmOpc.Compare, 3]);
  assert.equal([wz!.opcode, wz!.dwords[10], wz!.dwords[12]], [NvmOpc.WriteZeroes, 1, 0x40000000]);
  assert.equal(
    [dsm!.opcode, dsm!.dwords[10], dsm!.dwords[11]],
    [NvmOpc.DatasetManagement, 0, DsmAttribute.Deallocate],
  );
  // Range 0: context attributes (4 bytes), length in blocks (4 bytes), starting LBA (8 bytes).
  const range = new DataView(dsm!.data!.buffer, dsm!.data!.byteOffset, 16);
  assert.equal(
    [range.getUint32(0, true), range.getUint32(4, true), Number(range.getBigUint64(8, true))],
    [0, 1, 2],
  );
  assert.equal([flush!.opcode, flush!.nsid], [NvmOpc.Flush, 1]);
  const back = ctrlr.allocBuffer(4 * 512);
  await ns.read(qp, back.bytes, 0, 4);
  assert.equal(back.bytes.subarray(0, 512), buf.bytes.subarray(0, 512));
  assert.ok(
    back.bytes.subarray(512, 1536).every((b) => b === 0),
    "zeroed and deallocated blocks read as zeroes",
  );
  assert.equal(back.bytes.subarray(1536), buf.bytes.subarray(1536));
  await driver.detach(ctrlr);
});

test("reservation register/acquire/report: action bits, IEKEY, CPTPL, RTYPE and key data", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  await ns.reservationRegister(
    qp,
    { crkey: 0n, nrkey: 0x1122334455667788n },
    true,
    ReservationRegisterAction.Register,
    ReservationRegisterCptpl.NoChange,
  );
  await ns.reservationAcquire(
    qp,
    { crkey: 0x1122334455667788n, prkey: 0n },
    false,
    ReservationAcquireAction.Acquire,
    ReservationType.WriteExclusive,
  );
  const report = ctrlr.allocBuffer(4096);
  await ns.reservationReport(qp, report.bytes, false);
  const [reg, acq, rep] = device.commandsOn(qp.id);
  assert.equal(reg!.dwords[10], 0x8, "RREGA 000b, IEKEY bit 3, CPTPL 00b");
  assert.equal(
    new DataView(reg!.data!.buffer, reg!.data!.byteOffset).getBigUint64(8, true),
    0x1122334455667788n,
    "NRKEY at bytes 15:8",
  );
  assert.equal(acq!.dwords[10], 0x100, "RACQA 000b, RTYPE 1 in bits 15:8");
  assert.equal(rep!.dwords[10], 1023, "NUMD 0's based dwords");
  const status = new DataView(report.bytes.buffer, report.bytes.byteOffset);
  assert.equal(status.getUint8(4), ReservationType.WriteExclusive, "RTYPE at byte 4 of the status");
  const plain = new Uint8Array(4096);
  await ns.reservationReport(qp, plain, false);
  assert.equal(plain, report.bytes, "ordinary memory gets the same report, through a copy");
  const prp1 = (c: { dwords: Uint32Array }): number => c.dwords[6]! + c.dwords[7]! * 0x1_0000_0000;
  assert.is(prp1(rep!), report.iova, "DMA memory is used in place");
  assert.is.not(prp1(device.commandsOn(qp.id).at(-1)!), report.iova);
  await driver.detach(ctrlr);
});

test("separate metadata goes in MPTR; extended LBA carries it inline", async () => {
  const { driver, ctrlr, device } = await attachInThread({
    namespaces: [
      { nsid: 1, blocks: 1024, blockSize: 512, metadataSize: 8 },
      { nsid: 2, blocks: 1024, blockSize: 512, metadataSize: 8, extendedLba: true },
    ],
  });
  const qp = await ctrlr.allocIoQpair();
  const sep = ctrlr.getNamespace(1)!;
  const data = ctrlr.allocBuffer(4 * 512);
  const md = ctrlr.allocBuffer(4 * 8);
  pattern(data.bytes, 10);
  pattern(md.bytes, 11);
  await sep.writeWithMd(qp, data.bytes, md.bytes, 5, 4);
  const w = device.commandsOn(qp.id)[0]!;
  assert.equal([w.dwords[4], w.dwords[5]], [lo(md.iova), hi(md.iova)]);
  assert.equal(w.metadata, md.bytes);
  const ext = ctrlr.getNamespace(2)!;
  assert.equal(ext.extendedBlockSize, 520);
  const inline = ctrlr.allocBuffer(4 * 520);
  pattern(inline.bytes, 12);
  await ext.write(qp, inline.bytes, 0, 4);
  const back = ctrlr.allocBuffer(4 * 520);
  await ext.read(qp, back.bytes, 0, 4);
  assert.equal(back.bytes, inline.bytes);
  await driver.detach(ctrlr);
});

test("delayed doorbell: commands are posted and the doorbell rung once per processCompletions", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair({ delayDoorbell: true });
  const buf = ctrlr.allocBuffer(512);
  let done = 0;
  const cb = (): void => {
    done++;
  };
  for (let i = 0; i < 8; i++) assert.equal(ns.cmdRead(qp, buf.bytes, i, 1, cb, null), 0);
  assert.equal(device.commandsOn(qp.id).length, 0, "nothing reached the device before the doorbell");
  qp.flush();
  assert.equal(device.commandsOn(qp.id).length, 8);
  while (done < 8) qp.processCompletions();
  await driver.detach(ctrlr);
});

test.run();
