import { lastValueFrom, type Observable } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import {
  createMemoryDomain,
  DmaDeviceType,
  destroyMemoryDomain,
  EFAULT,
  ENOTSUP,
  getSystemMemoryDomain,
  type MemoryDomain,
  type MemoryDomainDataCplCb,
  MemoryDomainError,
  type MemoryDomainPullDataCb,
  memzeroByFill,
  pullByCopy,
  pushByCopy,
  ShortTranslationError,
  transferByCopy,
} from "../../../src/memdomain/index.js";
import { gather, seq, split } from "./fixtures.js";

interface Outcome {
  values: unknown[];
  error: unknown;
  completed: boolean;
}

/** Subscribes and records everything; resolves after the next macrotask turn. */
async function observe<T>(o: Observable<T>, turns = 2): Promise<Outcome> {
  const out: Outcome = { values: [], error: undefined, completed: false };
  o.subscribe({
    next: (v) => out.values.push(v),
    error: (e) => {
      out.error = e;
    },
    complete: () => {
      out.completed = true;
    },
  });
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  return out;
}

function withDomain(body: (d: MemoryDomain) => Promise<void>): () => Promise<void> {
  return async () => {
    const d = createMemoryDomain(DmaDeviceType.Dma, null, "rx");
    try {
      await body(d);
    } finally {
      destroyMemoryDomain(d);
    }
  };
}

/** A pull that completes `rcs` (each one a completion call) synchronously or later, and returns `ret`. */
function pullThat(when: "sync" | "async", ret: number, ...rcs: number[]): MemoryDomainPullDataCb {
  return <A>(..._args: unknown[]) => {
    const args = _args as [unknown, unknown, unknown, unknown, unknown, unknown, MemoryDomainDataCplCb<A>, A];
    const fire = () => {
      for (const rc of rcs) args[6](args[7], rc);
    };
    if (when === "sync") fire();
    else setImmediate(fire);
    return ret;
  };
}

const src = split(seq(4), [4]);
const dst = () => split(new Uint8Array(4), [2, 2]);

test(
  "pullData$: synchronous completion emits once and completes; bytes moved",
  withDomain(async (d) => {
    d.setPull(pullByCopy);
    const out = dst();
    const o = await observe(d.pullData$(null, src, out));
    assert.equal(o.values, [undefined]);
    assert.ok(o.completed);
    assert.is(o.error, undefined);
    assert.equal(gather(out), [1, 2, 3, 4]);
  }),
);

test(
  "pullData$: asynchronous completion emits once and completes",
  withDomain(async (d) => {
    d.setPull(pullThat("async", 0, 0));
    const o = await observe(d.pullData$(null, src, dst()));
    assert.equal(o.values, [undefined]);
    assert.ok(o.completed);
  }),
);

test(
  "pullData$: a failed start errors once with MemoryDomainError(rc); a completion it made anyway is dropped",
  withDomain(async (d) => {
    d.setPull(pullThat("sync", -5, 0)); // breaks the contract: completes, then reports failure
    const o = await observe(d.pullData$(null, src, dst()));
    assert.instance(o.error, MemoryDomainError);
    assert.is((o.error as MemoryDomainError).rc, -5);
    assert.is((o.error as MemoryDomainError).operation, "pull");
    assert.is((o.error as MemoryDomainError).code, "ERR_NVME_MEMORY_DOMAIN");
    assert.equal(o.values, []);
    assert.not.ok(o.completed);
    d.setPull(pullThat("async", -5, 0)); // late completion after a failed start: ignored too
    const late = await observe(d.pullData$(null, src, dst()));
    assert.is((late.error as MemoryDomainError).rc, -5);
    assert.equal(late.values, []);
  }),
);

test(
  "pullData$: a completion with an error rc errors; a second completion is ignored",
  withDomain(async (d) => {
    d.setPull(pullThat("async", 0, -12, 0));
    const o = await observe(d.pullData$(null, src, dst()));
    assert.is((o.error as MemoryDomainError).rc, -12);
    assert.equal(o.values, []);
    d.setPull(pullThat("sync", 0, 0, -12));
    const twice = await observe(d.pullData$(null, src, dst()));
    assert.equal(twice.values, [undefined]);
    assert.ok(twice.completed);
    assert.is(twice.error, undefined);
  }),
);

test(
  "pullData$: no callback → MemoryDomainError -ENOTSUP naming the operation and the domain",
  withDomain(async (d) => {
    const o = await observe(d.pullData$(null, src, dst()));
    const e = o.error as MemoryDomainError;
    assert.is(e.rc, -ENOTSUP);
    assert.is(e.domainId, "rx");
    assert.match(e.message, /"rx": pull failed with ENOTSUP/);
    const sys = await observe(getSystemMemoryDomain().pushData$(null, dst(), src));
    assert.is((sys.error as MemoryDomainError).rc, -ENOTSUP);
  }),
);

