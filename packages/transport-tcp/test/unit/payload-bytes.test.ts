// Moving data between a command's payload descriptor and PDU bytes: every payload kind, offsets
// inside split pieces, and payloads that do not cover the range.
import { Payload, PayloadKind, type SgeOut } from "@nvmekit/core/transport";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFromPayload, copyToPayload } from "../../src/host/payload-bytes.js";

const bytes = (n: number, from = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

test("contiguous: a piece's view offset is honoured both ways, and a range past the view is refused", () => {
  const buf = new Uint8Array(64);
  const p = new Payload();
  p.setContiguous(new DataView(buf.buffer, 8, 40), 0, 40); // any ArrayBufferView, at an offset
  p.viewOffset = 4;
  assert.ok(copyToPayload(p, 2, bytes(10, 100)));
  assert.equal([...buf.subarray(8 + 4 + 2, 8 + 4 + 12)], [...bytes(10, 100)]);
  const out = new Uint8Array(16);
  assert.ok(copyFromPayload(p, 2, 10, out, 3));
  assert.equal([...out.subarray(3, 13)], [...bytes(10, 100)]);
  assert.not.ok(copyToPayload(p, 30, bytes(8)), "4 + 30 + 8 bytes do not fit a 40-byte view");
  assert.not.ok(copyFromPayload(p, 33, 4, out, 0));
});

test("iovecs: a range across segments lands in each, and an iovec without a view is refused", () => {
  const a = new Uint8Array(5);
  const b = new Uint8Array(7);
  const p = new Payload();
  p.kind = PayloadKind.IoVecs;
  p.length = 12;
  p.iovs = [
    { iova: 0, length: 5, view: a },
    { iova: 0, length: 7, view: b },
  ];
  p.iovCount = 2;
  assert.ok(copyToPayload(p, 3, bytes(6, 50)));
  assert.equal([...a.subarray(3)], [50, 51]);
  assert.equal([...b.subarray(0, 4)], [52, 53, 54, 55]);
  const out = new Uint8Array(6);
  assert.ok(copyFromPayload(p, 3, 6, out, 0));
  assert.equal([...out], [...bytes(6, 50)]);
  p.iovs = [{ iova: 0x1000, length: 12 }];
  p.iovCount = 1;
  assert.not.ok(copyFromPayload(p, 0, 4, out, 0));
});

test("scattered: the walk restarts at the piece's SGL offset; a short or failing walk is refused", () => {
  const segs = [new Uint8Array(3), new Uint8Array(4), new Uint8Array(5)];
  const walk = { at: 0, skip: 0, fail: false };
  const p = new Payload();
  p.kind = PayloadKind.Scattered;
  p.length = 12;
  p.sglArg = walk;
  p.resetSgl = ((w: typeof walk, offset: number) => {
    w.at = 0;
    w.skip = offset;
  }) as never;
  p.nextSge = ((w: typeof walk, out: SgeOut) => {
    if (w.fail) return -1;
    let seg = segs[w.at++];
    if (seg === undefined) return -1;
    while (w.skip >= seg!.length) {
      w.skip -= seg!.length;
      seg = segs[w.at++];
      if (seg === undefined) return -1;
    }
    out.view = seg!.subarray(w.skip);
    w.skip = 0;
    return 0;
  }) as never;
  p.sglOffset = 2; // this piece starts 2 bytes into the caller's list
  assert.ok(copyToPayload(p, 1, bytes(6, 10)));
  assert.equal([...segs[1]!], [10, 11, 12, 13]);
  assert.equal([...segs[2]!.subarray(0, 2)], [14, 15]);
  const out = new Uint8Array(6);
  assert.ok(copyFromPayload(p, 1, 6, out, 0));
  assert.equal([...out], [...bytes(6, 10)]);
  assert.not.ok(copyFromPayload(p, 0, 20, new Uint8Array(20), 0), "the list holds 10 bytes from offset 2");
  walk.fail = true;
  assert.not.ok(copyFromPayload(p, 0, 2, out, 0));
});

test.run();
