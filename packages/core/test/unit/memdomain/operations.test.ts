import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  createMemoryDomain,
  createTranslationResult,
  DmaDeviceType,
  destroyMemoryDomain,
  EINVAL,
  ENOTSUP,
  getSystemMemoryDomain,
  type MemoryDomain,
  type MemoryDomainDataCplCb,
  type MemoryDomainInvalidateDataCb,
  type MemoryDomainMemzeroCb,
  type MemoryDomainPullDataCb,
  type MemoryDomainPushDataCb,
  type MemoryDomainTransferDataCb,
  type MemoryDomainTranslationResult,
  type MemoryIoVec,
} from "../../../src/memdomain/index.js";
import { Completions, seq, split } from "./fixtures.js";

function withDomain(id: string, body: (d: MemoryDomain) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const d = createMemoryDomain(DmaDeviceType.Dma, null, id);
    try {
      await body(d);
    } finally {
      destroyMemoryDomain(d);
    }
  };
}

/** A pull/push/memzero-shaped callback that records its arguments and returns `rc`, completing per `mode`. */
function recorder(log: unknown[][], rc: number, mode: "sync" | "async" | "never") {
  return (...args: unknown[]): number => {
    log.push(args);
    const cb = args[args.length - 2] as MemoryDomainDataCplCb<unknown>;
    const arg = args[args.length - 1];
    if (mode === "sync") cb(arg, 0);
    else if (mode === "async") setImmediate(() => cb(arg, 0));
    return rc;
  };
}

const src = split(seq(8), [8]);
const dst = split(new Uint8Array(8), [8]);

