import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeCapsuleCmd, encodeCapsuleResp } from "../../../src/pdu/capsule.js";
import { PduFlag, PduType } from "../../../src/pdu/constants.js";
import { encodeC2HData, encodeH2CData, encodeR2T } from "../../../src/pdu/data.js";
import { appendDigest, crc32c, writeDigest } from "../../../src/pdu/digest.js";
import { writeU32le } from "../../../src/pdu/fields.js";
import { encodeICReq, encodeICResp } from "../../../src/pdu/ic.js";
import { type PduHandler, type PduHeaderView, PduReader } from "../../../src/pdu/reader.js";
import { encodeC2HTermReq, encodeH2CTermReq } from "../../../src/pdu/term.js";

// ---- recording handler --------------------------------------------------------------------------

interface Event {
  type: number;
  flags: number;
  hlen: number;
  pdo: number;
  plen: number;
  dataLength: number;
  header: string;
  data: string;
  ended: boolean;
  digestError?: boolean;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

class Recorder implements PduHandler {
  readonly events: Event[] = [];
  readonly errors: [number, number, string][] = [];
  reader!: PduReader;
  /** When set, an ICReq / ICResp switches the reader to the digests it carries (after the PDU). */
  applyIcDigests = false;
  private pending = -1;
  private cur: Event | undefined;
  private dataSeen = 0;

