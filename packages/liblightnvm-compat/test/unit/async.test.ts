import { test } from "uvu";
import * as assert from "uvu/assert";
import * as n from "../../src/index.js";
import { BS, ioCommands, openSoft, pattern, softDevice, ZONE } from "./soft-device.js";

const A = (chunk: number, sectr = 0) => n.nvm_addr({ chunk, sectr });
const lbaOf = (chunk: number, sectr = 0) => chunk * ZONE.size + sectr;

/** An nvm_ret for `ctx` whose callback records (status, cb_arg). */
function asyncRet(ctx: n.nvm_async_ctx, log: [number, unknown][], arg: unknown): n.nvm_ret {
  const ret = new n.nvm_ret();
  ret.async.ctx = ctx;
  ret.async.cb = (r, a) => log.push([r.status, a]);
  ret.async.cb_arg = arg;
  return ret;
}

test("depth: submissions return at once; at outstanding == depth, EAGAIN; poke runs the callbacks; then retry", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const ctx = (await n.nvm_async_init(dev, 4, 0))!;
  assert.is(n.nvm_async_get_depth(ctx), 4);
  const data = n.nvm_buf_alloc(dev, 10 * BS)!;
  data.set(pattern(10 * BS, 7));
  const log: [number, unknown][] = [];
  // Four writes of 2 sectors at the write pointer of chunk 1, in order.
  for (let i = 0; i < 4; i++) {
    const rc = n.nvm_cmd_write(
      dev,
      [A(1, 2 * i)],
      2,
      data.subarray(2 * i * BS),
      null,
      n.NVM_CMD_ASYNC | n.NVM_CMD_SCALAR,
      asyncRet(ctx, log, i),
    );
    assert.is(rc, 0, String(n.nvm_last_error()));
  }
  assert.is(n.nvm_async_get_outstanding(ctx), 4);
  const from = sd.rig.device.commands.length;
  const fifth = asyncRet(ctx, log, 4);
  assert.is(
    n.nvm_cmd_write(
      dev,
      [A(1, 8)],
      2,
      data.subarray(8 * BS),
      null,
      n.NVM_CMD_ASYNC | n.NVM_CMD_SCALAR,
      fifth,
    ),
    -1,
  );
  assert.is(n.nvm_errno(), n.EAGAIN);
  const eagain = n.nvm_last_error()!;
  assert.is(eagain.code, "EAGAIN");
  assert.match(eagain.message, /nvm_cmd_write: 4 commands outstanding = depth; poke, then retry/);
  assert.is(n.nvm_last_error(), eagain, "the same error until the next failure");
  assert.is(n.nvm_async_poke(dev, null, 0), -1);
  assert.is(n.nvm_errno(), n.EINVAL, "errno is the latest failure's");
  assert.is(n.nvm_last_error()!.code, "EINVAL", "and so is the error, though the earlier one was asked for");
  assert.is(ioCommands(sd, from).length, 0, "the refused one was not submitted");
  assert.equal(log, [], "no callback outside poke/wait");
  // Poke until all four completed; callbacks run inside poke, in order, with their ret and cb_arg.
  let done = 0;
  for (let spins = 0; done < 4 && spins < 10000; spins++) {
    const got = n.nvm_async_poke(dev, ctx, 0);
    assert.ok(got >= 0);
    done += got;
    assert.is(log.length, done);
    if (done < 4) await new Promise((r) => setImmediate(r));
  }
  assert.equal(log, [
    [0, 0],
    [0, 1],
    [0, 2],
    [0, 3],
  ]);
  assert.is(n.nvm_async_get_outstanding(ctx), 0);
  // Retry the refused one.
  assert.is(
    n.nvm_cmd_write(
      dev,
      [A(1, 8)],
      2,
      data.subarray(8 * BS),
      null,
      n.NVM_CMD_ASYNC | n.NVM_CMD_SCALAR,
      fifth,
    ),
    0,
  );
  assert.is(await n.nvm_async_wait(dev, ctx), 1);
  assert.equal(log[4], [0, 4]);
  assert.ok(
    Buffer.compare(sd.zoned.subarray(lbaOf(1) * BS, lbaOf(1, 10) * BS), data) === 0,
    "byte-exact on the device",
  );
  assert.is(await n.nvm_async_term(dev, ctx), 0);
  await n.nvm_dev_close(dev);
});

