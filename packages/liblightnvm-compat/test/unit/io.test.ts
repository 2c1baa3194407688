import { NvmeStatusError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as n from "../../src/index.js";
import { BS, ioCommands, OPC, openSoft, pattern, softDevice, ZONE } from "./soft-device.js";

const A = (chunk: number, sectr = 0) => n.nvm_addr({ chunk, sectr });
const run = (chunk: number, from: number, len: number) =>
  Array.from({ length: len }, (_, i) => A(chunk, from + i));
const lbaOf = (chunk: number, sectr = 0) => chunk * ZONE.size + sectr;
/** NLB (1-based) of a logged read/write. */
const nlb = (c: { dwords: Uint32Array }) => (c.dwords[12]! & 0xffff) + 1;
const slba = (c: { dwords: Uint32Array }) => c.dwords[10]! + c.dwords[11]! * 2 ** 32;

test("a write at the write pointer succeeds and reads back byte-exact; elsewhere the zone's status comes back in nvm_ret", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, 8 * BS)!;
  data.set(pattern(8 * BS, 1));
  const ret = new n.nvm_ret();
  assert.is(await n.nvm_cmd_write(dev, [A(1)], 8, data, null, n.NVM_CMD_SCALAR, ret), 0);
  assert.is(ret.status, 0);
  assert.ok(Buffer.compare(sd.zoned.subarray(lbaOf(1) * BS, lbaOf(1, 8) * BS), data) === 0, "device bytes");
  // Plain memory works too (through a DMA copy), reading back what was written.
  const back = new Uint8Array(8 * BS);
  assert.is(await n.nvm_cmd_read(dev, [A(1)], 8, back, null, n.NVM_CMD_SCALAR, ret), 0);
  assert.ok(Buffer.compare(back, data) === 0, "read back");
  // The write pointer is at sector 8: a write at 16 fails with Zone Invalid Write (SCT 1, SC BCh).
  const before = sd.rig.device.commands.length;
  assert.is(await n.nvm_cmd_write(dev, [A(1, 16)], 1, data, null, n.NVM_CMD_SCALAR, ret), -1);
  // SC | SCT << 8 | DNR << 14: softnvme sets Do Not Retry on zone errors.
  assert.is(ret.status, 0x41bc);
  assert.is(n.nvm_ret_sct(ret), 1);
  assert.is(n.nvm_ret_sc(ret), 0xbc);
  assert.is(n.nvm_errno(), n.EIO);
  const err = n.nvm_last_error()!;
  assert.is(err.code, "EIO");
  assert.instance(err.cause, NvmeStatusError);
  assert.is((err.cause as NvmeStatusError).statusName, "Zone Invalid Write");
  assert.is(ioCommands(sd, before).length, 1, "it did reach the device");
  await n.nvm_dev_close(dev);
});

test("erase resets the chunk: the write pointer goes back and the data reads as the device says", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, 4 * BS)!;
  data.set(pattern(4 * BS, 2));
  assert.is(await n.nvm_cmd_write(dev, run(2, 0, 4), 4, data, null, 0), 0);
  let rprt = (await n.nvm_cmd_rprt(dev, null, 0))!;
  assert.equal(rprt.descr[2], {
    cs: n.NVM_CHUNK_STATE_OPEN,
    ct: n.NVM_CHUNK_TYPE_W_SEQ,
    wli: 0,
    slba: lbaOf(2),
    cnlb: ZONE.capacity,
    wp: lbaOf(2, 4),
    zs: 2,
  });
  const from = sd.rig.device.commands.length;
  // Chunk 2 twice (sector fields ignored): one reset.
  assert.is(await n.nvm_cmd_erase(dev, [A(2, 3), A(2, 0)], 2, null, n.NVM_CMD_SYNC), 0);
  const cmds = ioCommands(sd, from);
  assert.equal(
    cmds.map((c) => c.opcode),
    [OPC.zoneSend],
  );
  assert.is(cmds[0]!.dwords[13]! & 0xff, 0x4, "Reset");
  rprt = (await n.nvm_cmd_rprt(dev, A(0), 0))!;
  assert.equal([rprt.descr[2]!.cs, rprt.descr[2]!.wp], [n.NVM_CHUNK_STATE_FREE, lbaOf(2)]);
  const back = n.nvm_buf_alloc(dev, 4 * BS)!;
  back.fill(0xee);
  assert.is(await n.nvm_cmd_read(dev, run(2, 0, 4), 4, back, null, 0), 0);
  assert.ok(Buffer.compare(back, sd.zoned.subarray(lbaOf(2) * BS, lbaOf(2, 4) * BS)) === 0);
  // Written again from the start after the reset.
  assert.is(await n.nvm_cmd_write(dev, run(2, 0, 4), 4, data, null, 0), 0);
  await n.nvm_dev_close(dev);
});

