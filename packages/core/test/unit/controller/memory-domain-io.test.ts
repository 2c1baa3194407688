// Namespace I/O with buffers in foreign memory domains: translated to controller addresses when the
// domain can, bounced through DMA memory otherwise, and typed errors before submission when neither.
import {
  createMemoryDomain,
  DmaDeviceType,
  destroyMemoryDomain,
  InvalidArgumentError,
  type MemoryDomain,
  memoryIoVec,
  pullByCopy,
  pushByCopy,
  ShortTranslationError,
} from "@nvmekit/core";
import { attachInThread } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hi, lo, pattern } from "./harness.js";

test("a domain that translates: the command carries the translated addresses, no copy", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(2)!;
  const qp = await ctrlr.allocIoQpair();
  const backing = ctrlr.allocBuffer(8192);
  pattern(backing.bytes, 1);
  // A domain whose iovecs name offsets into `backing` by `addr` only: JS never sees their bytes.
  const domain = createMemoryDomain(DmaDeviceType.Dma, null, "offsets");
  domain.setTranslation((_s, _sc, _d, _dc, src, result) => {
    result.iovCount = 1;
    result.iov.addr = backing.iova + src.addr!;
    result.iov.length = src.length;
    return 0;
  });
  await ns.writeExt(qp, [{ bytes: null, addr: 4096, length: 4096 }], 3, 1, { memoryDomain: domain });
  const w = device.commandsOn(qp.id)[0]!;
  assert.equal([w.dwords[6], w.dwords[7]], [lo(backing.iova + 4096), hi(backing.iova + 4096)]);
  assert.equal(w.data, backing.bytes.subarray(4096));
  destroyMemoryDomain(domain);
  await driver.detach(ctrlr);
});

test("a domain of plain ArrayBuffers with pull/push: written and read back through DMA bounce buffers", async () => {
  const { driver, ctrlr } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const domain = createMemoryDomain(DmaDeviceType.Dma, null, "js-heap");
  domain.setPull(pullByCopy);
  domain.setPush(pushByCopy);
  const src = new Uint8Array(4 * 512);
  pattern(src, 2);
  // Split differently on the way out and on the way back.
  await ns.writeExt(qp, [memoryIoVec(src, 0, 1000), memoryIoVec(src, 1000, 1048)], 10, 4, {
    memoryDomain: domain,
  });
  const a = new Uint8Array(512);
  const b = new Uint8Array(1536);
  await ns.readExt(qp, [memoryIoVec(a), memoryIoVec(b)], 10, 4, { memoryDomain: domain });
  assert.equal(a, src.subarray(0, 512));
  assert.equal(b, src.subarray(512));
  destroyMemoryDomain(domain);
  await driver.detach(ctrlr);
});

test("bad combinations are typed errors and nothing reaches the device", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  device.clearLogs();
  const bare: MemoryDomain = createMemoryDomain(DmaDeviceType.Dma, null, "bare");
  const rejected = async (
    p: Promise<unknown>,
    type: new (...a: never[]) => Error,
    message: RegExp,
  ): Promise<void> => {
    try {
      await p;
      assert.unreachable("accepted");
    } catch (e) {
      assert.instance(e, type);
      assert.match((e as Error).message, message);
    }
  };
  await rejected(
    ns.writeExt(qp, [memoryIoVec(new Uint8Array(512))], 0, 1, { memoryDomain: bare }),
    InvalidArgumentError,
    /neither translate/,
  );
  const short = createMemoryDomain(DmaDeviceType.Dma, null, "short");
  short.setTranslation((_s, _sc, _d, _dc, src, result) => {
    result.iovCount = 1;
    result.iov.addr = 0x1000;
    result.iov.length = src.length - 8;
    return 0;
  });
  await rejected(
    ns.readExt(qp, [{ bytes: null, addr: 0, length: 512 }], 0, 1, { memoryDomain: short }),
    ShortTranslationError,
    /translation covers 504 of/,
  );
  await rejected(
    ns.writeExt(qp, [memoryIoVec(new Uint8Array(512))], 0, 1),
    InvalidArgumentError,
    /not in DMA memory/,
  );
  await rejected(
    ns.writeExt(qp, [memoryIoVec(new Uint8Array(100))], 0, 1, { memoryDomain: short }),
    InvalidArgumentError,
    /describes 100 bytes/,
  );
  assert.equal(device.commandsOn(qp.id).length, 0);
  destroyMemoryDomain(bare);
  destroyMemoryDomain(short);
  await driver.detach(ctrlr);
});

test.run();
