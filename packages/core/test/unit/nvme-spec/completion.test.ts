import { test } from "uvu";
import * as assert from "uvu/assert";
import { Completion, CQE_SIZE, encodeStatus } from "../../../src/nvme-spec/completion.js";

test("CQE is 16 bytes = 4 dwords", () => {
  assert.is(CQE_SIZE, 16);
  assert.is(new Completion().dw.length * 4, CQE_SIZE);
});

test("DW2: SQHD 15:0, SQID 31:16; DW3: CID 15:0, P 16, status 31:17", () => {
  // DW3 = DNR(31) | More(30) | CRD=2 (29:28) | SCT=2 (27:25) | SC=0x81 (24:17) | P | CID 0x1234
  const dw3 = (1 << 31) | (1 << 30) | (2 << 28) | (2 << 25) | (0x81 << 17) | (1 << 16) | 0x1234;
  const c = new Completion(Uint32Array.of(0xdeadbeef, 0x11, (3 << 16) | 0x2a, dw3 >>> 0));
  assert.is(c.cdw0, 0xdeadbeef);
  assert.is(c.cdw1, 0x11);
  assert.is(c.sqhd, 0x2a);
  assert.is(c.sqid, 3);
  assert.is(c.cid, 0x1234);
  assert.is(c.phase, 1);
  assert.is(c.sc, 0x81);
  assert.is(c.sct, 2);
  assert.is(c.crd, 2);
  assert.is(c.more, true);
  assert.is(c.dnr, true);
  assert.is(c.isError, true);
  // status field = DNR 14 | M 13 | CRD 12:11 | SCT 10:8 | SC 7:0
  assert.is(c.status, (1 << 14) | (1 << 13) | (2 << 11) | (2 << 8) | 0x81);
});

test("success with phase set is not an error", () => {
  const c = new Completion(Uint32Array.of(0, 0, 0, 0x10000));
  assert.is(c.phase, 1);
  assert.is(c.status, 0);
  assert.is(c.isError, false);
  assert.is(c.dnr, false);
  assert.is(c.more, false);
});

test("isError on SCT alone (SC 0)", () => {
  const c = new Completion(Uint32Array.of(0, 0, 0, (3 << 25) >>> 0));
  assert.is(c.sct, 3);
  assert.is(c.sc, 0);
  assert.is(c.isError, true);
});

test("encodeStatus builds the 15-bit field", () => {
  assert.is(encodeStatus(0, 0x02), 0x0002);
  assert.is(encodeStatus(1, 0x01, { dnr: true }), 0x4101);
  assert.is(encodeStatus(2, 0x85, { more: true, crd: 1 }), 0x2000 | 0x0800 | 0x0285);
  const c = new Completion(Uint32Array.of(0, 0, 0, (encodeStatus(1, 0x0c, { dnr: true }) << 17) >>> 0));
  assert.is(c.sct, 1);
  assert.is(c.sc, 0x0c);
  assert.is(c.dnr, true);
});

test.run();