test("chunk report: every chunk; a full chunk is closed with its pointer at the end", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, ZONE.capacity * BS)!;
  assert.is(await n.nvm_cmd_write(dev, [A(3)], ZONE.capacity, data, null, n.NVM_CMD_SCALAR), 0);
  const rprt = (await n.nvm_cmd_rprt(dev, null, 0))!;
  assert.is(rprt.nchunks, ZONE.count);
  assert.equal(
    rprt.descr.map((d) => d.slba),
    Array.from({ length: ZONE.count }, (_, c) => lbaOf(c)),
  );
  const full = rprt.descr[3]!;
  assert.equal([full.cs, full.wp, full.zs], [n.NVM_CHUNK_STATE_CLOSED, lbaOf(3, ZONE.capacity), 0xe]);
  assert.ok(rprt.descr.filter((_, c) => c !== 3).every((d) => d.cs === n.NVM_CHUNK_STATE_FREE));
  assert.is(await n.nvm_cmd_rprt(dev, n.nvm_addr({ punit: 1 }), 0), null);
  assert.is(n.nvm_errno(), n.EINVAL);
  await n.nvm_dev_close(dev);
});

test("append: the device picks the LBA at the write pointer and nvm_ret carries it", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, 4 * BS)!;
  data.set(pattern(4 * BS, 3));
  const ret = new n.nvm_ret();
  assert.is(await n.nvm_cmd_append(dev, [A(5, 30)], 4, data, 0, ret), 0);
  assert.is(ret.result, lbaOf(5));
  assert.is(await n.nvm_cmd_append(dev, [A(5)], 2, data, 0, ret), 0);
  assert.is(ret.result, lbaOf(5, 4));
  assert.equal(n.nvm_addr_dev2gen(dev, ret.result), A(5, 4));
  assert.ok(Buffer.compare(sd.zoned.subarray(lbaOf(5) * BS, lbaOf(5, 4) * BS), data) === 0);
  assert.ok(
    Buffer.compare(sd.zoned.subarray(lbaOf(5, 4) * BS, lbaOf(5, 6) * BS), data.subarray(0, 2 * BS)) === 0,
  );
  await n.nvm_dev_close(dev);
});

test("the zone resource limit reached gives its status (Too Many Active Zones, 1BDh)", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, BS)!;
  const ret = new n.nvm_ret();
  // Open 2, active 3: a third partly written chunk closes an open one (still active), a fourth is refused.
  for (const c of [6, 7, 8])
    assert.is(await n.nvm_cmd_write(dev, [A(c)], 1, data, null, 0, ret), 0, `chunk ${c}`);
  assert.is(await n.nvm_cmd_write(dev, [A(9)], 1, data, null, 0, ret), -1);
  assert.is(ret.status & 0x7ff, 0x1bd);
  assert.is((n.nvm_last_error()!.cause as NvmeStatusError).statusName, "Too Many Active Zones");
  const rprt = (await n.nvm_cmd_rprt(dev, null))!;
  assert.equal([6, 7, 8].map((c) => rprt.descr[c]!.zs).sort(), [2, 2, 4], "two implicitly open, one closed");
  assert.ok([6, 7, 8].every((c) => rprt.descr[c]!.cs === n.NVM_CHUNK_STATE_OPEN));
  // Erasing one frees its resource.
  assert.is(await n.nvm_cmd_erase(dev, [A(6)], 1, null, 0), 0);
  assert.is(await n.nvm_cmd_write(dev, [A(9)], 1, data, null, 0, ret), 0);
  await n.nvm_dev_close(dev);
});

test("the open limit reached gives its status (Too Many Open Zones, 1BEh) when the open zones were opened explicitly", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  // liblightnvm has no open call: the application opens zones through core's namespace.
  const qp = await dev.ctrlr.allocIoQpair();
  for (const c of [1, 2]) await dev.ns.openZone(qp, lbaOf(c));
  const data = n.nvm_buf_alloc(dev, BS)!;
  const ret = new n.nvm_ret();
  assert.is(await n.nvm_cmd_write(dev, [A(3)], 1, data, null, 0, ret), -1);
  assert.is(ret.status & 0x7ff, 0x1be);
  assert.is((n.nvm_last_error()!.cause as NvmeStatusError).statusName, "Too Many Open Zones");
  assert.is(await n.nvm_cmd_write(dev, [A(1)], 1, data, null, 0, ret), 0, "an open chunk takes writes");
  await dev.ctrlr.freeIoQpair(qp);
  await n.nvm_dev_close(dev);
});