  onHeader(h: PduHeaderView): void {
    assert.ok(this.cur === undefined || this.cur.ended, "onHeader while a PDU is open");
    assert.is(h.bytes.length, h.hlen);
    this.cur = {
      type: h.type,
      flags: h.flags,
      hlen: h.hlen,
      pdo: h.pdo,
      plen: h.plen,
      dataLength: h.dataLength,
      header: hex(h.bytes),
      data: "",
      ended: false,
    };
    this.dataSeen = 0;
    this.events.push(this.cur);
    if (this.applyIcDigests && (h.type === PduType.ICReq || h.type === PduType.ICResp))
      this.pending = h.bytes[11]!;
  }
  onData(piece: Uint8Array, offset: number): void {
    assert.ok(this.cur && !this.cur.ended, "onData outside a PDU");
    assert.is(offset, this.dataSeen, "pieces are consecutive");
    assert.ok(piece.length > 0, "no empty pieces");
    this.dataSeen += piece.length;
    this.cur!.data += hex(piece);
  }
  onPduEnd(): void {
    assert.ok(this.cur && !this.cur.ended, "onPduEnd outside a PDU");
    assert.is(this.dataSeen, this.cur!.dataLength, "all data delivered before the end");
    this.cur!.ended = true;
    if (this.pending >= 0) {
      this.reader.setDigests(this.pending & 3); // peer input: setDigests throws on other bits
      this.pending = -1;
    }
  }
  onError(fes: number, fei: number, message: string): void {
    this.errors.push([fes, fei, message]);
    this.cur = undefined; // the PDU in progress is abandoned
  }
}

class RecorderWithDigestErrors extends Recorder {
  onDataDigestError(): void {
    const last = this.events[this.events.length - 1]!;
    last.ended = true;
    last.digestError = true;
  }
}

function makeReader(digests = 0, maxPduLength?: number, rec: Recorder = new Recorder()) {
  const reader = new PduReader(rec, { digests, ...(maxPduLength !== undefined ? { maxPduLength } : {}) });
  rec.reader = reader;
  return { reader, rec };
}

/** Feeds `stream` cut at `cuts`, each chunk a fresh Buffer that is scribbled over after the call. */
function feedCut(reader: PduReader, stream: Uint8Array, cuts: readonly number[]): void {
  let prev = 0;
  for (const c of [...cuts, stream.length]) {
    if (c <= prev) continue;
    const chunk = Buffer.from(stream.subarray(prev, c));
    reader.feed(chunk);
    chunk.fill(0x5a); // the reader must not keep views of a chunk past the call
    prev = c;
  }
}
const everyByte = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// ---- building streams ---------------------------------------------------------------------------

type Spec =
  | { kind: "cmd"; sqe: Uint8Array; data: Uint8Array }
  | { kind: "resp"; cqe: Uint8Array }
  | { kind: "h2c"; cccid: number; ttag: number; datao: number; data: Uint8Array; last: boolean }
  | { kind: "c2h"; cccid: number; datao: number; data: Uint8Array; flags: number }
  | { kind: "r2t"; cccid: number; ttag: number; r2to: number; r2tl: number }
  | { kind: "term"; h2c: boolean; fes: number; fei: number; quote: Uint8Array };

interface StreamSpec {
  ic: boolean;
  digests: number;
  hpda: number;
  cpda: number;
  pdus: Spec[];
}

interface Expected {
  type: number;
  dataLength: number;
  data: string;
}

/** Serializes a stream with the encoders; padding is filled with 0xEE (the reader must skip it). */
function serialize(s: StreamSpec): { bytes: Uint8Array; expected: Expected[]; headers: Uint8Array[] } {
  const buf = new Uint8Array(200_000);
  const expected: Expected[] = [];
  const headers: Uint8Array[] = [];
  let off = 0;
  const hd = (s.digests & 1) !== 0;
  const dd = (s.digests & 2) !== 0;
  const pad = (at: number, hlen: number, pdo: number) => {
    buf.fill(0xee, at + hlen + (hd ? 4 : 0), at + pdo);
  };
  const withData = (at: number, hlen: number, n: number, data: Uint8Array) => {
    pad(at, hlen, n);
    headers.push(buf.slice(at, at + hlen));
    buf.set(data, at + n);
    let end = at + n + data.length;
    if (dd) end = appendDigest(buf, at + n, data.length);
    return end;
  };
  if (s.ic) {
    off += encodeICResp(buf, off, s.cpda, s.digests, 0x400000);
    headers.push(buf.slice(0, 128));
    expected.push({ type: PduType.ICResp, dataLength: 0, data: "" });
  }
  const d = s.digests;
  for (const p of s.pdus) {
    const at = off;
    switch (p.kind) {
      case "cmd": {
        const n = encodeCapsuleCmd(buf, at, p.sqe, d, s.cpda, p.data.length);
        if (p.data.length === 0) {
          headers.push(buf.slice(at, at + 72));
          off = at + n;
        } else off = withData(at, 72, n, p.data);
        expected.push({ type: PduType.CapsuleCmd, dataLength: p.data.length, data: hex(p.data) });
        break;
      }
      case "resp":
        off += encodeCapsuleResp(buf, at, p.cqe, d);
        headers.push(buf.slice(at, at + 24));
        expected.push({ type: PduType.CapsuleResp, dataLength: 0, data: "" });
        break;
      case "h2c": {
        const f = p.last ? PduFlag.DATA_LAST : 0;
        const n = encodeH2CData(buf, at, p.cccid, p.ttag, p.datao, p.data.length, f, d, s.cpda);
        off = withData(at, 24, n, p.data);
        expected.push({ type: PduType.H2CData, dataLength: p.data.length, data: hex(p.data) });
        break;
      }
      case "c2h": {
        const n = encodeC2HData(buf, at, p.cccid, p.datao, p.data.length, p.flags, d, s.hpda);
        off = withData(at, 24, n, p.data);
        expected.push({ type: PduType.C2HData, dataLength: p.data.length, data: hex(p.data) });
        break;
      }
      case "r2t":
        off += encodeR2T(buf, at, p.cccid, p.ttag, p.r2to, p.r2tl, d);
        headers.push(buf.slice(at, at + 24));
        expected.push({ type: PduType.R2T, dataLength: 0, data: "" });
        break;
      case "term": {
        const enc = p.h2c ? encodeH2CTermReq : encodeC2HTermReq;
        off += enc(buf, at, p.fes, p.fei, p.quote);
        headers.push(buf.slice(at, at + 24));
        const q = p.quote.subarray(0, 128);
        expected.push({ type: p.h2c ? 2 : 3, dataLength: q.length, data: hex(q) });
        break;
      }
    }
  }
  return { bytes: buf.slice(0, off), expected, headers };
}

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const data1 = fc.uint8Array({ minLength: 1, maxLength: 300 });
const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    kind: fc.constant("cmd" as const),
    sqe: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    data: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({ kind: fc.constant("resp" as const), cqe: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant("h2c" as const),
    cccid: u16,
    ttag: u16,
    datao: u32,
    data: data1,
    last: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("c2h" as const),
    cccid: u16,
    datao: u32,
    data: data1,
    flags: fc.constantFrom(0, PduFlag.DATA_LAST, PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS),
  }),
  fc.record({ kind: fc.constant("r2t" as const), cccid: u16, ttag: u16, r2to: u32, r2tl: u32 }),
  fc.record({
    kind: fc.constant("term" as const),
    h2c: fc.boolean(),
    fes: fc.integer({ min: 1, max: 6 }),
    fei: u32,
    quote: fc.uint8Array({ maxLength: 200 }),
  }),
);
const streamArb: fc.Arbitrary<StreamSpec> = fc.record({
  ic: fc.boolean(),
  digests: fc.integer({ min: 0, max: 3 }),
  hpda: fc.integer({ min: 0, max: 31 }),
  cpda: fc.integer({ min: 0, max: 31 }),
  pdus: fc.array(specArb, { maxLength: 12 }),
});
const cutsArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant<number[] | "every">("every") },
);

