import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  CapCss,
  CcCss,
  cmbOffsetBytes,
  DOORBELL_BASE,
  decodeAqa,
  decodeBpinfo,
  decodeCap,
  decodeCc,
  decodeCmbloc,
  decodeCmbsz,
  decodeCrto,
  decodeCsts,
  decodePmrcap,
  decodeVs,
  doorbellOffset,
  encodeAqa,
  encodeCc,
  encodeVs,
  Register,
  ShutdownNotification,
  ShutdownStatus,
} from "../../../src/nvme-spec/registers.js";

test("register offsets", () => {
  assert.is(Register.CAP, 0x00);
  assert.is(Register.VS, 0x08);
  assert.is(Register.CC, 0x14);
  assert.is(Register.CSTS, 0x1c);
  assert.is(Register.NSSR, 0x20);
  assert.is(Register.AQA, 0x24);
  assert.is(Register.ASQ, 0x28);
  assert.is(Register.ACQ, 0x30);
  assert.is(Register.CMBLOC, 0x38);
  assert.is(Register.CMBSZ, 0x3c);
  assert.is(Register.BPINFO, 0x40);
  assert.is(Register.CMBMSC, 0x50);
  assert.is(Register.CRTO, 0x68);
  assert.is(Register.PMRCAP, 0xe00);
  assert.is(Register.PMRMSCU, 0xe18);
});

test("doorbells: 0x1000 + (2y + isCQ) * (4 << DSTRD)", () => {
  assert.is(DOORBELL_BASE, 0x1000);
  assert.is(doorbellOffset(0, false, 0), 0x1000);
  assert.is(doorbellOffset(0, true, 0), 0x1004);
  assert.is(doorbellOffset(1, false, 0), 0x1008);
  assert.is(doorbellOffset(3, true, 0), 0x101c);
  assert.is(doorbellOffset(1, true, 2), 0x1000 + 3 * 16);
});

test("CAP of QEMU 7.2 (0x004018200f0107ff)", () => {
  const cap = decodeCap(0x004018200f0107ffn);
  assert.is(cap.mqes, 0x7ff);
  assert.is(cap.cqr, true);
  assert.is(cap.ams, 0);
  assert.is(cap.to, 0x0f);
  assert.is(cap.timeoutMs, 7500);
  assert.is(cap.dstrd, 0);
  assert.is(cap.nssrs, false);
  // bits 37, 43, 44 set: CSS bit 0 (NVM), bit 6 (I/O command sets), bit 7 (admin only)
  assert.is(cap.css, 0xc1);
  assert.ok(cap.css & CapCss.Nvm);
  assert.is(cap.bps, false);
  assert.is(cap.mpsmin, 0);
  assert.is(cap.mpsmax, 4);
  assert.is(cap.minPageSize, 4096);
  assert.is(cap.maxPageSize, 65536);
  assert.is(cap.pmrs, false);
  assert.is(cap.cmbs, false);
});

test("CAP high bits: DSTRD, NSSRS, BPS, CPS, PMRS, CMBS, NSSS, CRMS", () => {
  // bit 32+2 (dstrd 4), 36, 45, 46..47 = 2, 56, 57, 58, 59..60 = 3
  const v = (1n << 34n) | (1n << 36n) | (1n << 45n) | (2n << 46n) | (7n << 56n) | (3n << 59n) | (1n << 17n);
  const cap = decodeCap(v);
  assert.is(cap.dstrd, 4);
  assert.is(cap.nssrs, true);
  assert.is(cap.bps, true);
  assert.is(cap.cps, 2);
  assert.is(cap.pmrs, true);
  assert.is(cap.cmbs, true);
  assert.is(cap.nsss, true);
  assert.is(cap.crms, 3);
  assert.is(cap.ams, 1);
});

test("VS: 1.4.0 is 0x00010400", () => {
  assert.equal(decodeVs(0x00010400), { major: 1, minor: 4, tertiary: 0 });
  assert.equal(decodeVs(0x00020001), { major: 2, minor: 0, tertiary: 1 });
  assert.is(encodeVs(1, 3), 0x00010300);
});

