import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeCapsuleCmd, encodeCapsuleResp } from "../../../src/pdu/capsule.js";
import { PduFlag, TermReqFes } from "../../../src/pdu/constants.js";
import { encodeC2HData, encodeH2CData, encodeR2T } from "../../../src/pdu/data.js";
import { encodeICReq, encodeICResp } from "../../../src/pdu/ic.js";
import { encodeC2HTermReq, encodeH2CTermReq } from "../../../src/pdu/term.js";

// Bitwise reference CRC32C (reflected polynomial 0x82F63B78), independent of the native module.
function refCrc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const zeros = (n: number) => new Array<number>(n).fill(0);
const seq = (n: number, from: number) => Array.from({ length: n }, (_, i) => (from + i) & 0xff);
/** A buffer full of 0xAA so that every byte the encoder should write (zeros included) is checked. */
const dirty = (n: number) => new Uint8Array(n).fill(0xaa);
const SQE = new Uint8Array(seq(64, 1));
const CQE = new Uint8Array(seq(16, 0x10));

test("ICReq: hpda 2, both digests, maxr2t 0x01020304", () => {
  const b = dirty(130);
  assert.is(encodeICReq(b, 1, 2, 3, 0x01020304), 128);
  // type 0, flags 0, hlen 128, pdo 0, plen 128 | pfv 0 | hpda | digest | maxr2t LE | 112 reserved
  const want = [0, 0, 0x80, 0, 0x80, 0, 0, 0, 0, 0, 2, 3, 0x04, 0x03, 0x02, 0x01, ...zeros(112)];
  assert.equal([...b.subarray(1, 129)], want);
  assert.is(b[0], 0xaa, "nothing before off");
  assert.is(b[129], 0xaa, "nothing after the PDU");
});

test("ICResp: cpda 0, header digest, maxh2cdata 0x400000 (Linux nvmet's)", () => {
  const b = dirty(128);
  assert.is(encodeICResp(b, 0, 0, 1, 0x400000), 128);
  assert.equal([...b], [1, 0, 0x80, 0, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x40, 0, ...zeros(112)]);
});

test("IC encoders reject bad fields", () => {
  assert.throws(() => encodeICReq(new Uint8Array(128), 0, 32, 0, 0), RangeError);
  assert.throws(() => encodeICReq(new Uint8Array(128), 0, 0, 4, 0), RangeError);
  assert.throws(() => encodeICResp(new Uint8Array(127), 0, 0, 0, 4096), RangeError);
});

test("CapsuleCmd without digests or data: 72 bytes, pdo 0", () => {
  const b = dirty(72);
  assert.is(encodeCapsuleCmd(b, 0, SQE, 0, 0, 0), 72);
  assert.equal([...b], [4, 0, 72, 0, 72, 0, 0, 0, ...seq(64, 1)]);
});

test("CapsuleCmd with data digest negotiated but no data: DDGSTF clear, no digest counted", () => {
  const b = dirty(72);
  assert.is(encodeCapsuleCmd(b, 0, SQE, 2, 0, 0), 72);
  assert.equal([...b.subarray(0, 8)], [4, 0, 72, 0, 72, 0, 0, 0]);
});

test("CapsuleCmd with both digests and 512 bytes in-capsule, cpda 0", () => {
  const b = dirty(80);
  // pdo = 72 + 4 = 76; plen = 76 + 512 + 4 = 592 = 0x250; flags HDGSTF|DDGSTF
  assert.is(encodeCapsuleCmd(b, 0, SQE, 3, 0, 512), 76);
  const hdr = [4, 3, 72, 76, 0x50, 0x02, 0, 0, ...seq(64, 1)];
  assert.equal([...b.subarray(0, 72)], hdr);
  assert.equal([...b.subarray(72, 76)], le32(refCrc32c(new Uint8Array(hdr))));
  assert.is(b[76], 0xaa, "data is the caller's");
});

test("CapsuleCmd pads to the controller's CPDA: cpda 7 → 32-byte alignment", () => {
  const b = dirty(100);
  // header digest: 76 → pdo 96; plen = 96 + 100 = 196 (no data digest)
  assert.is(encodeCapsuleCmd(b, 2, SQE, 1, 7, 100), 96);
  const hdr = [4, 1, 72, 96, 196, 0, 0, 0, ...seq(64, 1)];
  assert.equal([...b.subarray(2, 74)], hdr);
  assert.equal([...b.subarray(74, 78)], le32(refCrc32c(new Uint8Array(hdr))));
  assert.equal([...b.subarray(78, 98)], zeros(20), "padding zeroed");
  assert.is(b[98], 0xaa);
  // no header digest: 72 → 96 as well, padding from 72
  const c = dirty(96);
  assert.is(encodeCapsuleCmd(c, 0, SQE, 0, 7, 8), 96);
  assert.equal([...c.subarray(0, 8)], [4, 0, 72, 96, 104, 0, 0, 0]);
  assert.equal([...c.subarray(72, 96)], zeros(24));
});

test("CapsuleCmd copies only the first 64 bytes of a longer SQE view", () => {
  const long = new Uint8Array(seq(80, 1));
  const b = dirty(73);
  assert.is(encodeCapsuleCmd(b, 0, long, 0, 0, 0), 72);
  assert.equal([...b.subarray(8, 72)], seq(64, 1));
  assert.is(b[72], 0xaa);
  assert.throws(() => encodeCapsuleCmd(b, 0, new Uint8Array(63), 0, 0, 0), RangeError);
  assert.throws(
    () => encodeCapsuleCmd(new Uint8Array(75), 0, SQE, 1, 0, 0),
    RangeError,
    "no room for the digest",
  );
});

