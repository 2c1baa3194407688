import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import {
  createMemoryDomain,
  DmaDeviceType,
  destroyMemoryDomain,
  EINVAL,
  getFirstMemoryDomain,
  getNextMemoryDomain,
  getSystemMemoryDomain,
  isDmaDeviceType,
  type MemoryDomain,
  type MemoryDomainEvent,
  type MemoryDomainRef,
  memoryDomainCreate,
  memoryDomainEvents$,
  memoryDomains,
  RDMA_DMA_DEVICE,
  type RdmaMemoryDomainContext,
  SYSTEM_MEMORY_DOMAIN_ID,
} from "../../../src/memdomain/index.js";

/** The registered domains' ids in order (by first/next, as SPDK callers iterate). */
function ids(id?: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (let d = getFirstMemoryDomain(id); d !== null; d = getNextMemoryDomain(d, id))
    out.push(d.getDmaDeviceId());
  return out;
}

test("DmaDeviceType: SPDK's values, vendor range 1000..1999", () => {
  assert.is(DmaDeviceType.Rdma, 0);
  assert.is(DmaDeviceType.Dma, 1);
  assert.is(DmaDeviceType.Accel, 2);
  assert.is(DmaDeviceType.VendorSpecificStart, 1000);
  assert.is(DmaDeviceType.VendorSpecificEnd, 1999);
  assert.is(RDMA_DMA_DEVICE, "SPDK_RDMA_DMA_DEVICE");
  for (const t of [0, 1, 2, 1000, 1500, 1999]) assert.ok(isDmaDeviceType(t), `${t}`);
  for (const t of [-1, 3, 999, 2000, 1.5, Number.NaN]) assert.not.ok(isDmaDeviceType(t), `${t}`);
});