test(
  "bad arguments: InvalidArgumentError naming the argument, the callback never runs",
  withDomain(async (d) => {
    let calls = 0;
    d.setPull(() => ++calls);
    d.setMemzero(() => ++calls);
    const shortDst = await observe(d.pullData$(null, src, split(new Uint8Array(3), [3])));
    assert.instance(shortDst.error, InvalidArgumentError);
    assert.is((shortDst.error as InvalidArgumentError).argument, "dstIov");
    const badIov = await observe(d.pullData$(null, [{ bytes: new Uint8Array(2), length: 4 }], dst()));
    assert.is((badIov.error as InvalidArgumentError).argument, "srcIov[0]");
    const noArray = await observe(d.pullData$(null, "x" as never, dst()));
    assert.is((noArray.error as InvalidArgumentError).argument, "srcIov");
    const noIov = await observe(d.memzero$(null, []));
    assert.is((noIov.error as InvalidArgumentError).argument, "iovCnt");
    const noSrc = await observe(d.transferData$(null, dst(), null as never, null, src));
    assert.is((noSrc.error as InvalidArgumentError).argument, "srcDomain");
    assert.is(calls, 0);
  }),
);

test(
  "a start that throws errors the Observable with that exception",
  withDomain(async (d) => {
    const boom = new Error("boom");
    d.setPull(() => {
      throw boom;
    });
    const o = await observe(d.pullData$(null, src, dst()));
    assert.is(o.error, boom);
  }),
);

test(
  "cold: nothing starts before subscribe; each subscription starts the operation again",
  withDomain(async (d) => {
    let starts = 0;
    d.setPull(<A>(...a: unknown[]) => {
      starts++;
      (a[6] as MemoryDomainDataCplCb<A>)(a[7] as A, 0);
      return 0;
    });
    const o = d.pullData$(null, src, dst());
    assert.is(starts, 0);
    await lastValueFrom(o);
    await lastValueFrom(o);
    assert.is(starts, 2);
  }),
);

test(
  "pushData$, transferData$, memzero$ with the copy callbacks",
  withDomain(async (d) => {
    d.setPush(pushByCopy);
    d.setDataTransfer(transferByCopy);
    d.setMemzero(memzeroByFill);
    const a = dst();
    await lastValueFrom(d.pushData$(null, a, src));
    assert.equal(gather(a), [1, 2, 3, 4]);
    const b = split(new Uint8Array(4), [1, 3]);
    await lastValueFrom(d.transferData$(null, b, getSystemMemoryDomain(), null, a));
    assert.equal(gather(b), [1, 2, 3, 4]);
    await lastValueFrom(d.memzero$(null, b));
    assert.equal(gather(b), [0, 0, 0, 0]);
  }),
);

test(
  "translateData$: emits a fresh result; short → ShortTranslationError; other errno → MemoryDomainError",
  withDomain(async (d) => {
    const sys = getSystemMemoryDomain();
    d.setTranslation((_s, _c, _d, _x, iov, r) => {
      r.iovCount = 1;
      r.iov.addr = 0x5000;
      r.iov.length = Math.min(iov.length, 4096);
      return 0;
    });
    const r1 = await lastValueFrom(d.translateData$(null, sys, null, { length: 512 }));
    const r2 = await lastValueFrom(d.translateData$(null, sys, null, { length: 1024 }));
    assert.is.not(r1, r2);
    assert.is(r1.iov.length, 512);
    assert.is(r1.dstDomain, sys);
    const short = await observe(d.translateData$(null, sys, null, { length: 8192 }));
    const e = short.error as ShortTranslationError;
    assert.instance(e, ShortTranslationError);
    assert.instance(e, MemoryDomainError);
    assert.is(e.rc, -EFAULT);
    assert.is(e.requested, 8192);
    assert.is(e.translated, 4096);
    assert.is(e.code, "ERR_NVME_MEMORY_DOMAIN_SHORT_TRANSLATION");
    d.setTranslation(() => -22);
    const other = await observe(d.translateData$(null, sys, null, { length: 1 }));
    assert.not.instance(other.error, ShortTranslationError);
    assert.is((other.error as MemoryDomainError).rc, -22);
    const bad = await observe(d.translateData$(null, null as never, null, { length: 1 }));
    assert.is((bad.error as InvalidArgumentError).argument, "dstDomain");
  }),
);

test.run();
