/**
 * Asynchronous reads and writes go through core's submitPrechecked with the data's device address
 * found once per command and offset per piece: these tests pin that each piece reaches its own bytes
 * of the buffer (DMA memory at an offset into an allocation, or a bounce buffer), that the device still
 * judges the command (a write off the write pointer fails with the zone's status), and that where the
 * layer's checks do not cover the command (a synchronous one, run later) core checks it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as n from "../../src/index.js";
import { BS, ioCommands, OPC, openSoft, pattern, type SoftDevice, softDevice, ZONE } from "./soft-device.js";

const A = (chunk: number, sectr = 0) => n.nvm_addr({ chunk, sectr });
const lbaOf = (chunk: number, sectr = 0) => chunk * ZONE.size + sectr;
const slba = (c: { dwords: Uint32Array }) => c.dwords[10]! + c.dwords[11]! * 2 ** 32;
const nlb = (c: { dwords: Uint32Array }) => (c.dwords[12]! & 0xffff) + 1;
const ASYNC = n.NVM_CMD_ASYNC;
const zeros = (len: number) => new Uint8Array(len);

/** Counts the device-address look-ups of `dev`'s DMA allocator (the real one, called through). */
function countLookups(dev: n.nvm_dev): { calls: number; stop: () => void } {
  const dma = dev.ctrlr.dma as { iovaOf(v: ArrayBufferView): number };
  const real = dma.iovaOf;
  const counter = {
    calls: 0,
    stop: () => {
      delete (dma as Partial<typeof dma>).iovaOf;
    },
  };
  dma.iovaOf = function (this: typeof dma, v: ArrayBufferView): number {
    counter.calls++;
    return real.call(this, v);
  };
  return counter;
}

/** Submits one asynchronous command and pokes until it completed; returns the submission's rc and its ret. */
async function runAsync(
  ctx: n.nvm_async_ctx,
  submit: (ret: n.nvm_ret) => n.NvmCmdResult,
): Promise<{ rc: number; ret: n.nvm_ret }> {
  const ret = new n.nvm_ret();
  let done = false;
  ret.async.ctx = ctx;
  ret.async.cb = () => {
    done = true;
  };
  const rc = submit(ret);
  if (typeof rc !== "number") throw new Error("an asynchronous command returns a number");
  if (rc === 0) assert.ok((await n.nvm_async_wait(ctx.dev, ctx)) >= 1);
  assert.is(done, rc === 0, "the callback ran exactly when the command was submitted");
  return { rc, ret };
}

/** Runs `body` on a fresh test device (namespace 1) with an async context of `depth`, then tears both down. */
async function withContext(
  depth: number,
  body: (sd: SoftDevice, dev: n.nvm_dev, ctx: n.nvm_async_ctx) => Promise<void>,
): Promise<void> {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const ctx = (await n.nvm_async_init(dev, depth, 0))!;
  await body(sd, dev, ctx);
  assert.is(await n.nvm_async_term(dev, ctx), 0);
  await n.nvm_dev_close(dev);
}

/** Device bytes of `count` sectors from `addr`. */
const onDevice = (sd: SoftDevice, chunk: number, sectr: number, count: number) =>
  sd.zoned.subarray(lbaOf(chunk, sectr) * BS, lbaOf(chunk, sectr + count) * BS);