test("system domain: always first, id 'system', type DMA, no context, cannot be destroyed", () => {
  const sys = getSystemMemoryDomain();
  assert.is(getFirstMemoryDomain(), sys);
  assert.is(getFirstMemoryDomain("system"), sys);
  assert.is(SYSTEM_MEMORY_DOMAIN_ID, "system");
  assert.is(sys.getDmaDeviceId(), "system");
  assert.is(sys.getDmaDeviceType(), DmaDeviceType.Dma);
  assert.is(sys.getContext(), null);
  assert.is(sys.getUserContext(), null);
  assert.throws(
    () => destroyMemoryDomain(sys),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
  assert.is(getFirstMemoryDomain(), sys);
});

test("createMemoryDomain: getters return type, id, a frozen copy of the context, a copy of the user bytes", () => {
  const user = new Uint8Array([1, 2, 3, 4, 5]);
  const pd = { handle: 7 };
  const ctx: RdmaMemoryDomainContext = { userCtx: user.subarray(1, 4), rdma: { pd } };
  const d = createMemoryDomain(DmaDeviceType.Rdma, ctx, RDMA_DMA_DEVICE);
  try {
    assert.is(d.getDmaDeviceType(), DmaDeviceType.Rdma);
    assert.is(d.getDmaDeviceId(), "SPDK_RDMA_DMA_DEVICE");
    const got = d.getContext()!;
    assert.is.not(got, ctx); // copied, as SPDK copies the ctx struct
    assert.ok(Object.isFrozen(got));
    assert.is(got.rdma.pd, pd);
    const u = d.getUserContext()!;
    assert.is(u.size, 3);
    assert.equal([...u.bytes], [2, 3, 4]);
    user[2] = 99; // the domain's copy does not follow the creator's bytes
    assert.equal([...d.getUserContext()!.bytes], [2, 3, 4]);
  } finally {
    destroyMemoryDomain(d);
  }
});

test("createMemoryDomain: defaults, empty user context, vendor types, Uint32Array user context", () => {
  const a = createMemoryDomain(DmaDeviceType.Dma);
  const b = createMemoryDomain(DmaDeviceType.Accel, { userCtx: new Uint8Array(0) }, "acc");
  const c = createMemoryDomain(1234, { userCtx: new Uint32Array([0x04030201]) }, "vendor");
  try {
    assert.is(a.getContext(), null);
    assert.is(a.getUserContext(), null);
    assert.is(a.getDmaDeviceId(), null);
    assert.is(b.getUserContext(), null); // size 0: SPDK returns NULL
    assert.ok(b.getContext() !== null);
    assert.is(c.getDmaDeviceType(), 1234);
    assert.equal([...c.getUserContext()!.bytes], [1, 2, 3, 4]); // little-endian host, as Node runs
    assert.is(c.getUserContext()!.size, 4);
  } finally {
    destroyMemoryDomain(a);
    destroyMemoryDomain(b);
    destroyMemoryDomain(c);
  }
});

test("createMemoryDomain: bad arguments are InvalidArgumentError, nothing registered", () => {
  const before = ids();
  const bad: [string, () => unknown][] = [
    ["type", () => createMemoryDomain(3 as DmaDeviceType)],
    ["type", () => createMemoryDomain(2000 as DmaDeviceType)],
    ["type", () => createMemoryDomain(-1 as DmaDeviceType)],
    ["id", () => createMemoryDomain(DmaDeviceType.Dma, null, 5 as unknown as string)],
    ["ctx", () => createMemoryDomain(DmaDeviceType.Dma, "x" as never)],
    ["ctx.userCtx", () => createMemoryDomain(DmaDeviceType.Dma, { userCtx: [1, 2] as never })],
  ];
  for (const [arg, f] of bad) {
    try {
      f();
      assert.unreachable(arg);
    } catch (e) {
      assert.instance(e, InvalidArgumentError);
      assert.is((e as InvalidArgumentError).argument, arg);
    }
  }
  assert.equal(ids(), before);
});

test("memoryDomainCreate: 0 and the domain in out, or -EINVAL and nothing registered", () => {
  const before = ids();
  const out: MemoryDomainRef = { domain: null };
  assert.is(memoryDomainCreate(out, 3 as DmaDeviceType, null, "x"), -EINVAL);
  assert.is(out.domain, null);
  assert.is(memoryDomainCreate(null as unknown as MemoryDomainRef, DmaDeviceType.Dma, null, "x"), -EINVAL);
  assert.equal(ids(), before);
  assert.is(memoryDomainCreate(out, DmaDeviceType.Dma, { userCtx: new Uint8Array([9]) }, "spdk-face"), 0);
  try {
    assert.ok(out.domain !== null);
    assert.is(out.domain!.getDmaDeviceId(), "spdk-face");
    assert.equal([...out.domain!.getUserContext()!.bytes], [9]);
    assert.equal(ids(), [...before, "spdk-face"]);
  } finally {
    destroyMemoryDomain(out.domain);
  }
});

test("getFirst/getNext: creation order, with and without an id filter", () => {
  const made: MemoryDomain[] = [
    createMemoryDomain(DmaDeviceType.Dma, null, "a"),
    createMemoryDomain(DmaDeviceType.Rdma, null, "b"),
    createMemoryDomain(DmaDeviceType.Dma, null, null),
    createMemoryDomain(DmaDeviceType.Dma, null, "a"),
    createMemoryDomain(DmaDeviceType.Accel, null, "c"),
  ];
  try {
    assert.equal(ids(), ["system", "a", "b", null, "a", "c"]);
    assert.equal(ids("a"), ["a", "a"]);
    assert.is(getFirstMemoryDomain("a"), made[0]);
    assert.is(getNextMemoryDomain(made[0]!, "a"), made[3]);
    assert.is(getNextMemoryDomain(made[3]!, "a"), null);
    assert.is(getNextMemoryDomain(made[0]!), made[1]); // no filter: the very next one
    assert.is(getNextMemoryDomain(made[1]!, "c"), made[4]);
    assert.is(getFirstMemoryDomain("nope"), null);
    assert.is(getNextMemoryDomain(null, "a"), null);
    assert.is(getNextMemoryDomain(made[4]!), null);
    assert.equal(
      [...memoryDomains("a")].map((d) => d.getDmaDeviceId()),
      ["a", "a"],
    );
    assert.is([...memoryDomains()].length, 6);
  } finally {
    for (const d of made) destroyMemoryDomain(d);
  }
  assert.equal(ids(), ["system"]);
});

test("destroy: removes from the registry, emits 'destroyed'; null and a second destroy are no-ops", () => {
  const events: MemoryDomainEvent[] = [];
  const sub = memoryDomainEvents$.subscribe((e) => events.push(e));
  try {
    const a = createMemoryDomain(DmaDeviceType.Dma, null, "x");
    const b = createMemoryDomain(DmaDeviceType.Dma, null, "y");
    assert.equal(ids(), ["system", "x", "y"]);
    destroyMemoryDomain(a);
    assert.equal(ids(), ["system", "y"]);
    assert.is(getNextMemoryDomain(a), null); // a destroyed domain has no successor
    destroyMemoryDomain(a);
    destroyMemoryDomain(null);
    destroyMemoryDomain(b);
    assert.equal(
      events.map((e) => [e.type, e.domain]),
      [
        ["created", a],
        ["created", b],
        ["destroyed", a],
        ["destroyed", b],
      ],
    );
  } finally {
    sub.unsubscribe();
  }
  assert.equal(ids(), ["system"]);
});

test("memoryDomainEvents$: registry already changed when the event arrives; hot, no replay", () => {
  const seen: string[] = [];
  const sub = memoryDomainEvents$.subscribe((e) => {
    seen.push(`${e.type}:${ids().join(",")}`);
  });
  const d = createMemoryDomain(DmaDeviceType.Dma, null, "ev");
  destroyMemoryDomain(d);
  sub.unsubscribe();
  assert.equal(seen, ["created:system,ev", "destroyed:system"]);
  const late: MemoryDomainEvent[] = [];
  const sub2 = memoryDomainEvents$.subscribe((e) => late.push(e));
  sub2.unsubscribe();
  assert.equal(late, []);
});

test.run();