test("CapsuleResp, without and with header digest", () => {
  const b = dirty(24);
  assert.is(encodeCapsuleResp(b, 0, CQE, 0), 24);
  assert.equal([...b], [5, 0, 24, 0, 24, 0, 0, 0, ...seq(16, 0x10)]);
  const c = dirty(28);
  assert.is(encodeCapsuleResp(c, 0, CQE, 3), 28);
  const hdr = [5, 1, 24, 0, 28, 0, 0, 0, ...seq(16, 0x10)];
  assert.equal([...c], [...hdr, ...le32(refCrc32c(new Uint8Array(hdr)))]);
});

test("H2CData: cccid 0x1234, ttag 0x5678, datao 0x1000, datal 0x200, LAST, both digests", () => {
  const b = dirty(28);
  // pdo = 24 + 4 = 28; plen = 28 + 512 + 4 = 544 = 0x220; flags LAST|DDGSTF|HDGSTF = 7
  assert.is(encodeH2CData(b, 0, 0x1234, 0x5678, 0x1000, 0x200, PduFlag.DATA_LAST, 3, 0), 28);
  const hdr = [
    6, 7, 24, 28, 0x20, 0x02, 0, 0, 0x34, 0x12, 0x78, 0x56, 0, 0x10, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0,
  ];
  assert.equal([...b], [...hdr, ...le32(refCrc32c(new Uint8Array(hdr)))]);
});

test("C2HData: LAST|SUCCESS, no digests, hpda 0; ttag written as 0", () => {
  const b = dirty(24);
  // pdo 24; plen = 24 + 4096 = 0x1018
  assert.is(encodeC2HData(b, 0, 0xabcd, 0, 4096, PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS, 0, 0), 24);
  assert.equal(
    [...b],
    [7, 0x0c, 24, 24, 0x18, 0x10, 0, 0, 0xcd, 0xab, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0],
  );
});

test("C2HData pads to the host's HPDA", () => {
  const b = dirty(64);
  // hpda 15 → 64-byte alignment: pdo 64; data digest only: plen = 64 + 10 + 4 = 78
  assert.is(encodeC2HData(b, 0, 1, 0, 10, 0, 2, 15), 64);
  assert.equal([...b.subarray(0, 8)], [7, 2, 24, 64, 78, 0, 0, 0]);
  assert.equal([...b.subarray(24, 64)], zeros(40));
});

test("data encoders reject illegal flags, zero length and bad fields", () => {
  const b = new Uint8Array(64);
  assert.throws(() => encodeH2CData(b, 0, 0, 0, 0, 1, PduFlag.DATA_SUCCESS, 0, 0), RangeError);
  assert.throws(() => encodeH2CData(b, 0, 0, 0, 0, 1, PduFlag.HDGSTF, 0, 0), RangeError);
  assert.throws(
    () => encodeC2HData(b, 0, 0, 0, 1, PduFlag.DATA_SUCCESS, 0, 0),
    RangeError,
    "SUCCESS needs LAST",
  );
  assert.throws(() => encodeC2HData(b, 0, 0, 0, 0, 0, 0, 0), RangeError, "DATAL 0");
  assert.throws(() => encodeH2CData(b, 0, 0x10000, 0, 0, 1, 0, 0, 0), RangeError, "CCCID > 16 bits");
});

test("R2T: cccid 1, ttag 2, r2to 0x10000, r2tl 0x20000; with header digest", () => {
  const b = dirty(24);
  assert.is(encodeR2T(b, 0, 1, 2, 0x10000, 0x20000, 0), 24);
  const hdr = [9, 0, 24, 0, 24, 0, 0, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0];
  assert.equal([...b], hdr);
  const c = dirty(28);
  assert.is(encodeR2T(c, 0, 1, 2, 0x10000, 0x20000, 1), 28);
  const hdr2 = [9, 1, 24, 0, 28, ...hdr.slice(5)];
  assert.equal([...c], [...hdr2, ...le32(refCrc32c(new Uint8Array(hdr2)))]);
});

test("TermReq quotes the offending header", () => {
  const bad = new Uint8Array(seq(24, 0x40));
  const b = dirty(48);
  assert.is(encodeH2CTermReq(b, 0, TermReqFes.InvalidHeaderField, 3, bad), 48);
  // type 2, hlen 24, pdo 0, plen 48 | fes 1 | fei 3 (le32) | 10 reserved | quoted header
  assert.equal([...b], [2, 0, 24, 0, 48, 0, 0, 0, 1, 0, 3, 0, 0, 0, ...zeros(10), ...seq(24, 0x40)]);
});

test("TermReq is capped at 152 bytes", () => {
  const bad = new Uint8Array(seq(200, 0));
  const b = dirty(160);
  assert.is(encodeC2HTermReq(b, 0, TermReqFes.HeaderDigestError, 0, bad), 152);
  assert.equal([...b.subarray(0, 14)], [3, 0, 24, 0, 152, 0, 0, 0, 3, 0, 0, 0, 0, 0]);
  assert.equal([...b.subarray(24, 152)], seq(128, 0));
  assert.is(b[152], 0xaa);
  assert.is(encodeC2HTermReq(b, 0, 2, 0, bad, 0), 24, "an empty quote");
  assert.is(b[4], 24);
  assert.throws(() => encodeC2HTermReq(b, 0, 1, 0, bad, 201), RangeError);
});

test.run();
