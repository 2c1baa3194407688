import { test } from "uvu";
import * as assert from "uvu/assert";
import { appendDigest, crc32c, crc32cContinue, readDigest, writeDigest } from "../../../src/pdu/digest.js";

const ascii = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));

// Bitwise reference CRC32C (reflected polynomial 0x82F63B78), independent of the native module.
function refCrc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test("CRC32C check value: '123456789' → 0xE3069283", () => {
  assert.is(crc32c(ascii("123456789")), 0xe3069283);
  assert.is(refCrc32c(ascii("123456789")), 0xe3069283);
});

test("CRC32C of 32 zero bytes is the RFC 3720 vector 0x8A9136AA", () => {
  assert.is(crc32c(new Uint8Array(32)), 0x8a9136aa);
});

test("a range is digested in place, also over a SharedArrayBuffer", () => {
  const sab = new Uint8Array(new SharedArrayBuffer(20));
  sab.set(ascii("xx123456789yy"), 3);
  assert.is(crc32c(sab, 5, 9), 0xe3069283);
  const sub = sab.subarray(4); // a view with a byteOffset
  assert.is(crc32c(sub, 1, 9), 0xe3069283);
});

test("chaining equals one pass, at every split point", () => {
  const b = ascii("123456789");
  for (let cut = 0; cut <= b.length; cut++) {
    const first = crc32c(b, 0, cut);
    assert.is(crc32cContinue(first, b, cut, b.length - cut), 0xe3069283, `cut ${cut}`);
  }
  assert.is(crc32cContinue(0, b), 0xe3069283, "0 is the CRC of nothing");
  assert.is(crc32cContinue(0x12345678, b, 4, 0), 0x12345678, "empty range leaves the CRC");
});

test("native and reference agree on random data", () => {
  const b = new Uint8Array(1000);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7919 + 13) & 0xff;
  for (const [s, n] of [
    [0, 1000],
    [1, 999],
    [17, 300],
    [999, 1],
  ] as const) {
    assert.is(crc32c(b, s, n), refCrc32c(b.subarray(s, s + n)));
  }
});

test("ranges outside the array throw RangeError", () => {
  const b = new Uint8Array(4);
  assert.throws(() => crc32c(b, 2, 3), RangeError);
  assert.throws(() => crc32c(b, -1, 1), RangeError);
  assert.throws(() => crc32cContinue(0, b, 0, 5), RangeError);
});

test("digests are stored little-endian; appendDigest places it behind the range", () => {
  const b = new Uint8Array(8);
  writeDigest(b, 2, 0xe3069283);
  assert.equal([...b], [0, 0, 0x83, 0x92, 0x06, 0xe3, 0, 0]);
  assert.is(readDigest(b, 2), 0xe3069283);
  const c = new Uint8Array(14);
  c.set(ascii("123456789"), 1);
  assert.is(appendDigest(c, 1, 9), 14);
  assert.equal([...c.subarray(10)], [0x83, 0x92, 0x06, 0xe3]);
  assert.throws(() => appendDigest(c, 1, 10), RangeError);
});

test.run();