test("CC: the value Linux writes to enable (0x00460001)", () => {
  // IOCQES 4 (23:20), IOSQES 6 (19:16), MPS 0, CSS NVM, EN
  const v = encodeCc({ en: true, css: CcCss.Nvm, mps: 0, iosqes: 6, iocqes: 4 });
  assert.is(v, 0x00460001);
  assert.equal(decodeCc(v), {
    en: true,
    css: 0,
    mps: 0,
    ams: 0,
    shn: 0,
    iosqes: 6,
    iocqes: 4,
    crime: false,
  });
});

test("CC: shutdown, CSS, MPS, AMS and CRIME positions", () => {
  assert.is(encodeCc({ shn: ShutdownNotification.Normal }), 0x4000);
  assert.is(encodeCc({ shn: ShutdownNotification.Abrupt }), 0x8000);
  assert.is(encodeCc({ css: CcCss.AllIoCommandSets }), 0x60);
  assert.is(encodeCc({ css: CcCss.AdminOnly }), 0x70);
  assert.is(encodeCc({ mps: 4 }), 0x200);
  assert.is(encodeCc({ ams: 1 }), 0x800);
  assert.is(encodeCc({ crime: true }), 0x01000000);
  const d = decodeCc(0x01000000 | 0x8000 | 0x3800 | 0x780);
  assert.is(d.crime, true);
  assert.is(d.shn, 2);
  assert.is(d.ams, 7);
  assert.is(d.mps, 15);
});

test("CSTS fields", () => {
  assert.equal(decodeCsts(0x1), { rdy: true, cfs: false, shst: 0, nssro: false, pp: false, st: false });
  const d = decodeCsts(0x2 | (2 << 2) | 0x10 | 0x20 | 0x40);
  assert.is(d.cfs, true);
  assert.is(d.shst, ShutdownStatus.Complete);
  assert.is(d.nssro, true);
  assert.is(d.pp, true);
  assert.is(d.st, true);
  assert.is(ShutdownStatus.Occurring, 1);
});

test("AQA: 0-based sizes, ASQS 11:0 and ACQS 27:16", () => {
  assert.is(encodeAqa(31, 31), 0x001f001f);
  assert.is(encodeAqa(0xfff, 1), 0x00010fff);
  assert.equal(decodeAqa(0x00010fff), { asqs: 0xfff, acqs: 1 });
});

test("CMBLOC and CMBSZ, with the byte size from SZU/SZ", () => {
  // BIR 2, CQMMS, CDMMMS, CQDA, OFST 3
  const loc = decodeCmbloc(2 | 0x8 | 0x80 | 0x100 | (3 << 12));
  assert.is(loc.bir, 2);
  assert.is(loc.cqmms, true);
  assert.is(loc.cqpds, false);
  assert.is(loc.cdmmms, true);
  assert.is(loc.cqda, true);
  assert.is(loc.ofst, 3);
  // SQS, WDS, SZU 1 (64 KiB), SZ 32 -> 2 MiB
  const sz = decodeCmbsz(0x1 | 0x10 | (1 << 8) | (32 << 12));
  assert.is(sz.sqs, true);
  assert.is(sz.cqs, false);
  assert.is(sz.wds, true);
  assert.is(sz.szu, 1);
  assert.is(sz.sz, 32);
  assert.is(sz.unitBytes, 65536);
  assert.is(sz.sizeBytes, 2 * 1024 * 1024);
  assert.is(cmbOffsetBytes(loc, sz), 3 * 65536);
  // SZU 6 (64 GiB) x SZ 0xfffff stays exact
  assert.is(decodeCmbsz(((0xfffff << 12) | (6 << 8)) >>> 0).sizeBytes, 0xfffff * 2 ** 36);
});

test("PMRCAP, BPINFO, CRTO", () => {
  const p = decodePmrcap(0x8 | 0x10 | (4 << 5) | (1 << 8) | (3 << 10) | (0x20 << 16) | (1 << 24));
  assert.equal(p, { rds: true, wds: true, bir: 4, pmrtu: 1, pmrwbm: 3, pmrto: 0x20, cmss: true });
  assert.equal(decodeBpinfo(((1 << 31) | (2 << 24) | 4) >>> 0), { bpsz: 4, brs: 2, abpid: 1 });
  assert.equal(decodeCrto(0x00140028), { crwmt: 0x28, crimt: 0x14 });
});

test.run();