test("vectors: contiguous runs become one command, scattered addresses several, long runs split at MDTS", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, 64 * BS)!;
  data.set(pattern(64 * BS, 4));
  let from = sd.rig.device.commands.length;
  assert.is(await n.nvm_cmd_write(dev, run(10, 0, 8), 8, data, null, n.NVM_CMD_VECTOR), 0);
  let cmds = ioCommands(sd, from);
  assert.equal(
    cmds.map((c) => [c.opcode, slba(c), nlb(c)]),
    [[OPC.write, lbaOf(10), 8]],
  );
  // 20 sectors in a row: MDTS is 8 blocks, so 8 + 8 + 4.
  from = sd.rig.device.commands.length;
  assert.is(await n.nvm_cmd_write(dev, run(10, 8, 20), 20, data, null, 0), 0);
  assert.equal(
    ioCommands(sd, from).map((c) => [slba(c), nlb(c)]),
    [
      [lbaOf(10, 8), 8],
      [lbaOf(10, 16), 8],
      [lbaOf(10, 24), 4],
    ],
  );
  // Scattered reads: sectors 0-1 | 5 | 20-21 of chunk 10, and sector 3 again: four commands, data in vector order.
  const addrs = [A(10, 0), A(10, 1), A(10, 5), A(10, 20), A(10, 21), A(10, 3)];
  const back = n.nvm_buf_alloc(dev, addrs.length * BS)!;
  from = sd.rig.device.commands.length;
  assert.is(await n.nvm_cmd_read(dev, addrs, addrs.length, back, null, 0), 0);
  cmds = ioCommands(sd, from);
  assert.equal(
    cmds.map((c) => [c.opcode, slba(c), nlb(c)]),
    [
      [OPC.read, lbaOf(10, 0), 2],
      [OPC.read, lbaOf(10, 5), 1],
      [OPC.read, lbaOf(10, 20), 2],
      [OPC.read, lbaOf(10, 3), 1],
    ],
  );
  addrs.forEach((a, i) => {
    const want = sd.zoned.subarray(lbaOf(10, a.sectr) * BS, lbaOf(10, a.sectr + 1) * BS);
    assert.ok(Buffer.compare(back.subarray(i * BS, (i + 1) * BS), want) === 0, `sector ${i}`);
  });
  await n.nvm_dev_close(dev);
});

test("copy: source sectors land at the destination", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, 6 * BS)!;
  data.set(pattern(6 * BS, 5));
  assert.is(await n.nvm_cmd_write(dev, run(11, 0, 6), 6, data, null, 0), 0);
  // Sectors 4,5 then 0..3 of chunk 11 to sectors 0..5 of chunk 12.
  const src = [A(11, 4), A(11, 5), ...run(11, 0, 4)];
  assert.is(await n.nvm_cmd_copy(dev, src, run(12, 0, 6), 6, 0), 0, String(n.nvm_last_error()));
  const got = sd.zoned.subarray(lbaOf(12) * BS, lbaOf(12, 6) * BS);
  assert.ok(Buffer.compare(got.subarray(0, 2 * BS), data.subarray(4 * BS)) === 0);
  assert.ok(Buffer.compare(got.subarray(2 * BS), data.subarray(0, 4 * BS)) === 0);
  // To a place that is not the write pointer: the write fails and says so.
  const ret = new n.nvm_ret();
  assert.is(await n.nvm_cmd_copy(dev, src, run(12, 10, 6), 6, 0, ret), -1);
  assert.is(ret.status & 0x7ff, 0x1bc);
  await n.nvm_dev_close(dev);
});