test("system domain: every operation is -ENOTSUP, invalidate is a no-op, no completion", () => {
  const sys = getSystemMemoryDomain();
  const c = new Completions();
  const r = createTranslationResult();
  assert.is(sys.pullData(null, src, 1, dst, 1, c.cb, "pull"), -ENOTSUP);
  assert.is(sys.pushData(null, dst, 1, src, 1, c.cb, "push"), -ENOTSUP);
  assert.is(sys.transferData(null, dst, 1, sys, null, src, 1, null, c.cb, "xfer"), -ENOTSUP);
  assert.is(sys.memzero(null, dst, 1, c.cb, "zero"), -ENOTSUP);
  assert.is(sys.translateData(null, sys, null, src[0]!, r), -ENOTSUP);
  sys.invalidateData(null, dst, 1);
  assert.equal(c.calls, []);
  assert.equal([...dst[0]!.bytes!], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test(
  "no callback set: -ENOTSUP for each operation, completion never called",
  withDomain("bare", (d) => {
    const c = new Completions();
    assert.is(d.pullData(null, src, 1, dst, 1, c.cb, "a"), -ENOTSUP);
    assert.is(d.pushData(null, dst, 1, src, 1, c.cb, "b"), -ENOTSUP);
    assert.is(d.transferData(null, dst, 1, d, null, src, 1, null, c.cb, "c"), -ENOTSUP);
    assert.is(d.memzero(null, dst, 1, c.cb, "d"), -ENOTSUP);
    assert.is(d.translateData(null, d, null, src[0]!, createTranslationResult()), -ENOTSUP);
    d.invalidateData(null, dst, 1);
    assert.equal(c.calls, []);
  }),
);

test(
  "pullData: runs the source domain's callback with every argument, returns its 0, completion follows",
  withDomain("pull", (d) => {
    const log: unknown[][] = [];
    const c = new Completions();
    d.setPull(recorder(log, 0, "sync") as MemoryDomainPullDataCb);
    const ctx = { io: 1 };
    assert.is(d.pullData(ctx, src, 1, dst, 1, c.cb, "arg"), 0);
    assert.is(log.length, 1);
    const [dom, dctx, sIov, sCnt, dIov, dCnt, cb, arg] = log[0]!;
    assert.is(dom, d);
    assert.is(dctx, ctx);
    assert.is(sIov, src);
    assert.is(sCnt, 1);
    assert.is(dIov, dst);
    assert.is(dCnt, 1);
    assert.is(cb, c.cb);
    assert.is(arg, "arg");
    assert.equal(c.calls, [["arg", 0]]);
  }),
);

test(
  "pushData and memzero: run this domain's callback with the arguments in SPDK's order",
  withDomain("push", (d) => {
    const log: unknown[][] = [];
    const c = new Completions();
    d.setPush(recorder(log, 0, "sync") as MemoryDomainPushDataCb);
    d.setMemzero(recorder(log, 0, "sync") as MemoryDomainMemzeroCb);
    assert.is(d.pushData("pctx", dst, 1, src, 1, c.cb, "p"), 0);
    assert.is(d.memzero("zctx", dst, 1, c.cb, "z"), 0);
    assert.equal(log[0]!.slice(0, 6), [d, "pctx", dst, 1, src, 1]);
    assert.equal(log[1]!.slice(0, 4), [d, "zctx", dst, 1]);
    assert.equal(c.calls, [
      ["p", 0],
      ["z", 0],
    ]);
  }),
);

test(
  "transferData: runs the destination domain's callback with source domain and translation",
  withDomain("xfer-dst", (d) => {
    const s = createMemoryDomain(DmaDeviceType.Accel, null, "xfer-src");
    try {
      const log: unknown[][] = [];
      const c = new Completions();
      const tr: MemoryDomainTranslationResult = createTranslationResult();
      s.setDataTransfer(() => {
        throw new Error("the source's transfer callback must not run");
      });
      d.setDataTransfer(recorder(log, 0, "sync") as MemoryDomainTransferDataCb);
      assert.is(d.transferData("dctx", dst, 1, s, "sctx", src, 1, tr, c.cb, "t"), 0);
      assert.equal(log[0]!.slice(0, 9), [d, "dctx", dst, 1, s, "sctx", src, 1, tr]);
      assert.equal(c.calls, [["t", 0]]);
      assert.is(
        d.transferData("dctx", dst, 1, null as unknown as MemoryDomain, null, src, 1, null, c.cb, "x"),
        -EINVAL,
      );
      assert.is(log.length, 1);
    } finally {
      destroyMemoryDomain(s);
    }
  }),
);

test(
  "start error: the negated errno comes back and the completion is never called",
  withDomain("fails", async (d) => {
    const c = new Completions();
    const log: unknown[][] = [];
    d.setPull(recorder(log, -5, "never") as MemoryDomainPullDataCb);
    d.setPush(recorder(log, -12, "never") as MemoryDomainPushDataCb);
    d.setDataTransfer(recorder(log, -11, "never") as MemoryDomainTransferDataCb);
    d.setMemzero(recorder(log, -16, "never") as MemoryDomainMemzeroCb);
    assert.is(d.pullData(null, src, 1, dst, 1, c.cb, "a"), -5);
    assert.is(d.pushData(null, dst, 1, src, 1, c.cb, "b"), -12);
    assert.is(d.transferData(null, dst, 1, d, null, src, 1, null, c.cb, "c"), -11);
    assert.is(d.memzero(null, dst, 1, c.cb, "d"), -16);
    assert.is(log.length, 4);
    await new Promise((r) => setImmediate(r));
    assert.equal(c.calls, []);
  }),
);

test(
  "asynchronous completion: 0 now, completion later with the callback's rc",
  withDomain("async", async (d) => {
    const c = new Completions();
    d.setPull(
      <A>(
        _d: MemoryDomain,
        _x: unknown,
        _s: readonly MemoryIoVec[],
        _sc: number,
        _di: readonly MemoryIoVec[],
        _dc: number,
        cb: MemoryDomainDataCplCb<A>,
        arg: A,
      ) => {
        setImmediate(() => cb(arg, -5));
        return 0;
      },
    );
    assert.is(d.pullData(null, src, 1, dst, 1, c.cb, "later"), 0);
    assert.equal(c.calls, []);
    await new Promise((r) => setImmediate(r));
    assert.equal(c.calls, [["later", -5]]);
  }),
);

test(
  "setters overwrite the previous callback; null removes it (-ENOTSUP again)",
  withDomain("setters", (d) => {
    const c = new Completions();
    const first: unknown[][] = [];
    const second: unknown[][] = [];
    const pairs: [(cb: never) => void, () => number][] = [
      [(cb) => d.setPull(cb), () => d.pullData(null, src, 1, dst, 1, c.cb, "")],
      [(cb) => d.setPush(cb), () => d.pushData(null, dst, 1, src, 1, c.cb, "")],
      [(cb) => d.setDataTransfer(cb), () => d.transferData(null, dst, 1, d, null, src, 1, null, c.cb, "")],
      [(cb) => d.setMemzero(cb), () => d.memzero(null, dst, 1, c.cb, "")],
      [
        (cb) => d.setTranslation(cb),
        () => d.translateData(null, d, null, { length: 0 }, createTranslationResult()),
      ],
    ];
    for (const [set, run] of pairs) {
      first.length = 0;
      second.length = 0;
      set(recorder(first, 0, "never") as never);
      assert.is(run(), 0);
      set(recorder(second, 0, "never") as never);
      assert.is(run(), 0);
      assert.is(first.length, 1);
      assert.is(second.length, 1);
      set(null as never);
      assert.is(run(), -ENOTSUP);
      assert.is(second.length, 1);
    }
  }),
);

test(
  "invalidateData: runs the callback with its arguments; the latest one wins; null makes it a no-op",
  withDomain("inval", (d) => {
    const log: unknown[][] = [];
    const other: unknown[][] = [];
    d.setInvalidate(((...a: unknown[]) => void log.push(a)) as MemoryDomainInvalidateDataCb);
    d.invalidateData("ctx", dst, 1);
    assert.equal(log, [[d, "ctx", dst, 1]]);
    d.setInvalidate(((...a: unknown[]) => void other.push(a)) as MemoryDomainInvalidateDataCb);
    d.invalidateData(null, dst, 0);
    assert.is(log.length, 1);
    assert.is(other.length, 1);
    d.setInvalidate(null);
    d.invalidateData(null, dst, 1);
    assert.is(other.length, 1);
  }),
);

test(
  "destination shorter than source: -EINVAL before any callback runs, nothing moved",
  withDomain("short", (d) => {
    const log: unknown[][] = [];
    const c = new Completions();
    d.setPull(recorder(log, 0, "sync") as MemoryDomainPullDataCb);
    d.setPush(recorder(log, 0, "sync") as MemoryDomainPushDataCb);
    d.setDataTransfer(recorder(log, 0, "sync") as MemoryDomainTransferDataCb);
    const s = split(seq(10), [4, 6]); // 10 bytes
    const out = new Uint8Array(12);
    const shortDst = split(out, [3, 0, 6]); // 9 bytes
    assert.is(d.pullData(null, s, 2, shortDst, 3, c.cb, ""), -EINVAL);
    assert.is(d.pushData(null, shortDst, 3, s, 2, c.cb, ""), -EINVAL);
    assert.is(d.transferData(null, shortDst, 3, d, null, s, 2, null, c.cb, ""), -EINVAL);
    // the count decides, not the array: a 10-byte destination cut to its first 2 iovecs is 9 bytes
    const longDst = split(out, [3, 6, 1]);
    assert.is(d.pullData(null, s, 2, longDst, 2, c.cb, ""), -EINVAL);
    assert.equal(log, []);
    assert.equal(c.calls, []);
    assert.equal([...out], new Array(12).fill(0));
    // equal lengths are fine
    assert.is(d.pullData(null, s, 2, longDst, 3, c.cb, ""), 0);
  }),
);

test(
  "bad iovec arrays: -EINVAL, callback not run",
  withDomain("badiov", (d) => {
    const log: unknown[][] = [];
    const c = new Completions();
    d.setPull(recorder(log, 0, "sync") as MemoryDomainPullDataCb);
    d.setMemzero(recorder(log, 0, "sync") as MemoryDomainMemzeroCb);
    const b = new Uint8Array(8);
    const cases: [MemoryIoVec[], number][] = [
      [[{ bytes: b, offset: 4, length: 5 }], 1], // runs past the view
      [[{ bytes: b, offset: -1, length: 1 }], 1],
      [[{ bytes: b, length: 1.5 }], 1],
      [[{ bytes: b, length: 1 }], 2], // count beyond the array
      [[{ bytes: b, length: 1 }], -1],
      [[{ bytes: [1, 2] as unknown as Uint8Array, length: 1 }], 1],
    ];
    for (const [iov, cnt] of cases) {
      assert.is(
        d.pullData(null, iov, cnt, split(new Uint8Array(64), [64]), 1, c.cb, ""),
        -EINVAL,
        JSON.stringify(iov),
      );
      assert.is(d.pullData(null, [], 0, iov, cnt, c.cb, ""), -EINVAL);
    }
    assert.is(d.pullData(null, "x" as never, 0, [], 0, c.cb, ""), -EINVAL);
    assert.is(d.memzero(null, [], 0, c.cb, ""), -EINVAL); // SPDK asserts iovcnt != 0
    assert.equal(log, []);
    // iovecs without bytes (memory JS cannot see) are valid: the domain's callback handles addr
    assert.is(
      d.pullData(null, [{ addr: 0x1000, length: 8 }], 1, [{ addr: 0x2000, length: 8 }], 1, c.cb, ""),
      0,
    );
    assert.is(log.length, 1);
  }),
);

test(
  "zero bytes: empty arrays and zero-length iovecs are valid and reach the callback",
  withDomain("empty", (d) => {
    const log: unknown[][] = [];
    const c = new Completions();
    d.setPull(recorder(log, 0, "sync") as MemoryDomainPullDataCb);
    assert.is(d.pullData(null, [], 0, [], 0, c.cb, "e"), 0);
    assert.is(d.pullData(null, [{ length: 0 }], 1, [], 0, c.cb, "z"), 0);
    assert.equal(c.calls, [
      ["e", 0],
      ["z", 0],
    ]);
  }),
);

test.run();
