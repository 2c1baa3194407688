import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  decodeActiveNamespaceList,
  decodeIdentifyNamespace,
  decodeNamespaceDescriptors,
  formattedLbaIndex,
  LBAF_OFFSET,
  LBAF_SIZE,
  MAX_LBA_FORMATS,
  Nidt,
  PiType,
} from "../../../src/nvme-spec/identify-namespace.js";

function sample(): { b: Uint8Array; v: DataView } {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, 0x2_0000_0000n, true); // NSZE
  v.setBigUint64(8, 0x1_8000_0000n, true); // NCAP
  v.setBigUint64(16, 1234n, true); // NUSE
  b[24] = 0x11; // NSFEAT: thin provisioning + OPTPERF
  b[25] = 3; // NLBAF: 4 formats
  b[26] = 0x12; // FLBAS: format 2, extended LBA
  b[27] = 0x03; // MC
  b[28] = 0x1f; // DPC
  b[29] = 0x09; // DPS: type 1, PI first bytes
  b[30] = 1; // NMIC shared
  b[31] = 0xff; // RESCAP
  b[32] = 0x80; // FPI
  b[33] = 0x09; // DLFEAT
  v.setUint16(34, 15, true); // NAWUN
  v.setUint16(36, 7, true); // NAWUPF
  v.setUint16(38, 3, true); // NACWU
  v.setUint16(40, 31, true); // NABSN
  v.setUint16(42, 2, true); // NABO
  v.setUint16(44, 63, true); // NABSPF
  v.setUint16(46, 256, true); // NOIOB
  v.setBigUint64(48, 0x10_0000_0000n, true); // NVMCAP
  v.setUint16(64, 7, true); // NPWG
  v.setUint16(66, 7, true); // NPWA
  v.setUint16(68, 15, true); // NPDG
  v.setUint16(70, 15, true); // NPDA
  v.setUint16(72, 31, true); // NOWS
  v.setUint32(92, 5, true); // ANAGRPID
  b[99] = 1; // NSATTR
  v.setUint16(100, 2, true); // NVMSETID
  v.setUint16(102, 3, true); // ENDGID
  for (let i = 0; i < 16; i++) b[104 + i] = i + 1; // NGUID
  for (let i = 0; i < 8; i++) b[120 + i] = 0xa0 + i; // EUI64
  // LBAF n at 128 + 4n: MS 15:0, LBADS 23:16, RP 25:24
  v.setUint32(128, 9 << 16, true); // 512 + 0
  v.setUint32(132, (9 << 16) | 8, true); // 512 + 8
  v.setUint32(136, (12 << 16) | 8 | (1 << 24), true); // 4096 + 8, RP 1
  v.setUint32(140, (12 << 16) | 64 | (2 << 24), true); // 4096 + 64, RP 2
  return { b, v };
}

test("constants", () => {
  assert.is(LBAF_OFFSET, 128);
  assert.is(LBAF_SIZE, 4);
  assert.is(MAX_LBA_FORMATS, 64);
  assert.is(LBAF_OFFSET + MAX_LBA_FORMATS * LBAF_SIZE, 384);
});

test("decodes fields and LBA formats at the spec's offsets", () => {
  const ns = decodeIdentifyNamespace(sample().b);
  assert.is(ns.nsze, 0x2_0000_0000n);
  assert.is(ns.ncap, 0x1_8000_0000n);
  assert.is(ns.nuse, 1234n);
  assert.is(ns.nsfeat, 0x11);
  assert.is(ns.nlbaf, 3);
  assert.is(ns.flbas, 0x12);
  assert.is(ns.mc, 3);
  assert.is(ns.dpc, 0x1f);
  assert.is(ns.dps, 9);
  assert.is(ns.nmic, 1);
  assert.is(ns.rescap, 0xff);
  assert.is(ns.fpi, 0x80);
  assert.is(ns.dlfeat, 9);
  assert.equal([ns.nawun, ns.nawupf, ns.nacwu, ns.nabsn, ns.nabo, ns.nabspf], [15, 7, 3, 31, 2, 63]);
  assert.is(ns.noiob, 256);
  assert.is(ns.nvmcap, 0x10_0000_0000n);
  assert.equal([ns.npwg, ns.npwa, ns.npdg, ns.npda, ns.nows], [7, 7, 15, 15, 31]);
  assert.is(ns.anagrpid, 5);
  assert.is(ns.nsattr, 1);
  assert.is(ns.nvmsetid, 2);
  assert.is(ns.endgid, 3);
  assert.is(ns.nguid, "0102030405060708090a0b0c0d0e0f10");
  assert.is(ns.eui64, "a0a1a2a3a4a5a6a7");
  assert.equal(ns.lbaf, [
    { ms: 0, lbads: 9, rp: 0 },
    { ms: 8, lbads: 9, rp: 0 },
    { ms: 8, lbads: 12, rp: 1 },
    { ms: 64, lbads: 12, rp: 2 },
  ]);
});