test("poke with max bounds the completions processed; wait drains everything; a failed command reports its status", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const ctx = (await n.nvm_async_init(dev, 8))!;
  const data = n.nvm_buf_alloc(dev, 8 * BS)!;
  data.set(pattern(8 * BS, 8));
  assert.is(await n.nvm_cmd_write(dev, [A(2)], 8, data, null, n.NVM_CMD_SCALAR), 0);
  const log: [number, unknown][] = [];
  const backs = Array.from({ length: 6 }, () => new Uint8Array(BS));
  for (let i = 0; i < 6; i++) {
    const r = asyncRet(ctx, log, i);
    assert.is(n.nvm_cmd_read(dev, [A(2, i)], 1, backs[i]!, null, n.NVM_CMD_ASYNC, r), 0);
  }
  // A write away from the write pointer fails on the device: its callback sees the zone status.
  const bad = asyncRet(ctx, log, "bad");
  assert.is(n.nvm_cmd_write(dev, [A(2, 20)], 1, data, null, n.NVM_CMD_ASYNC, bad), 0);
  assert.is(n.nvm_async_get_outstanding(ctx), 7);
  await new Promise((r) => setImmediate(r));
  const first = n.nvm_async_poke(dev, ctx, 2);
  assert.ok(first <= 2, `poke(max 2) completed ${first}`);
  const rest = await n.nvm_async_wait(dev, ctx);
  assert.is(first + rest, 7);
  assert.is(n.nvm_async_get_outstanding(ctx), 0);
  assert.equal(log.find(([, a]) => a === "bad")![0] & 0x7ff, 0x1bc);
  assert.is(bad.status & 0x7ff, 0x1bc);
  for (const [i, b] of backs.entries())
    assert.ok(Buffer.compare(b, data.subarray(i * BS, (i + 1) * BS)) === 0, `read ${i}`);
  assert.is(await n.nvm_async_wait(dev, ctx), 0, "nothing outstanding: 0 at once");
  await n.nvm_dev_close(dev);
  assert.is(n.nvm_async_poke(dev, ctx, 0), -1, "close terminated the context");
});

test("a vector split into several commands counts as one; term refuses while commands are outstanding", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const ctx = (await n.nvm_async_init(dev, 1))!;
  const data = n.nvm_buf_alloc(dev, 20 * BS)!;
  const addrs = Array.from({ length: 20 }, (_, i) => A(3, i));
  const log: [number, unknown][] = [];
  const from = sd.rig.device.commands.length;
  assert.is(n.nvm_cmd_write(dev, addrs, 20, data, null, n.NVM_CMD_ASYNC, asyncRet(ctx, log, "v")), 0);
  assert.is(n.nvm_async_get_outstanding(ctx), 1);
  assert.is(await n.nvm_async_term(dev, ctx), -1);
  assert.is(n.nvm_last_error()!.code, "EBUSY");
  // Two waits at once both settle.
  assert.equal(await Promise.all([n.nvm_async_wait(dev, ctx), n.nvm_async_wait(dev, ctx)]), [1, 1]);
  assert.equal(log, [[0, "v"]]);
  assert.is(ioCommands(sd, from).length, 3, "8 + 8 + 4 sectors");
  assert.is(await n.nvm_async_term(dev, ctx), 0);
  assert.is(await n.nvm_async_term(dev, ctx), -1);
  assert.is(n.nvm_errno(), n.EINVAL);
  assert.is(n.nvm_async_get_depth(null), 0);
  assert.is(await n.nvm_async_init(dev, 0), null);
  assert.is(n.nvm_errno(), n.EINVAL);
  await n.nvm_dev_close(dev);
});

test("async erase, append and copy complete through poke with their results", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd);
  const ctx = (await n.nvm_async_init(dev, 4))!;
  const data = n.nvm_buf_alloc(dev, 4 * BS)!;
  data.set(pattern(4 * BS, 9));
  const log: [number, unknown][] = [];
  const app = asyncRet(ctx, log, "append");
  assert.is(n.nvm_cmd_append(dev, [A(4)], 4, data, n.NVM_CMD_ASYNC, app), 0);
  assert.is(await n.nvm_async_wait(dev, ctx), 1);
  assert.is(app.result, lbaOf(4));
  const cp = asyncRet(ctx, log, "copy");
  assert.is(n.nvm_cmd_copy(dev, [A(4, 2), A(4, 3)], [A(5, 0), A(5, 1)], 2, n.NVM_CMD_ASYNC, cp), 0);
  assert.is(await n.nvm_async_wait(dev, ctx), 1);
  assert.ok(Buffer.compare(sd.zoned.subarray(lbaOf(5) * BS, lbaOf(5, 2) * BS), data.subarray(2 * BS)) === 0);
  const er = asyncRet(ctx, log, "erase");
  assert.is(n.nvm_cmd_erase(dev, [A(4), A(5)], 2, null, n.NVM_CMD_ASYNC, er), 0);
  assert.is(await n.nvm_async_wait(dev, ctx), 1);
  assert.equal(log, [
    [0, "append"],
    [0, "copy"],
    [0, "erase"],
  ]);
  const rprt = (await n.nvm_cmd_rprt(dev, null))!;
  assert.ok([4, 5].every((c) => rprt.descr[c]!.cs === n.NVM_CHUNK_STATE_FREE));
  await n.nvm_dev_close(dev);
});

test.run();
