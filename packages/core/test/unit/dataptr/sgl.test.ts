import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  mapvSgl,
  type SglSegment,
  SglSubtype,
  SglType,
  writeKeyedSglDescriptor,
  writeSglDescriptor,
} from "../../../src/dataptr/sgl.js";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import { NvmeCommand } from "../../../src/nvme-spec/command.js";

/** The bytes of a dword view, in memory order. */
function bytesOf(view: Uint32Array, from: number, count: number): number[] {
  return [...new Uint8Array(view.buffer, view.byteOffset + from * 4, count * 4)];
}

function segment(capacity = 256): SglSegment {
  return { entries: new Uint32Array(1024).fill(0xdeadbeef), iova: 0x8000_0000, capacity };
}

test("Data Block descriptor bytes", () => {
  const v = new Uint32Array(8);
  writeSglDescriptor(v, 4, 0x1_0000_2000, 0x1234, SglType.DataBlock);
  assert.equal(
    bytesOf(v, 4, 4),
    [0x00, 0x20, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x34, 0x12, 0, 0, 0, 0, 0, 0x00],
  );
  assert.equal([...v.subarray(0, 4)], [0, 0, 0, 0]);
});

test("identifier byte: type in bits 7:4, subtype in bits 3:0", () => {
  const v = new Uint32Array(4);
  writeSglDescriptor(v, 0, 0, 512, SglType.BitBucket);
  assert.is(bytesOf(v, 0, 4)[15], 0x10);
  writeSglDescriptor(v, 0, 0x1000, 32, SglType.Segment);
  assert.is(bytesOf(v, 0, 4)[15], 0x20);
  writeSglDescriptor(v, 0, 0x1000, 32, SglType.LastSegment);
  assert.is(bytesOf(v, 0, 4)[15], 0x30);
  writeSglDescriptor(v, 0, 0, 4096, SglType.DataBlock, SglSubtype.Offset);
  assert.is(bytesOf(v, 0, 4)[15], 0x01);
});

test("Keyed Data Block descriptor bytes: 24-bit length, 32-bit key", () => {
  const v = new Uint32Array(4);
  writeKeyedSglDescriptor(v, 0, 0x12_3456_789a_bcde, 0xabcdef, 0x01020304);
  assert.equal(
    bytesOf(v, 0, 4),
    [0xde, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0x00, 0xef, 0xcd, 0xab, 0x04, 0x03, 0x02, 0x01, 0x40],
  );
  writeKeyedSglDescriptor(v, 0, 0, 1, 0xffff_ffff, SglSubtype.InvalidateKey);
  assert.equal(bytesOf(v, 0, 4).slice(8), [0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x4f]);
  assert.throws(
    () => writeKeyedSglDescriptor(v, 0, 0, 0x100_0000, 1),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test("one element: a Data Block in SGL1, PSDT = 1, the rest of CDW0 kept", () => {
  const cmd = new NvmeCommand();
  cmd.opcode = 0x02;
  cmd.cid = 0x1234;
  const seg = segment();
  mapvSgl(cmd, [{ iova: 0x1_0000_2000, length: 0x1000 }], 1, seg);
  assert.is(cmd.dw[0], 0x1234_4002);
  assert.equal(bytesOf(cmd.dw, 6, 4), [0x00, 0x20, 0, 0, 0x01, 0, 0, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 0x00]);
  assert.is(seg.entries[0], 0xdeadbeef); // segment untouched
});

test("several elements: Last Segment in SGL1 pointing at Data Blocks in the segment", () => {
  const cmd = new NvmeCommand();
  const seg = segment();
  const iov = [
    { iova: 0x1003, length: 5 },
    { iova: 0x2_0000_0000, length: 0x2000 },
    { iova: 0x9000, length: 0x200 },
  ];
  mapvSgl(cmd, iov, 3, seg);
  assert.is(cmd.psdt, 1);
  assert.equal(bytesOf(cmd.dw, 6, 4), [0, 0, 0, 0x80, 0, 0, 0, 0, 48, 0, 0, 0, 0, 0, 0, 0x30]);
  assert.equal(bytesOf(seg.entries, 0, 12), [
    ...[0x03, 0x10, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0x00],
    ...[0, 0, 0, 0, 2, 0, 0, 0, 0x00, 0x20, 0, 0, 0, 0, 0, 0x00],
    ...[0x00, 0x90, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0, 0, 0, 0, 0, 0x00],
  ]);
  assert.is(seg.entries[12], 0xdeadbeef);
});

test("a segment holds up to its capacity; one more is rejected", () => {
  const cmd = new NvmeCommand();
  const iov = Array.from({ length: 257 }, (_, i) => ({ iova: i * 0x1000, length: 0x1000 }));
  mapvSgl(cmd, iov, 256, segment(256));
  assert.is(cmd.dw[8], 256 * 16);
  assert.throws(
    () => mapvSgl(cmd, iov, 257, segment(256)),
    (e: unknown) =>
      e instanceof InvalidArgumentError && /257 elements exceed the 256 descriptors/.test(e.message),
  );
});

test("bad niov and lengths are rejected, naming the element", () => {
  const cmd = new NvmeCommand();
  const check = (fn: () => void, argument: string) =>
    assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && e.argument === argument);
  check(() => mapvSgl(cmd, [], 0, segment()), "niov");
  check(() => mapvSgl(cmd, [{ iova: 0, length: 1 }], 2, segment()), "niov");
  check(
    () =>
      mapvSgl(
        cmd,
        [
          { iova: 0, length: 1 },
          { iova: 0, length: 0 },
        ],
        2,
        segment(),
      ),
    "iov[1]",
  );
  check(() => mapvSgl(cmd, [{ iova: 0, length: 2 ** 32 }], 1, segment()), "iov[0]");
});

test.run();
