// The memory-domain plugins against the in-thread software controller: the DMA domain's buffers go into commands
// as IOVAs without copying; the bounce domain's plain memory goes through DMA bounce buffers.
import { randomFillSync } from "node:crypto";
import { destroyMemoryDomain, memoryIoVec } from "@nvmekit/core";
import { createBounceMemoryDomain, createDmaMemoryDomain } from "@nvmekit/memdomain";
import { attachInThread } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("DMA domain: translation gives the buffer's IOVA; the write carries it directly", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair();
  const domain = createDmaMemoryDomain(ctrlr.dma, "dma-test");
  const buf = ctrlr.allocBuffer(2 * 4096);
  randomFillSync(buf.bytes);
  await ns.writeExt(qp, [memoryIoVec(buf.bytes, 4096, 4096)], 0, 1, { memoryDomain: domain });
  assert.equal(device.commandsOn(qp.id)[0]!.dwords[6], (buf.iova + 4096) >>> 0);
  const plain = new Uint8Array(4096);
  assert.equal(
    domain.translateData(null, ctrlr.memoryDomain, null, memoryIoVec(plain), {
      iovCount: 0,
      iov: memoryIoVec(null),
      iovs: null,
      dstDomain: null,
      rdma: null,
    }),
    -14,
    "foreign memory does not translate (-EFAULT)",
  );
  destroyMemoryDomain(domain);
  await driver.detach(ctrlr);
});

test("bounce domain: an ordinary ArrayBuffer is written and read back byte-exact", async () => {
  const { driver, ctrlr } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const domain = createBounceMemoryDomain("bounce-test");
  const out = new Uint8Array(new ArrayBuffer(8 * 512));
  randomFillSync(out);
  await ns.writeExt(qp, [memoryIoVec(out)], 100, 8, { memoryDomain: domain });
  const back = new Uint8Array(8 * 512);
  await ns.readExt(qp, [memoryIoVec(back, 0, 3000), memoryIoVec(back, 3000)], 100, 8, {
    memoryDomain: domain,
  });
  assert.equal(back, out);
  destroyMemoryDomain(domain);
  await driver.detach(ctrlr);
});

test.run();
