import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  createMemoryDomain,
  createTranslationResult,
  DmaDeviceType,
  destroyMemoryDomain,
  EFAULT,
  EINVAL,
  type MemoryDomain,
  type MemoryDomainTranslateMemoryCb,
  type MemoryDomainTranslationResult,
  type MemoryIoVec,
  RDMA_DMA_DEVICE,
  translationLength,
} from "../../../src/memdomain/index.js";

function withDomains(body: (src: MemoryDomain, dst: MemoryDomain) => void): () => void {
  return () => {
    const src = createMemoryDomain(DmaDeviceType.Dma, null, "tsrc");
    const dst = createMemoryDomain(DmaDeviceType.Rdma, null, RDMA_DMA_DEVICE);
    try {
      body(src, dst);
    } finally {
      destroyMemoryDomain(src);
      destroyMemoryDomain(dst);
    }
  };
}

/** A translation that maps addr → addr + 0x10000 in runs of at most `chunk` bytes, covering `cover` of the bytes. */
function linear(chunk: number, cover = 1): MemoryDomainTranslateMemoryCb {
  return (_s, _sc, _d, _dc, src, result) => {
    const len = Math.floor(src.length * cover);
    const runs: MemoryIoVec[] = [];
    for (let at = 0; at < len; at += chunk) {
      runs.push({
        bytes: null,
        offset: 0,
        length: Math.min(chunk, len - at),
        addr: (src.addr ?? 0) + 0x10000 + at,
      });
    }
    result.iovCount = runs.length;
    if (runs.length === 1) Object.assign(result.iov, runs[0]);
    else result.iovs = runs;
    return 0;
  };
}

test("createTranslationResult: empty; translationLength of single and multiple runs", () => {
  const r = createTranslationResult();
  assert.equal(r, {
    iovCount: 0,
    iov: { bytes: null, offset: 0, length: 0, addr: 0 },
    iovs: null,
    dstDomain: null,
    rdma: null,
  });
  assert.is(translationLength(r), 0);
  r.iovCount = 1;
  r.iov.length = 512;
  assert.is(translationLength(r), 512);
  r.iovCount = 3;
  r.iovs = [{ length: 100 }, { length: 20 }, { length: 3 }, { length: 1000 }];
  assert.is(translationLength(r), 123); // only iovCount runs count
  r.iovCount = 2;
  r.iovs = null;
  assert.is(translationLength(r), 0);
});

test(
  "translateData: the source domain's callback gets every argument; the result names the destination",
  withDomains((src, dst) => {
    const seen: unknown[][] = [];
    dst.setTranslation(() => {
      throw new Error("the destination's translation must not run");
    });
    src.setTranslation((...a) => {
      seen.push(a);
      const [, , , , iov, result] = a;
      result.iovCount = 1;
      result.iov.addr = 0xabc000;
      result.iov.length = iov.length;
      result.rdma = { lkey: 0x11, rkey: 0x22 };
      return 0;
    });
    const tctx = { rdma: { qp: "qp0" } };
    const iov: MemoryIoVec = { addr: 0x7000, length: 4096 };
    const r = createTranslationResult();
    assert.is(src.translateData("sctx", dst, tctx, iov, r), 0);
    assert.equal(seen[0]!.slice(0, 5), [src, "sctx", dst, tctx, iov]);
    assert.is(seen[0]![5], r);
    assert.is(r.dstDomain, dst);
    assert.is(r.iovCount, 1);
    assert.is(r.iov.addr, 0xabc000);
    assert.is(r.iov.length, 4096);
    assert.equal(r.rdma, { lkey: 0x11, rkey: 0x22 });
  }),
);

test(
  "translateData: a result is reset before each call (no stale keys, runs or counts)",
  withDomains((src, dst) => {
    const r = createTranslationResult();
    r.iovCount = 2;
    r.iovs = [{ length: 1 }];
    r.rdma = { lkey: 1, rkey: 2 };
    r.iov.addr = 99;
    r.iov.length = 99;
    src.setTranslation(linear(1 << 20));
    assert.is(src.translateData(null, dst, null, { addr: 0x100, length: 64 }, r), 0);
    assert.is(r.iovCount, 1);
    assert.is(r.iovs, null);
    assert.is(r.rdma, null);
    assert.equal(r.iov, { bytes: null, offset: 0, length: 64, addr: 0x10100 });
  }),
);

test(
  "translateData: several runs covering the range are fine",
  withDomains((src, dst) => {
    src.setTranslation(linear(4096));
    const r: MemoryDomainTranslationResult = createTranslationResult();
    assert.is(src.translateData(null, dst, null, { addr: 0, length: 10000 }, r), 0);
    assert.is(r.iovCount, 3);
    assert.equal(
      r.iovs!.map((v) => [v.addr, v.length]),
      [
        [0x10000, 4096],
        [0x11000, 4096],
        [0x12000, 1808],
      ],
    );
    assert.is(translationLength(r), 10000);
  }),
);

test(
  "translateData: fewer bytes than asked is -EFAULT (the caller can tell), also for no runs at all",
  withDomains((src, dst) => {
    const r = createTranslationResult();
    src.setTranslation(linear(4096, 0.5));
    assert.is(src.translateData(null, dst, null, { length: 8192 }, r), -EFAULT);
    assert.is(translationLength(r), 4096);
    src.setTranslation(() => 0); // claims success, fills nothing
    assert.is(src.translateData(null, dst, null, { length: 1 }, r), -EFAULT);
    assert.is(src.translateData(null, dst, null, { length: 0 }, r), 0); // nothing asked, nothing missing
  }),
);

test(
  "translateData: the callback's error comes back as is; bad arguments are -EINVAL before it runs",
  withDomains((src, dst) => {
    let calls = 0;
    src.setTranslation(() => {
      calls++;
      return -22;
    });
    const r = createTranslationResult();
    assert.is(src.translateData(null, dst, null, { length: 8 }, r), -22);
    assert.is(calls, 1);
    assert.is(src.translateData(null, null as unknown as MemoryDomain, null, { length: 8 }, r), -EINVAL);
    assert.is(src.translateData(null, dst, null, { length: -1 }, r), -EINVAL);
    assert.is(src.translateData(null, dst, null, { bytes: new Uint8Array(4), length: 8 }, r), -EINVAL);
    assert.is(src.translateData(null, dst, null, { length: 8 }, null as never), -EINVAL);
    assert.is(calls, 1);
  }),
);

test.run();
