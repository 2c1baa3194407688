import { EMBEDDED_SOFT_TRID, embeddedSoftRig } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  HANDLE_DIRECT_IO,
  HANDLE_HINT_DMEM,
  HANDLE_INTERRUPT,
  HANDLE_SYNC_IO,
  NVMED_CACHE_DEFAULT_PAGES,
  NVMED_CACHE_SIZE,
  NVMED_NO_CACHE,
  nvmed_close,
  nvmed_errstr,
  nvmed_feature_get,
  nvmed_feature_set,
  nvmed_get_buffer,
  nvmed_handle_create,
  nvmed_handle_create_mq,
  nvmed_handle_destroy,
  nvmed_handle_destroy_mq,
  nvmed_handle_feature_get,
  nvmed_handle_feature_set,
  nvmed_last_error,
  nvmed_open,
  nvmed_pread,
  nvmed_put_buffer,
  nvmed_pwrite,
  nvmed_queue_create,
  nvmed_queue_destroy,
  nvmed_set_driver,
} from "../../src/index.js";
import { openSoft, pattern, SOFT_PATH, softDevice } from "./soft-device.js";

test("nvmed_open: a transport ID with ns:N opens that namespace; close returns 0 and detaches", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  assert.is(nvmed.ns.id, 1);
  assert.is(nvmed.capacity, 2048 * 512);
  assert.is(nvmed.sectorSize, 512);
  assert.is(dev.rig.driver.controllers.length, 1);
  assert.is(await nvmed_close(nvmed), 0);
  assert.is(dev.rig.driver.controllers.length, 0);
  assert.is(await nvmed_close(nvmed), -2, "closing twice is NVMED_NOENTRY");
  assert.is(await nvmed_close(null), -2);
});

test("nvmed_open: null with the reason for no driver, a bad ns, an inactive namespace, bad flags", async () => {
  nvmed_set_driver(null);
  assert.is(await nvmed_open("trtype:PCIe traddr:0000:01:00.0 ns:1", 0), null);
  assert.match(nvmed_last_error()!.message, /nvmed_set_driver/);
  assert.is(await nvmed_open("trtype:bogus traddr:x ns:1", 0), null);
  assert.match(nvmed_last_error()!.message, /nvmed_set_driver/);
  const dev = softDevice();
  assert.is(await nvmed_open("trtype:SOFT traddr:soft0 ns:x", 0, { driver: dev.rig.driver }), null);
  assert.match(nvmed_last_error()!.message, /positive integer/);
  assert.is(await nvmed_open("trtype:SOFT traddr:soft0 ns:7", 0, { driver: dev.rig.driver }), null);
  assert.match(nvmed_last_error()!.message, /namespace 7/);
  assert.is(nvmed_last_error()!.code, -2);
  assert.is(dev.rig.driver.controllers.length, 0, "a failed open releases the controller");
  assert.is(await nvmed_open(SOFT_PATH, 0x80, { driver: dev.rig.driver }), null);
  assert.is(await nvmed_open("trtype:SOFT traddr:nosuch ns:1", 0, { driver: dev.rig.driver }), null);
  assert.match(nvmed_last_error()!.message, /cannot connect/);
});