test("bad input: EINVAL (or ENODEV) with its name, nothing submitted", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, 64 * BS)!;
  const ctx = (await n.nvm_async_init(dev, 2, 0))!;
  const aret = new n.nvm_ret();
  aret.async.ctx = ctx;
  const from = sd.rig.device.commands.length;
  const cases: [string, () => number | Promise<number>, number][] = [
    ["naddrs 0", () => n.nvm_cmd_write(dev, [A(0)], 0, data, null, 0), n.EINVAL],
    [
      "65 addresses",
      () => n.nvm_cmd_read(dev, run(0, 0, 48).concat(run(1, 0, 17)), 65, data, null, 0),
      n.EINVAL,
    ],
    ["chunk out of range", () => n.nvm_cmd_read(dev, [A(ZONE.count)], 1, data, null, 0), n.EINVAL],
    [
      "sector past the capacity",
      () => n.nvm_cmd_read(dev, [A(0, ZONE.capacity)], 1, data, null, 0),
      n.EINVAL,
    ],
    [
      "scalar leaving its chunk",
      () => n.nvm_cmd_read(dev, [A(0, 40)], 9, data, null, n.NVM_CMD_SCALAR),
      n.EINVAL,
    ],
    ["data too short", () => n.nvm_cmd_write(dev, [A(0)], 2, new Uint8Array(BS), null, 0), n.EINVAL],
    ["no data", () => n.nvm_cmd_write(dev, [A(0)], 1, null, null, 0), n.EINVAL],
    ["meta without OOB", () => n.nvm_cmd_write(dev, [A(0)], 1, data, data, 0), n.EINVAL],
    [
      "SYNC|ASYNC",
      () => n.nvm_cmd_write(dev, [A(0)], 1, data, null, n.NVM_CMD_SYNC | n.NVM_CMD_ASYNC),
      n.EINVAL,
    ],
    [
      "SCALAR|VECTOR",
      () => n.nvm_cmd_write(dev, [A(0)], 1, data, null, n.NVM_CMD_SCALAR | n.NVM_CMD_VECTOR),
      n.EINVAL,
    ],
    ["unknown flag", () => n.nvm_cmd_write(dev, [A(0)], 1, data, null, 0x8000), n.EINVAL],
    [
      "ASYNC without a context",
      () => n.nvm_cmd_write(dev, [A(0)], 1, data, null, n.NVM_CMD_ASYNC, new n.nvm_ret()),
      n.EINVAL,
    ],
    [
      "ASYNC bad address",
      () => n.nvm_cmd_write(dev, [A(99)], 1, data, null, n.NVM_CMD_ASYNC, aret),
      n.EINVAL,
    ],
    ["erase of no chunk", () => n.nvm_cmd_erase(dev, [A(ZONE.count)], 1, null, 0), n.EINVAL],
    ["append too long", () => n.nvm_cmd_append(dev, [A(0)], ZONE.capacity + 1, data, 0), n.EINVAL],
    ["copy with a bad destination", () => n.nvm_cmd_copy(dev, [A(0)], [A(0, 99)], 1, 0), n.EINVAL],
  ];
  for (const [what, call, errno] of cases) {
    const r = call();
    assert.is(await r, -1, what);
    assert.is(n.nvm_errno(), errno, `${what}: ${n.nvm_last_error()?.message}`);
    assert.is(n.nvm_last_error()!.code, "EINVAL", what);
  }
  // ASYNC refusals come back synchronously, as numbers.
  assert.is(n.nvm_cmd_write(dev, [A(99)], 1, data, null, n.NVM_CMD_ASYNC, aret), -1);
  assert.is(ioCommands(sd, from).length, 0, "nothing reached the device");
  assert.is(n.nvm_async_get_outstanding(ctx), 0);
  assert.is(await n.nvm_async_term(dev, ctx), 0);
  await n.nvm_dev_close(dev);
  assert.is(await n.nvm_cmd_read(dev, [A(0)], 1, data, null, 0), -1);
  assert.is(n.nvm_last_error()!.code, "ENODEV");
});

test("NOCD: any write order, erase is one deallocate, the chunk table follows", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd, 2);
  const data = n.nvm_buf_alloc(dev, 4 * BS)!;
  data.set(pattern(4 * BS, 6));
  assert.is(await n.nvm_cmd_write(dev, [A(1, 100)], 4, data, null, n.NVM_CMD_SCALAR), 0);
  assert.is(await n.nvm_cmd_write(dev, [A(1, 10)], 1, data, null, n.NVM_CMD_SCALAR), 0);
  assert.ok(Buffer.compare(sd.conv.subarray((4096 + 100) * BS, (4096 + 104) * BS), data) === 0);
  let rprt = (await n.nvm_cmd_rprt(dev, null))!;
  assert.equal(rprt.descr[1], {
    cs: n.NVM_CHUNK_STATE_OPEN,
    ct: n.NVM_CHUNK_TYPE_W_RAN,
    wli: 0,
    slba: 4096,
    cnlb: 4096,
    wp: 4096 + 104,
    zs: 0,
  });
  assert.is(rprt.descr[0]!.cs, n.NVM_CHUNK_STATE_FREE);
  const from = sd.rig.device.commands.length;
  assert.is(await n.nvm_cmd_erase(dev, [A(1), A(0)], 2, null, 0), 0);
  const cmds = ioCommands(sd, from);
  assert.equal(
    cmds.map((c) => [c.opcode, c.dwords[10]! & 0xff]),
    [[OPC.dsm, 1]],
    "one DSM, two ranges (NR 0-based)",
  );
  rprt = (await n.nvm_cmd_rprt(dev, null))!;
  assert.equal([rprt.descr[1]!.cs, rprt.descr[1]!.wp], [n.NVM_CHUNK_STATE_FREE, 4096]);
  const ret = new n.nvm_ret();
  assert.is(await n.nvm_cmd_append(dev, [A(0)], 1, data, 0, ret), -1);
  assert.is(n.nvm_last_error()!.code, "ENOSYS");
  await n.nvm_dev_close(dev);
});

test.run();