test("scattered pieces of one command each reach their own sectors of a buffer that starts inside DMA memory", () =>
  withContext(4, async (sd, dev, ctx) => {
    // The data starts one sector into its allocation: its address is the allocation's plus 4096.
    const whole = n.nvm_buf_alloc(dev, 6 * BS)!;
    const data = whole.subarray(BS);
    data.set(pattern(5 * BS, 11));
    const lookups = countLookups(dev);
    let from = sd.rig.device.commands.length;
    // Two chunks in one vector: chunk 2 sectors 0-1, chunk 3 sectors 0-2 (two NVMe Writes).
    const w = await runAsync(ctx, (ret) =>
      n.nvm_cmd_write(dev, [A(2, 0), A(2, 1), A(3, 0), A(3, 1), A(3, 2)], 5, data, null, ASYNC, ret),
    );
    assert.is(w.rc, 0, String(n.nvm_last_error()));
    assert.is(w.ret.status, 0);
    assert.equal(
      ioCommands(sd, from).map((c) => [c.opcode, slba(c), nlb(c)]),
      [
        [OPC.write, lbaOf(2), 2],
        [OPC.write, lbaOf(3), 3],
      ],
    );
    assert.ok(Buffer.compare(onDevice(sd, 2, 0, 2), data.subarray(0, 2 * BS)) === 0, "chunk 2");
    assert.ok(Buffer.compare(onDevice(sd, 3, 0, 3), data.subarray(2 * BS, 5 * BS)) === 0, "chunk 3");
    const twoPieces = lookups.calls;

    // Read back out of order into another buffer one sector into its allocation: four NVMe Reads.
    const into = n.nvm_buf_alloc(dev, 6 * BS)!;
    const back = into.subarray(BS);
    from = sd.rig.device.commands.length;
    lookups.calls = 0;
    const addrs = [A(3, 2), A(2, 0), A(3, 0), A(3, 1), A(2, 1)];
    const r = await runAsync(ctx, (ret) => n.nvm_cmd_read(dev, addrs, 5, back, null, ASYNC, ret));
    assert.is(r.rc, 0, String(n.nvm_last_error()));
    assert.equal(
      ioCommands(sd, from).map((c) => [c.opcode, slba(c), nlb(c)]),
      [
        [OPC.read, lbaOf(3, 2), 1],
        [OPC.read, lbaOf(2, 0), 1],
        [OPC.read, lbaOf(3, 0), 2],
        [OPC.read, lbaOf(2, 1), 1],
      ],
    );
    addrs.forEach((a, i) => {
      const want = onDevice(sd, a.chunk, a.sectr, 1);
      assert.ok(Buffer.compare(back.subarray(i * BS, (i + 1) * BS), want) === 0, `sector ${i}`);
    });
    assert.ok(Buffer.compare(into.subarray(0, BS), zeros(BS)) === 0, "nothing before the buffer was written");
    // The device address is found once per command, not once per piece as core's checks would.
    assert.is(lookups.calls, twoPieces, "four pieces, as many look-ups as two pieces");
    assert.is(lookups.calls, 1);
    lookups.stop();
  }));

test("a whole nvm_buf_alloc buffer needs no look-up of its address; once freed, it is not trusted", () =>
  withContext(2, async (sd, dev, ctx) => {
    const data = n.nvm_buf_alloc(dev, 2 * BS)!;
    data.set(pattern(2 * BS, 15));
    const lookups = countLookups(dev);
    const w = await runAsync(ctx, (ret) =>
      n.nvm_cmd_write(dev, [A(9, 0), A(10, 0)], 2, data, null, ASYNC, ret),
    );
    assert.is(w.rc, 0, String(n.nvm_last_error()));
    assert.is(lookups.calls, 0, "the buffer carries its address");
    assert.ok(Buffer.compare(onDevice(sd, 9, 0, 1), data.subarray(0, BS)) === 0, "chunk 9");
    assert.ok(Buffer.compare(onDevice(sd, 10, 0, 1), data.subarray(BS)) === 0, "chunk 10");
    // Freed, its view is no DMA memory of a command any more: the allocator is asked again (and has
    // the command copy it). Using a freed buffer is the caller's bug; it just does not reach the device.
    assert.is(n.nvm_buf_free(dev, data), 0);
    lookups.calls = 0;
    const again = await runAsync(ctx, (ret) =>
      n.nvm_cmd_write(dev, [A(9, 1)], 1, data, null, ASYNC | n.NVM_CMD_SCALAR, ret),
    );
    assert.is(again.rc, 0, String(n.nvm_last_error()));
    assert.is(again.ret.status, 0);
    assert.ok(lookups.calls >= 1, "asked again");
    lookups.stop();
  }));

