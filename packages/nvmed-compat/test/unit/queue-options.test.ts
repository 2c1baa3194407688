import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  AIO_COMPLETE,
  AIO_PROCESS,
  HANDLE_DIRECT_IO,
  HANDLE_INTERRUPT,
  type NVMED_AIO_CTX,
  nvmed_aio_ctx,
  nvmed_aio_handle_complete,
  nvmed_aio_queue_submit,
  nvmed_aio_read,
  nvmed_aio_write,
  nvmed_close,
  nvmed_handle_create,
  nvmed_handle_create_mq,
  nvmed_handle_destroy,
  nvmed_handle_destroy_mq,
  nvmed_handle_feature_get,
  nvmed_handle_feature_set,
  nvmed_pread,
  nvmed_queue_create,
  nvmed_queue_destroy,
  QUEUE_DELAYED_DOORBELL,
  QUEUE_INTERRUPT,
} from "../../src/index.js";
import { ioCommands, OPC, openSoft, pattern, softDevice } from "./soft-device.js";

/** Resolves when `ctx`'s callback runs, or rejects after `ms`. */
function completion(ctx: NVMED_AIO_CTX, ms = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no completion in ${ms} ms`)), ms);
    ctx.aio_callback = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

const turns = (n: number): Promise<void> =>
  n === 0 ? Promise.resolve() : new Promise((r) => setImmediate(() => r(turns(n - 1))));

test("QUEUE_INTERRUPT + HANDLE_INTERRUPT: AIO completes with no nvmed_aio_handle_complete, which still counts it", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q = (await nvmed_queue_create(nvmed, QUEUE_INTERRUPT))!;
  assert.ok(q !== null);
  assert.is(q.flags, QUEUE_INTERRUPT);
  const h = nvmed_handle_create(q, HANDLE_DIRECT_IO | HANDLE_INTERRUPT)!;
  assert.is(nvmed_handle_feature_get(h, HANDLE_INTERRUPT), 1, "kept on an interrupt queue");
  const data = pattern(1024, 3);
  const w = nvmed_aio_ctx({ handle: h, start_lba: 2048, len: 1024, buf: data });
  const written = completion(w);
  assert.is(nvmed_aio_write(w), 0);
  await written;
  assert.is(w.status, AIO_COMPLETE);
  assert.is(w.result, 0);
  assert.equal(dev.backend.subarray(2048, 3072), data);
  assert.is(q.interruptWaiters, 0);
  assert.is(nvmed_aio_handle_complete(h), 1, "counted by the next call");
  assert.is(nvmed_aio_handle_complete(h), 0);

  // Without HANDLE_INTERRUPT (cleared on the same handle) nothing reaps it until the caller polls.
  assert.is(nvmed_handle_feature_set(h, HANDLE_INTERRUPT, 0), 0);
  const r = nvmed_aio_ctx({ handle: h, start_lba: 2048, len: 1024, buf: new Uint8Array(1024) });
  assert.is(nvmed_aio_read(r), 0);
  await turns(20);
  assert.is(r.status, AIO_PROCESS, "polled handles complete in nvmed_aio_handle_complete only");
  assert.is(nvmed_aio_handle_complete(h), 1);
  assert.equal(r.buf, data);
  assert.is(nvmed_handle_feature_set(h, HANDLE_INTERRUPT, 1), 1);

  // Awaited calls work on an interrupt queue.
  const back = new Uint8Array(1024);
  assert.is(await nvmed_pread(h, back, 1024, 2048), 1024);
  assert.equal(back, data);
  assert.is(nvmed_handle_destroy(h), 0);
  assert.is(await nvmed_queue_destroy(q), 0);
  assert.is(await nvmed_close(nvmed), 0);
});

test("HANDLE_INTERRUPT: dropped on a polled queue and on a multi-queue handle with one, -6 from feature_set there", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const polled = (await nvmed_queue_create(nvmed, 0))!;
  const irq = (await nvmed_queue_create(nvmed, QUEUE_INTERRUPT))!;
  const h = nvmed_handle_create(polled, HANDLE_INTERRUPT)!;
  assert.is(nvmed_handle_feature_get(h, HANDLE_INTERRUPT), 0);
  assert.is(nvmed_handle_feature_set(h, HANDLE_INTERRUPT, 1), -6);
  const mixed = nvmed_handle_create_mq([polled, irq], 2, HANDLE_INTERRUPT, () => irq)!;
  assert.is(nvmed_handle_feature_get(mixed, HANDLE_INTERRUPT), 0);
  const both = nvmed_handle_create_mq([irq, irq], 2, HANDLE_INTERRUPT, () => irq)!;
  assert.is(nvmed_handle_feature_get(both, HANDLE_INTERRUPT), 1);
  for (const x of [mixed, both]) assert.is(nvmed_handle_destroy_mq(x), 0);
  assert.is(nvmed_handle_destroy(h), 0);
  assert.is(await nvmed_queue_destroy(polled), 0);
  assert.is(await nvmed_queue_destroy(irq), 0);
  assert.is(await nvmed_close(nvmed), 0);
});

test("QUEUE_DELAYED_DOORBELL: AIO reaches the device at nvmed_aio_queue_submit; awaited calls still complete", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q = (await nvmed_queue_create(nvmed, QUEUE_DELAYED_DOORBELL))!;
  const h = nvmed_handle_create(q, HANDLE_DIRECT_IO)!;
  const n0 = dev.rig.device.commands.length;
  const ctxs = [0, 1, 2].map((i) =>
    nvmed_aio_ctx({ handle: h, start_lba: i * 512, len: 512, buf: new Uint8Array(512).fill(i + 1) }),
  );
  for (const c of ctxs) assert.is(nvmed_aio_write(c), 0);
  assert.is(ioCommands(dev, n0).length, 0, "posted, doorbell not rung");
  assert.is(nvmed_aio_queue_submit(h), 3);
  assert.equal(
    ioCommands(dev, n0).map((c) => c.opcode),
    [OPC.write, OPC.write, OPC.write],
  );
  let done = 0;
  for (let i = 0; i < 10 && done < 3; i++) done += nvmed_aio_handle_complete(h);
  assert.is(done, 3);
  const back = new Uint8Array(1536);
  assert.is(await nvmed_pread(h, back, 1536, 0), 1536);
  assert.equal([back[0], back[512], back[1024]], [1, 2, 3]);
  assert.is(nvmed_handle_destroy(h), 0);
  assert.is(await nvmed_queue_destroy(q), 0);
  assert.is(await nvmed_close(nvmed), 0);
});

test.run();
