import { MediaSc, nvmeStatus, Sct } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  AIO_COMPLETE,
  AIO_INIT,
  AIO_PROCESS,
  HANDLE_DIRECT_IO,
  HANDLE_HINT_DMEM,
  type NVMED_AIO_CTX,
  nvmed_aio_ctx,
  nvmed_aio_handle_complete,
  nvmed_aio_queue_submit,
  nvmed_aio_read,
  nvmed_aio_write,
  nvmed_close,
  nvmed_get_buffer,
  nvmed_handle_create,
  nvmed_handle_create_mq,
  nvmed_handle_destroy,
  nvmed_handle_destroy_mq,
  nvmed_pread,
  nvmed_put_buffer,
  nvmed_pwrite,
  nvmed_queue_create,
  nvmed_queue_destroy,
} from "../../src/index.js";
import { ioCommands, OPC, openSoft, pattern, softDevice } from "./soft-device.js";

async function setup(flags = HANDLE_DIRECT_IO | HANDLE_HINT_DMEM) {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q = (await nvmed_queue_create(nvmed))!;
  const h = nvmed_handle_create(q, flags)!;
  const done = async () => {
    assert.is(nvmed_handle_destroy(h), 0);
    assert.is(await nvmed_queue_destroy(q), 0);
    assert.is(await nvmed_close(nvmed), 0);
  };
  return { dev, nvmed, q, h, done };
}

test("AIO: INIT → PROCESS on submit, COMPLETE with the callback inline in handle_complete; counts", async () => {
  const s = await setup();
  const buf = nvmed_get_buffer(s.nvmed, 2)!;
  buf.set(pattern(8192, 1));
  const calls: Array<[NVMED_AIO_CTX, unknown, number]> = [];
  let inside = false;
  const cb = (c: NVMED_AIO_CTX, u: unknown) => {
    assert.ok(inside, "called from inside nvmed_aio_handle_complete");
    calls.push([c, u, c.status]);
  };
  const w = nvmed_aio_ctx({
    handle: s.h,
    start_lba: 4096,
    len: 8192,
    buf,
    aio_callback: cb,
    cb_userdata: "u1",
    private_data: 42,
  });
  assert.is(w.status, AIO_INIT);
  assert.is(nvmed_aio_write(w), 0);
  assert.is(w.status, AIO_PROCESS);
  assert.is(w.num_init_io, 1);
  assert.is(s.h.aioInFlight, 1);
  assert.is(nvmed_handle_destroy(s.h), -1, "no destroy with AIO in flight");
  assert.is(nvmed_aio_queue_submit(s.h), 1);
  assert.is(nvmed_aio_queue_submit(s.h), 0, "counted since the last call");
  inside = true;
  assert.is(nvmed_aio_handle_complete(s.h), 1);
  inside = false;
  assert.is(w.status, AIO_COMPLETE);
  assert.is(w.result, 0);
  assert.is(w.num_complete_io, 1);
  assert.is(calls.length, 1);
  assert.is(calls[0]![0], w);
  assert.is(calls[0]![1], "u1");
  assert.is(calls[0]![2], AIO_COMPLETE);
  assert.is(w.private_data, 42);
  assert.equal(s.dev.backend.subarray(4096, 4096 + 8192), pattern(8192, 1));
  assert.is(nvmed_aio_handle_complete(s.h), 0);

  const rbuf = nvmed_get_buffer(s.nvmed, 2)!;
  const r = nvmed_aio_ctx({ handle: s.h, start_lba: 4096, len: 8192, buf: rbuf });
  assert.is(nvmed_aio_read(r), 0);
  const r2 = nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 512, buf: rbuf.subarray(0, 512) });
  const r3 = nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 512, buf: rbuf.subarray(512, 1024) });
  assert.is(nvmed_aio_read(r2), 0);
  assert.is(nvmed_aio_read(r3), 0);
  assert.is(nvmed_aio_queue_submit(s.h), 3);
  let total = 0;
  for (let i = 0; i < 10 && total < 3; i++) total += nvmed_aio_handle_complete(s.h);
  assert.is(total, 3);
  assert.is(r.status, AIO_COMPLETE);
  await s.done();
});

test("AIO: a failed command is reported on the context (result -1, NVMe status in error)", async () => {
  const s = await setup();
  s.dev.rig.device.failLba(1, 16, nvmeStatus(Sct.Media, MediaSc.UnrecoveredReadError), 1);
  const buf = nvmed_get_buffer(s.nvmed, 1)!;
  let cbStatus = -1;
  const c = nvmed_aio_ctx({
    handle: s.h,
    start_lba: 16 * 512,
    len: 4096,
    buf,
    aio_callback: (x) => (cbStatus = x.result),
  });
  assert.is(nvmed_aio_read(c), 0);
  assert.is(nvmed_aio_handle_complete(s.h), 1);
  assert.is(c.status, AIO_COMPLETE);
  assert.is(c.result, -1);
  assert.is(cbStatus, -1);
  assert.match(c.error!.message, /Unrecovered Read Error/i);
  assert.is(s.h.aioInFlight, 0);
  await s.done();
});