test("derived geometry of the formatted LBA format", () => {
  const ns = decodeIdentifyNamespace(sample().b);
  assert.is(ns.formattedLbaIndex, 2);
  assert.is(ns.extendedLba, true);
  assert.is(ns.sectorSize, 4096);
  assert.is(ns.metadataSize, 8);
  assert.is(ns.piType, PiType.Type1);
  assert.is(ns.piFirstBytes, true);
});

test("FLBAS bits 6:5 extend the index to formats 16..63", () => {
  assert.is(formattedLbaIndex(0x0f), 15);
  assert.is(formattedLbaIndex(0x20 | 0x01), 17);
  assert.is(formattedLbaIndex(0x60 | 0x0f), 63);
  assert.is(formattedLbaIndex(0x10), 0, "bit 4 is extended LBA, not index");
  const { b, v } = sample();
  b[25] = 63; // 64 formats
  v.setUint32(128 + 4 * 40, (13 << 16) | 16, true); // LBAF40 at byte 288
  b[26] = 0x40 | 0x08; // index 0b10_1000 = 40, no extended LBA
  b[29] = 0x03; // PI type 3, last bytes
  const ns = decodeIdentifyNamespace(b);
  assert.is(ns.lbaf.length, 64);
  assert.is(ns.formattedLbaIndex, 40);
  assert.is(ns.sectorSize, 8192);
  assert.is(ns.metadataSize, 16);
  assert.is(ns.extendedLba, false);
  assert.is(ns.piType, PiType.Type3);
  assert.is(ns.piFirstBytes, false);
});

test("inactive namespace (all zero) decodes with size 0", () => {
  const ns = decodeIdentifyNamespace(new Uint8Array(4096));
  assert.is(ns.nsze, 0n);
  assert.is(ns.lbaf.length, 1);
  assert.is(ns.sectorSize, 0);
  assert.is(ns.piType, PiType.None);
});

test("active namespace list stops at the first 0", () => {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setUint32(0, 1, true);
  v.setUint32(4, 2, true);
  v.setUint32(8, 0x10, true);
  v.setUint32(16, 99, true); // after the terminating 0: ignored
  assert.equal(decodeActiveNamespaceList(b), [1, 2, 0x10]);
  const full = new Uint8Array(4096);
  const fv = new DataView(full.buffer);
  for (let i = 0; i < 1024; i++) fv.setUint32(i * 4, i + 1, true);
  assert.is(decodeActiveNamespaceList(full).length, 1024);
});

test("namespace identification descriptors", () => {
  const b = new Uint8Array(4096);
  let off = 0;
  b[off] = Nidt.Eui64;
  b[off + 1] = 8;
  b.set([1, 2, 3, 4, 5, 6, 7, 8], off + 4);
  off += 12;
  b[off] = Nidt.Nguid;
  b[off + 1] = 16;
  b.fill(0xab, off + 4, off + 20);
  off += 20;
  b[off] = Nidt.Uuid;
  b[off + 1] = 16;
  b.set(
    [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
    off + 4,
  );
  off += 20;
  b[off] = Nidt.Csi;
  b[off + 1] = 1;
  b[off + 4] = 2;
  assert.equal(decodeNamespaceDescriptors(b), [
    { nidt: 1, nidl: 8, value: "0102030405060708" },
    { nidt: 2, nidl: 16, value: "ab".repeat(16) },
    { nidt: 3, nidl: 16, value: "12345678-9abc-def0-0123-456789abcdef" },
    { nidt: 4, nidl: 1, value: "2" },
  ]);
});

test.run();