test("nvmed_open with no driver: a trtype:SOFT path opens the embedded software controller, data kept across opens", async () => {
  nvmed_set_driver(null);
  const path = `${EMBEDDED_SOFT_TRID} ns:1`;
  const data = pattern(4096, 5);
  const a = await nvmed_open(path, 0);
  if (a === null) throw nvmed_last_error();
  assert.is(a.ctrlr, embeddedSoftRig().driver.controllers[0], "the embedded rig's controller");
  const qa = (await nvmed_queue_create(a))!;
  const ha = nvmed_handle_create(qa, 0)!; // buffered: the data reaches the device at close
  assert.is(await nvmed_pwrite(ha, data, 4096, 8192), 4096);
  assert.is(nvmed_handle_destroy(ha), 0);
  assert.is(await nvmed_queue_destroy(qa), 0);
  assert.is(await nvmed_close(a), 0);
  assert.is(embeddedSoftRig().driver.controllers.length, 0, "detached at the last close");

  const b = await nvmed_open(path, NVMED_NO_CACHE);
  if (b === null) throw nvmed_last_error();
  const qb = (await nvmed_queue_create(b))!;
  const hb = nvmed_handle_create(qb, HANDLE_DIRECT_IO)!;
  const back = new Uint8Array(4096);
  assert.is(await nvmed_pread(hb, back, 4096, 8192), 4096);
  assert.equal(back, data);
  assert.is(nvmed_handle_destroy(hb), 0);
  assert.is(await nvmed_queue_destroy(qb), 0);
  assert.is(await nvmed_close(b), 0);
  assert.is(await nvmed_open("trtype:SOFT traddr:soft9 ns:1", 0), null, "the embedded rig has soft0 only");
  assert.match(nvmed_last_error()!.message, /cannot connect/);
});

test("nvmed_set_driver: the default driver nvmed_open uses", async () => {
  const dev = softDevice();
  nvmed_set_driver(dev.rig.driver);
  const nvmed = await nvmed_open(SOFT_PATH, 0);
  nvmed_set_driver(null);
  assert.ok(nvmed);
  assert.is(await nvmed_close(nvmed), 0);
});

test("two opens share one controller; it is detached when the last closes", async () => {
  const dev = softDevice();
  const a = await openSoft(dev);
  const b = await openSoft(dev);
  assert.is(a.ctrlr, b.ctrlr);
  assert.is(a.cache, b.cache, "one cache per namespace");
  assert.is(await nvmed_close(a), 0);
  assert.is(dev.rig.driver.controllers.length, 1);
  assert.is(await nvmed_close(b), 0);
  assert.is(dev.rig.driver.controllers.length, 0);
});

test("close fails with -1 while queues remain; queue destroy fails with -1 while handles remain", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q = (await nvmed_queue_create(nvmed, 0))!;
  assert.ok(q);
  const h = nvmed_handle_create(q, HANDLE_DIRECT_IO)!;
  assert.ok(h);
  assert.is(await nvmed_close(nvmed), -1);
  assert.match(nvmed.lastError!.message, /queue/);
  assert.is(nvmed_errstr(nvmed.lastError!.code), "NVMED_FAULT");
  assert.is(await nvmed_queue_destroy(q), -1);
  assert.match(q.lastError!.message, /handle/);
  assert.is(nvmed_handle_destroy(h), 0);
  assert.is(nvmed_handle_destroy(h), -2);
  assert.is(nvmed_handle_destroy(null), -2);
  const before = nvmed.ctrlr.ioQueuePairs.size;
  assert.is(await nvmed_queue_destroy(q), 0);
  assert.is(nvmed.ctrlr.ioQueuePairs.size, before - 1, "the core queue pair is freed");
  assert.is(await nvmed_queue_destroy(q), -2);
  assert.is(nvmed_handle_create(q, 0), null, "no handle on a destroyed queue");
  assert.is(await nvmed_close(nvmed), 0);
});

test("nvmed_queue_create: unknown flags refused (-6), closed device refused", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  assert.is(await nvmed_queue_create(nvmed, 0x40), null);
  assert.is(nvmed.lastError!.code, -6);
  assert.match(nvmed.lastError!.message, /QUEUE_INTERRUPT/);
  assert.is(await nvmed_close(nvmed), 0);
  assert.is(await nvmed_queue_create(nvmed, 0), null);
});