function toCuts(raw: number[] | "every", length: number): number[] {
  if (raw === "every") return everyByte(length);
  return [...new Set(raw.map((x) => x % (length + 1)))].sort((a, b) => a - b);
}

// ---- properties ---------------------------------------------------------------------------------

test("property: any valid PDU sequence, cut anywhere, yields the same headers, data and ends", () => {
  fc.assert(
    fc.property(streamArb, cutsArb, (s, rawCuts) => {
      const { bytes, expected, headers } = serialize(s);
      // Without an IC PDU the digests are in force from the start; with one, the handler switches.
      const { reader, rec } = makeReader(s.ic ? 0 : s.digests);
      rec.applyIcDigests = true;
      feedCut(reader, bytes, toCuts(rawCuts, bytes.length));
      assert.equal(rec.errors, []);
      assert.is(rec.events.length, expected.length);
      for (let i = 0; i < expected.length; i++) {
        const e = rec.events[i]!;
        const x = expected[i]!;
        assert.is(e.type, x.type, `PDU ${i} type`);
        assert.is(e.dataLength, x.dataLength, `PDU ${i} data length`);
        assert.is(e.data, x.data, `PDU ${i} data`);
        assert.is(e.header, hex(headers[i]!), `PDU ${i} header bytes`);
        assert.ok(e.ended, `PDU ${i} ended`);
      }
      assert.not.ok(reader.failed);
    }),
    { numRuns: 300 },
  );
});