test("AIO bad input: misaligned, past the end, foreign buffer with HINT_DMEM, no handle: -1, nothing submitted", async () => {
  const s = await setup();
  const buf = nvmed_get_buffer(s.nvmed, 1)!;
  const put = nvmed_get_buffer(s.nvmed, 1)!;
  assert.is(nvmed_put_buffer(put), 0);
  const n0 = s.dev.rig.device.commands.length;
  const bad = [
    nvmed_aio_ctx({ handle: s.h, start_lba: 100, len: 512, buf }),
    nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 100, buf }),
    nvmed_aio_ctx({ handle: s.h, start_lba: s.nvmed.capacity - 512, len: 1024, buf }),
    nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 4096, buf: new Uint8Array(4096) }),
    nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 8192, buf }),
    nvmed_aio_ctx({ handle: null, start_lba: 0, len: 512, buf }),
    nvmed_aio_ctx({ handle: s.h, start_lba: "4096" as unknown as number, len: 512, buf }),
    nvmed_aio_ctx({ handle: s.h, start_lba: Number.NaN, len: 512, buf }),
    nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: Number.NaN, buf }),
    nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 512, buf: { byteLength: 512 } as ArrayBufferView }),
    nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 512, buf: put }),
  ];
  for (const c of bad) {
    assert.is(nvmed_aio_write(c), -1);
    assert.is(c.result, -1);
    assert.is(c.status, AIO_INIT);
  }
  assert.match(bad[3]!.error!.message, /HINT_DMEM/);
  assert.match(bad[10]!.error!.message, /HINT_DMEM/, "a buffer put back is no longer the device's");
  assert.is(nvmed_aio_read(null), -1);
  assert.is(s.dev.rig.device.commands.length, n0, "nothing submitted");
  assert.is(nvmed_aio_queue_submit(s.h), 0);
  await s.done();
});

test("AIO: a copy of a context in flight is a context of its own", async () => {
  const s = await setup();
  const a = nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 512, buf: nvmed_get_buffer(s.nvmed, 1)! });
  assert.is(nvmed_aio_write(a), 0);
  const b = { ...a, start_lba: 512, status: AIO_INIT, buf: nvmed_get_buffer(s.nvmed, 1)!.fill(7) };
  assert.is(nvmed_aio_write(b), 0);
  assert.is(nvmed_aio_handle_complete(s.h), 2);
  assert.is(a.status, AIO_COMPLETE);
  assert.is(b.status, AIO_COMPLETE);
  assert.is(s.dev.backend[512], 7, "the copy wrote its own buffer at its own offset");
  assert.is(s.dev.backend[0], 0);
  await s.done();
});

test("AIO without HINT_DMEM: plain memory is bounced; buffered handles stay coherent with the cache", async () => {
  const s = await setup(0);
  await nvmed_pwrite(s.h, new Uint8Array([1, 2, 3]), 3, 600); // dirty in the cache
  const plain = new Uint8Array(1024);
  const r = nvmed_aio_ctx({ handle: s.h, start_lba: 512, len: 1024, buf: plain });
  assert.is(nvmed_aio_read(r), 0);
  assert.is(nvmed_aio_handle_complete(s.h), 1);
  assert.equal([...plain.subarray(88, 91)], [1, 2, 3], "dirty cached bytes laid over the device's");
  const w = nvmed_aio_ctx({ handle: s.h, start_lba: 512, len: 512, buf: new Uint8Array(512).fill(4) });
  assert.is(nvmed_aio_write(w), 0);
  assert.is(nvmed_aio_handle_complete(s.h), 1);
  const b = new Uint8Array(3);
  await nvmed_pread(s.h, b, 3, 600);
  assert.equal([...b], [4, 4, 4], "the cached page took the AIO write");
  await s.done();
});

test("AIO on a multi-queue handle is submitted on the chosen queue, and reaped from it", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q1 = (await nvmed_queue_create(nvmed))!;
  const q2 = (await nvmed_queue_create(nvmed))!;
  const h = nvmed_handle_create_mq([q1, q2], 2, HANDLE_DIRECT_IO, () => q2)!;
  const n0 = dev.rig.device.commands.length;
  const c = nvmed_aio_ctx({ handle: h, start_lba: 0, len: 512, buf: new Uint8Array(512) });
  assert.is(nvmed_aio_read(c), 0);
  assert.is(nvmed_aio_handle_complete(h), 1);
  assert.equal(
    ioCommands(dev, n0).map((x) => [x.opcode, x.qid]),
    [[OPC.read, q2.qid]],
  );
  assert.is(nvmed_handle_destroy_mq(h), 0);
  await nvmed_queue_destroy(q1);
  await nvmed_queue_destroy(q2);
  assert.is(await nvmed_close(nvmed), 0);
});

test("AIO back-pressure: a full queue is -1 (busy), nothing lost; reaping makes room", async () => {
  const s = await setup();
  const buf = nvmed_get_buffer(s.nvmed, 1)!;
  const ctxs: NVMED_AIO_CTX[] = [];
  let rc = 0;
  while (rc === 0 && ctxs.length < 5000) {
    const c = nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 512, buf: buf.subarray(0, 512) });
    rc = nvmed_aio_read(c);
    if (rc === 0) ctxs.push(c);
  }
  assert.is(rc, -1);
  assert.match(s.h.lastError!.message, /full/);
  let done = 0;
  while (done < ctxs.length) done += nvmed_aio_handle_complete(s.h);
  assert.ok(ctxs.every((c) => c.status === AIO_COMPLETE));
  assert.is(nvmed_aio_read(nvmed_aio_ctx({ handle: s.h, start_lba: 0, len: 512, buf })), 0);
  assert.is(nvmed_aio_handle_complete(s.h), 1);
  await nvmed_pread(s.h, buf, 512, 0);
  await s.done();
});

test.run();