test("a scalar range split at MDTS (8 + 8 + 4 sectors): each piece at its offset of the data", () =>
  withContext(2, async (sd, dev, ctx) => {
    const data = n.nvm_buf_alloc(dev, 20 * BS)!;
    data.set(pattern(20 * BS, 12));
    const from = sd.rig.device.commands.length;
    const w = await runAsync(ctx, (ret) =>
      n.nvm_cmd_write(dev, [A(4)], 20, data, null, ASYNC | n.NVM_CMD_SCALAR, ret),
    );
    assert.is(w.rc, 0, String(n.nvm_last_error()));
    assert.equal(
      ioCommands(sd, from).map((c) => [slba(c), nlb(c)]),
      [
        [lbaOf(4, 0), 8],
        [lbaOf(4, 8), 8],
        [lbaOf(4, 16), 4],
      ],
    );
    assert.ok(Buffer.compare(onDevice(sd, 4, 0, 20), data) === 0);
    const back = n.nvm_buf_alloc(dev, 20 * BS)!;
    const r = await runAsync(ctx, (ret) =>
      n.nvm_cmd_read(dev, [A(4)], 20, back, null, ASYNC | n.NVM_CMD_SCALAR, ret),
    );
    assert.is(r.rc, 0);
    assert.ok(Buffer.compare(back, data) === 0);
  }));

test("a scalar range one command carries, on a whole nvm_buf_alloc buffer, is one NVMe command with no look-up; one it cannot take is refused holding nothing", () =>
  withContext(1, async (sd, dev, ctx) => {
    const data = n.nvm_buf_alloc(dev, 3 * BS)!;
    data.set(pattern(3 * BS, 16));
    const lookups = countLookups(dev);
    let from = sd.rig.device.commands.length;
    const scalar = ASYNC | n.NVM_CMD_SCALAR;
    const w = await runAsync(ctx, (ret) => n.nvm_cmd_write(dev, [A(11)], 3, data, null, scalar, ret));
    assert.is(w.rc, 0, String(n.nvm_last_error()));
    assert.equal(
      ioCommands(sd, from).map((c) => [c.opcode, slba(c), nlb(c)]),
      [[OPC.write, lbaOf(11), 3]],
    );
    assert.ok(Buffer.compare(onDevice(sd, 11, 0, 3), data) === 0);
    // Four sectors into a three-sector buffer: refused before anything is taken.
    from = sd.rig.device.commands.length;
    const short = await runAsync(ctx, (ret) => n.nvm_cmd_read(dev, [A(11)], 4, data, null, scalar, ret));
    assert.is(short.rc, -1);
    assert.is(n.nvm_last_error()!.code, "EINVAL");
    assert.is(n.nvm_async_get_outstanding(ctx), 0);
    assert.is(ioCommands(sd, from).length, 0, "nothing reached the device");
    // The context's one record is free again and clean: a read into another buffer lands there only.
    const back = n.nvm_buf_alloc(dev, 3 * BS)!;
    const r = await runAsync(ctx, (ret) => n.nvm_cmd_read(dev, [A(11)], 3, back, null, scalar, ret));
    assert.is(r.rc, 0, String(n.nvm_last_error()));
    assert.ok(Buffer.compare(back, data) === 0);
    assert.is(lookups.calls, 0, "the buffers carry their addresses");
    lookups.stop();
  }));

test("a namespace smaller than the geometry (shrunk under a reset): core's checks refuse the command, nothing reaches the device", () =>
  withContext(1, async (sd, dev, ctx) => {
    const data = n.nvm_buf_alloc(dev, BS)!;
    const size = dev.ns.numSectors;
    dev.ns.numSectors = lbaOf(15);
    const from = sd.rig.device.commands.length;
    const r = await runAsync(ctx, (ret) =>
      n.nvm_cmd_read(dev, [A(15)], 1, data, null, ASYNC | n.NVM_CMD_SCALAR, ret),
    );
    dev.ns.numSectors = size;
    assert.is(r.rc, -1);
    assert.is(n.nvm_last_error()!.code, "EIO");
    assert.is(ioCommands(sd, from).length, 0, "nothing reached the device");
    assert.is(n.nvm_async_get_outstanding(ctx), 0);
  }));