test("property: garbage or corrupted streams never throw and report at most one error, last", () => {
  fc.assert(
    fc.property(
      streamArb,
      fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
      cutsArb,
      (s, flips, rawCuts) => {
        const { bytes } = serialize(s);
        if (bytes.length === 0) return;
        for (const f of flips) bytes[f.at % bytes.length]! ^= f.xor;
        const { reader, rec } = makeReader(s.ic ? 0 : s.digests, 1 << 20);
        rec.applyIcDigests = true;
        let events = -1;
        const origError = rec.onError.bind(rec);
        rec.onError = (fes, fei, m) => {
          events = rec.events.length;
          origError(fes, fei, m);
        };
        feedCut(reader, bytes, toCuts(rawCuts, bytes.length));
        assert.ok(rec.errors.length <= 1);
        if (rec.errors.length === 1) {
          assert.is(rec.events.length, events, "nothing after the error");
          assert.ok(reader.failed);
          assert.ok([1, 3, 5].includes(rec.errors[0]![0]), `FES ${rec.errors[0]![0]}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});

// ---- specific streams ---------------------------------------------------------------------------

test("many PDUs in one chunk and one PDU split at every byte give the same events", () => {
  const { bytes } = serialize({
    ic: false,
    digests: 3,
    hpda: 3,
    cpda: 1,
    pdus: [
      { kind: "c2h", cccid: 7, datao: 0, data: new Uint8Array([1, 2, 3, 4, 5]), flags: PduFlag.DATA_LAST },
      { kind: "resp", cqe: new Uint8Array(16).fill(9) },
      { kind: "cmd", sqe: new Uint8Array(64).fill(3), data: new Uint8Array(10).fill(4) },
    ],
  });
  const a = makeReader(3);
  a.reader.feed(Buffer.from(bytes));
  const b = makeReader(3);
  feedCut(b.reader, bytes, everyByte(bytes.length));
  assert.is(a.rec.events.length, 3);
  assert.equal(a.rec.events, b.rec.events);
  const c2h = a.rec.events[0]!;
  // hpda 3 → 16-byte alignment: 24 + 4 → pdo 32; plen = 32 + 5 + 4 = 41
  assert.equal([c2h.type, c2h.flags, c2h.pdo, c2h.plen, c2h.data], [7, 7, 32, 41, "0102030405"]);
});

test("a straddling header is delivered from the reader's own buffer, intact", () => {
  const { bytes } = serialize({
    ic: false,
    digests: 1,
    hpda: 0,
    cpda: 0,
    pdus: [{ kind: "r2t", cccid: 0x1234, ttag: 0x5678, r2to: 0x100, r2tl: 0x200 }],
  });
  for (let cut = 1; cut < bytes.length; cut++) {
    const { reader, rec } = makeReader(1);
    feedCut(reader, bytes, [cut]);
    assert.is(rec.events.length, 1, `cut ${cut}`);
    assert.is(rec.events[0]!.header, hex(bytes.subarray(0, 24)));
  }
});

// ---- malformed PDUs -----------------------------------------------------------------------------

/** Re-digests a header after a deliberate field corruption, so the field check (not the digest) fires. */
function reDigest(b: Uint8Array, hlen: number): Uint8Array {
  writeDigest(b, hlen, crc32c(b, 0, hlen));
  return b;
}
function pdu(fill: (b: Uint8Array) => number): Uint8Array {
  const b = new Uint8Array(5000);
  return b.slice(0, fill(b));
}
/** A complete C2HData with `n` data bytes, digests as given. */
function c2h(n: number, digests: number, flags: number = PduFlag.DATA_LAST): Uint8Array {
  return pdu((b) => {
    const pdo = encodeC2HData(b, 0, 1, 0, n, flags, digests, 0);
    b.fill(0x61, pdo, pdo + n);
    return digests & 2 ? appendDigest(b, pdo, n) : pdo + n;
  });
}
const r2t = (digests: number) => pdu((b) => encodeR2T(b, 0, 1, 2, 0, 512, digests));
const resp = (digests: number) => pdu((b) => encodeCapsuleResp(b, 0, new Uint8Array(16), digests));
const cmd = (digests: number) => pdu((b) => encodeCapsuleCmd(b, 0, new Uint8Array(64), digests, 0, 0));
const term = (n: number) => pdu((b) => encodeH2CTermReq(b, 0, 1, 0, new Uint8Array(n)));
const icreq = () => pdu((b) => encodeICReq(b, 0, 0, 0, 0));
const mut = (b: Uint8Array, f: (b: Uint8Array) => void) => {
  f(b);
  return b;
};

interface BadCase {
  name: string;
  digests: number;
  bytes: Uint8Array;
  fes: number;
  fei: number;
  max?: number;
}

const badCases: BadCase[] = [
  { name: "reserved type 8", digests: 0, bytes: mut(r2t(0), (b) => (b[0] = 8)), fes: 1, fei: 0 },
  { name: "unknown type 10", digests: 0, bytes: mut(r2t(0), (b) => (b[0] = 10)), fes: 1, fei: 0 },
  { name: "unknown type 255", digests: 0, bytes: mut(r2t(0), (b) => (b[0] = 255)), fes: 1, fei: 0 },
  { name: "hlen not the type's", digests: 0, bytes: mut(resp(0), (b) => (b[2] = 28)), fes: 1, fei: 2 },
  { name: "IC hlen", digests: 0, bytes: mut(icreq(), (b) => (b[2] = 24)), fes: 1, fei: 2 },
  { name: "DATA_LAST on CapsuleResp", digests: 0, bytes: mut(resp(0), (b) => (b[1] |= 4)), fes: 1, fei: 1 },
  { name: "flags on ICReq", digests: 0, bytes: mut(icreq(), (b) => (b[1] = 1)), fes: 1, fei: 1 },
  {
    name: "SUCCESS on H2CData",
    digests: 0,
    bytes: mut(c2h(8, 0, PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS), (b) => (b[0] = 6)),
    fes: 1,
    fei: 1,
  },
  {
    name: "SUCCESS without LAST",
    digests: 0,
    bytes: mut(c2h(8, 0, 0), (b) => (b[1] |= PduFlag.DATA_SUCCESS)),
    fes: 1,
    fei: 1,
  },
  { name: "HDGSTF not negotiated", digests: 0, bytes: r2t(1), fes: 1, fei: 1 },
  { name: "HDGSTF missing although negotiated", digests: 1, bytes: r2t(0), fes: 1, fei: 1 },
  { name: "DDGSTF not negotiated", digests: 0, bytes: c2h(8, 2), fes: 1, fei: 1 },
  { name: "DDGSTF missing although negotiated", digests: 2, bytes: c2h(8, 0), fes: 1, fei: 1 },
  {
    name: "DDGSTF on a CapsuleCmd without data",
    digests: 2,
    bytes: mut(cmd(0), (b) => (b[1] |= 2)),
    fes: 1,
    fei: 1,
  },
  {
    name: "pdo on R2T",
    digests: 1,
    bytes: reDigest(
      mut(r2t(1), (b) => (b[3] = 28)),
      24,
    ),
    fes: 1,
    fei: 3,
  },
  { name: "pdo inside the header", digests: 0, bytes: mut(c2h(8, 0), (b) => (b[3] = 8)), fes: 1, fei: 3 },
  { name: "pdo 0 on C2HData", digests: 0, bytes: mut(c2h(8, 0), (b) => (b[3] = 0)), fes: 1, fei: 3 },
  {
    name: "pdo inside the header digest",
    digests: 1,
    bytes: reDigest(
      mut(c2h(8, 1), (b) => (b[3] = 26)),
      24,
    ),
    fes: 1,
    fei: 3,
  },
  { name: "TermReq pdo", digests: 0, bytes: mut(term(8), (b) => (b[3] = 4)), fes: 1, fei: 3 },
  {
    name: "CapsuleCmd data without pdo",
    digests: 0,
    bytes: mut(new Uint8Array([...cmd(0), 0, 0, 0, 0]), (b) => (b[4] = 76)),
    fes: 1,
    fei: 3,
  },
  { name: "CapsuleResp plen", digests: 0, bytes: mut(resp(0), (b) => (b[4] = 23)), fes: 1, fei: 4 },
  { name: "ICReq plen", digests: 0, bytes: mut(icreq(), (b) => (b[4] = 129)), fes: 1, fei: 4 },
  {
    name: "C2HData plen without data",
    digests: 0,
    bytes: mut(c2h(8, 0), (b) => (b[4] = 24)),
    fes: 1,
    fei: 4,
  },
  {
    name: "C2HData plen leaves only the digest",
    digests: 2,
    bytes: mut(c2h(8, 2), (b) => writeU32le(b, 4, 28)),
    fes: 1,
    fei: 4,
  },
  { name: "TermReq longer than 152", digests: 0, bytes: mut(term(128), (b) => (b[4] = 153)), fes: 1, fei: 4 },
  {
    name: "TermReq shorter than its header",
    digests: 0,
    bytes: mut(term(0), (b) => (b[4] = 20)),
    fes: 1,
    fei: 4,
  },
  {
    name: "DATAL disagrees with plen",
    digests: 0,
    bytes: mut(c2h(8, 0), (b) => (b[16] = 9)),
    fes: 1,
    fei: 16,
  },
  { name: "plen above the maximum", digests: 0, bytes: c2h(2000, 0), fes: 5, fei: 0, max: 1000 },
  {
    name: "header digest bit flipped",
    digests: 1,
    bytes: mut(resp(1), (b) => (b[25]! ^= 0x10)),
    fes: 3,
    fei: 0,
  },
  {
    name: "header field flipped under a digest",
    digests: 1,
    bytes: mut(resp(1), (b) => (b[9]! ^= 1)),
    fes: 3,
    fei: 0,
  },
  {
    name: "plen flipped under a digest (digest checked first)",
    digests: 1,
    bytes: mut(resp(1), (b) => (b[4]! ^= 1)),
    fes: 3,
    fei: 0,
  },
  {
    name: "data digest bit flipped",
    digests: 2,
    bytes: mut(c2h(8, 2), (b) => (b[24 + 8]! ^= 1)),
    fes: 3,
    fei: 0,
  },
  {
    name: "data bit flipped under a digest",
    digests: 3,
    bytes: mut(c2h(8, 3), (b) => (b[30]! ^= 0x80)),
    fes: 3,
    fei: 0,
  },
];

for (const c of badCases) {
  test(`malformed: ${c.name} → FES ${c.fes}, FEI ${c.fei}`, () => {
    // A valid PDU follows in the same chunk: the reader must ignore it.
    const good = c.digests & 1 ? r2t(1) : r2t(0);
    const stream = new Uint8Array([...c.bytes, ...good]);
    for (const cuts of [[], everyByte(stream.length)]) {
      const { reader, rec } = makeReader(c.digests, c.max);
      assert.not.throws(() => feedCut(reader, stream, cuts));
      assert.is(rec.errors.length, 1, JSON.stringify(rec.errors));
      assert.equal(rec.errors[0]!.slice(0, 2), [c.fes, c.fei], rec.errors[0]![2]);
      assert.ok(reader.failed);
      assert.ok(
        rec.events.every((e) => e.type !== PduType.R2T),
        "the valid PDU after the error is ignored",
      );
      // reset() makes the reader usable again.
      reader.reset();
      reader.feed(Buffer.from(good));
      assert.is(rec.errors.length, 1);
      assert.is(rec.events[rec.events.length - 1]!.type, PduType.R2T);
      assert.not.ok(reader.failed);
    }
  });
}

test("with onDataDigestError the reader reports a data digest mismatch and carries on", () => {
  const bad = mut(c2h(8, 2), (b) => (b[24 + 8]! ^= 1));
  const stream = new Uint8Array([...bad, ...c2h(4, 2)]);
  const { reader, rec } = makeReader(2, undefined, new RecorderWithDigestErrors());
  feedCut(reader, stream, everyByte(stream.length));
  assert.equal(rec.errors, []);
  assert.is(rec.events.length, 2);
  assert.ok(rec.events[0]!.digestError);
  assert.is(rec.events[0]!.data, "61".repeat(8), "data was delivered before the digest");
  assert.is(rec.events[1]!.digestError, undefined);
  assert.ok(rec.events[1]!.ended);
});

test("a handler may reset the reader from onError; the rest of that chunk is dropped", () => {
  const rec = new Recorder();
  const reader = new PduReader(rec);
  rec.reader = reader;
  rec.onError = (fes, fei, m) => {
    rec.errors.push([fes, fei, m]);
    reader.reset();
  };
  reader.feed(Buffer.from([...mut(r2t(0), (b) => (b[0] = 8)), ...r2t(0)]));
  assert.is(rec.errors.length, 1);
  assert.is(rec.events.length, 0);
  assert.not.ok(reader.failed);
  reader.feed(Buffer.from(r2t(0)));
  assert.is(rec.events.length, 1);
});

test("settings are checked", () => {
  const rec = new Recorder();
  assert.throws(() => new PduReader(rec, { maxPduLength: 151 }), RangeError);
  assert.throws(() => new PduReader(rec, { digests: 4 }), RangeError);
  const r = new PduReader(rec, { digests: 3 });
  assert.is(r.digests, 3);
  r.setDigests(0);
  assert.is(r.digests, 0);
});

test.run();