test("handle features: set returns the value, get reads it back; on a polled queue INTERRUPT is -6 and dropped at create", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q = (await nvmed_queue_create(nvmed))!;
  const h = nvmed_handle_create(q, HANDLE_SYNC_IO | HANDLE_INTERRUPT)!;
  assert.is(h.flags, HANDLE_SYNC_IO);
  assert.is(nvmed_handle_feature_get(h, HANDLE_DIRECT_IO), 0);
  assert.is(nvmed_handle_feature_set(h, HANDLE_DIRECT_IO, true), 1);
  assert.is(nvmed_handle_feature_get(h, HANDLE_DIRECT_IO), 1);
  assert.is(nvmed_handle_feature_set(h, HANDLE_SYNC_IO, 0), 0);
  assert.is(nvmed_handle_feature_get(h, HANDLE_SYNC_IO), 0);
  assert.is(nvmed_handle_feature_set(h, HANDLE_INTERRUPT, 1), -6);
  assert.is(nvmed_handle_feature_set(h, HANDLE_HINT_DMEM, 1), 1);
  assert.is(nvmed_handle_destroy_mq(h), -1, "not a multi-queue handle");
  assert.is(nvmed_handle_destroy(h), 0);
  assert.is(nvmed_handle_feature_get(h, HANDLE_DIRECT_IO), -2);
  assert.is(await nvmed_queue_destroy(q), 0);
  assert.is(await nvmed_close(nvmed), 0);
});

test("nvmed_handle_create_mq: bumps every queue's handle count; null for no function or no queues", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const q1 = (await nvmed_queue_create(nvmed))!;
  const q2 = (await nvmed_queue_create(nvmed))!;
  assert.is(nvmed_handle_create_mq([q1, q2], 2, 0, null), null);
  assert.is(
    nvmed_handle_create_mq([q1, q2], 0, 0, () => q1),
    null,
  );
  const h = nvmed_handle_create_mq([q1, q2], 2, HANDLE_DIRECT_IO, () => q2)!;
  assert.ok(h);
  assert.is(q1.numHandle, 1);
  assert.is(q2.numHandle, 1);
  assert.is(await nvmed_queue_destroy(q2), -1);
  assert.is(nvmed_handle_destroy_mq(h), 0);
  assert.is(q2.numHandle, 0);
  assert.is(await nvmed_queue_destroy(q1), 0);
  assert.is(await nvmed_queue_destroy(q2), 0);
  assert.is(await nvmed_close(nvmed), 0);
});

test("buffers: 4 KiB pages of the controller's DMA memory; put back once; freed by close", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  const b = nvmed_get_buffer(nvmed, 3)!;
  assert.is(b.byteLength, 3 * 4096);
  assert.ok(nvmed.ctrlr.dma.iovaOf(b) >= 0, "DMA memory");
  assert.is(nvmed.ctrlr.dma.iovaOf(b) % 4096, 0, "page aligned");
  assert.is(nvmed_get_buffer(nvmed, 0), null);
  assert.is(nvmed_put_buffer(b), 0);
  assert.is(nvmed_put_buffer(b), -2);
  assert.is(nvmed_put_buffer(new Uint8Array(4096)), -2);
  nvmed_get_buffer(nvmed, 1);
  assert.is(nvmed.buffers.size, 1);
  assert.is(await nvmed_close(nvmed), 0);
  assert.is(nvmed.buffers.size, 0);
});

test("nvmed_feature_set/get: cache size in pages, default, NO_CACHE", async () => {
  const dev = softDevice();
  const nvmed = await openSoft(dev);
  assert.is(nvmed_feature_get(nvmed, NVMED_CACHE_SIZE), NVMED_CACHE_DEFAULT_PAGES);
  assert.is(nvmed_feature_set(nvmed, NVMED_CACHE_SIZE, 8), 8);
  assert.is(nvmed_feature_get(nvmed, NVMED_CACHE_SIZE), 8);
  assert.is(nvmed_feature_set(nvmed, NVMED_CACHE_SIZE, 0), -1);
  assert.is(nvmed_feature_set(nvmed, 99, 1), -6);
  assert.is(nvmed_feature_get(nvmed, NVMED_NO_CACHE), 0);
  assert.is(await nvmed_close(nvmed), 0);
  const raw = await openSoft(dev, NVMED_NO_CACHE);
  assert.is(raw.cache, null);
  assert.is(nvmed_feature_get(raw, NVMED_NO_CACHE), 1);
  assert.is(nvmed_feature_set(raw, NVMED_CACHE_SIZE, 8), -1);
  assert.is(await nvmed_close(raw), 0);
});

test.run();