test("memory that is not DMA memory goes through a bounce buffer of the command: scattered pieces land in order", () =>
  withContext(2, async (sd, dev, ctx) => {
    const plain = pattern(4 * BS, 13);
    const w = await runAsync(ctx, (ret) =>
      n.nvm_cmd_write(dev, [A(5, 0), A(5, 1), A(6, 0), A(6, 1)], 4, plain, null, ASYNC, ret),
    );
    assert.is(w.rc, 0, String(n.nvm_last_error()));
    assert.ok(Buffer.compare(onDevice(sd, 5, 0, 2), plain.subarray(0, 2 * BS)) === 0, "chunk 5");
    assert.ok(Buffer.compare(onDevice(sd, 6, 0, 2), plain.subarray(2 * BS)) === 0, "chunk 6");
    // A plain buffer longer than the command: only its first sectors are read into.
    const back = new Uint8Array(5 * BS).fill(0xee);
    const addrs = [A(6, 1), A(5, 0), A(6, 0), A(5, 1)];
    const r = await runAsync(ctx, (ret) => n.nvm_cmd_read(dev, addrs, 4, back, null, ASYNC, ret));
    assert.is(r.rc, 0, String(n.nvm_last_error()));
    addrs.forEach((a, i) => {
      const want = onDevice(sd, a.chunk, a.sectr, 1);
      assert.ok(Buffer.compare(back.subarray(i * BS, (i + 1) * BS), want) === 0, `sector ${i}`);
    });
    assert.ok(
      back.subarray(4 * BS).every((b) => b === 0xee),
      "past the command: untouched",
    );
  }));

test("a write off the write pointer still fails with the zone's status in nvm_ret, the pieces before it written", () =>
  withContext(2, async (sd, dev, ctx) => {
    const data = n.nvm_buf_alloc(dev, 4 * BS)!;
    data.set(pattern(4 * BS, 14));
    // The pointer of chunk 7 is at 0: sector 16 is refused (Zone Invalid Write, DNR).
    const off = await runAsync(ctx, (ret) =>
      n.nvm_cmd_write(dev, [A(7, 16)], 1, data, null, ASYNC | n.NVM_CMD_SCALAR, ret),
    );
    assert.is(off.rc, 0, "submitted: the device judges it");
    assert.is(off.ret.status, 0x41bc);
    assert.is(n.nvm_ret_sc(off.ret), 0xbc);
    // A vector whose second piece skips ahead: the first lands, the command fails with the zone's status.
    const mixed = await runAsync(ctx, (ret) =>
      n.nvm_cmd_write(dev, [A(7, 0), A(7, 1), A(7, 5)], 3, data, null, ASYNC, ret),
    );
    assert.is(mixed.rc, 0);
    assert.is(mixed.ret.status, 0x41bc);
    assert.ok(Buffer.compare(onDevice(sd, 7, 0, 2), data.subarray(0, 2 * BS)) === 0);
    const rprt = (await n.nvm_cmd_rprt(dev, null, 0))!;
    assert.is(rprt.descr[7]!.wp, lbaOf(7, 2));
  }));

test("a synchronous command runs after those queued before it, so core checks its buffer then: one freed meanwhile is refused", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const data = n.nvm_buf_alloc(dev, BS)!;
  const doomed = n.nvm_buf_alloc(dev, BS)!;
  const from = sd.rig.device.commands.length;
  const first = n.nvm_cmd_write(dev, [A(8)], 1, data, null, 0);
  const second = n.nvm_cmd_read(dev, [A(8)], 1, doomed, null, 0);
  assert.is(n.nvm_buf_free(dev, doomed), 0);
  assert.is(await first, 0);
  assert.is(await second, -1);
  assert.is(n.nvm_last_error()!.code, "EIO");
  assert.match(String(n.nvm_last_error()!.cause), /DMA memory/);
  assert.equal(
    ioCommands(sd, from).map((c) => c.opcode),
    [OPC.write],
    "the read never reached the device",
  );
  await n.nvm_dev_close(dev);
});

test.run();
