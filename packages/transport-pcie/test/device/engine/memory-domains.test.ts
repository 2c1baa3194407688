// rig-config: default
// Buffers outside the controller's DMA memory, through QEMU's controller: memory shared with a worker
// thread (a SharedArrayBuffer the worker filled) and ordinary ArrayBuffers, written from one domain
// and read back into others, byte-exact.
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { destroyMemoryDomain, memoryIoVec } from "@nvmekit/core";
import { createBounceMemoryDomain, createDmaMemoryDomain } from "@nvmekit/memdomain";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, dmarFaults, releaseControllers } from "./rig.js";

/** Has a worker thread fill `sab` with a pattern, as memory owned elsewhere would be. */
async function fillInWorker(sab: SharedArrayBuffer): Promise<void> {
  const worker = new Worker(
    "const { workerData } = require('node:worker_threads'); const b = new Uint8Array(workerData);" +
      "for (let i = 0; i < b.length; i++) b[i] = (i * 131 + (i >> 8)) & 255;",
    { eval: true, workerData: sab },
  );
  await once(worker, "exit");
}

test("write from worker-shared memory; read back into a plain ArrayBuffer and into DMA memory", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const shared = createBounceMemoryDomain("rig-shared");
  const heap = createBounceMemoryDomain("rig-heap");
  const dma = createDmaMemoryDomain(ctrlr.dma, "rig-dma");
  const sab = new SharedArrayBuffer(16 * 512);
  await fillInWorker(sab);
  const expected = new Uint8Array(sab).slice();
  assert.ok(
    expected.some((b) => b !== 0),
    "the worker filled the memory",
  );
  await ns.writeExt(
    qp,
    [memoryIoVec(new Uint8Array(sab, 0, 5000)), memoryIoVec(new Uint8Array(sab, 5000))],
    2000,
    16,
    {
      memoryDomain: shared,
    },
  );
  const plain = new Uint8Array(16 * 512);
  await ns.readExt(qp, [memoryIoVec(plain, 0, 1024), memoryIoVec(plain, 1024)], 2000, 16, {
    memoryDomain: heap,
  });
  assert.equal(Buffer.compare(plain, expected), 0);
  const viaDma = ctrlr.allocBuffer(16 * 512);
  await ns.readExt(qp, [memoryIoVec(viaDma.bytes)], 2000, 16, { memoryDomain: dma });
  assert.equal(Buffer.compare(viaDma.bytes, expected), 0);
  for (const d of [shared, heap, dma]) destroyMemoryDomain(d);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
