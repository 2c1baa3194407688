/**
 * Reset, connection loss, reconnect, detach in every state and keep-alive: the NVMe/TCP host against
 * nvmekit's target, which the tests close and start again on the same port.
 */
import { type Controller, ControllerState, type Namespace, type QueuePair, StateError } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openTcpHandles, randomBytes, sameBytes, sleep, startRig, until, untilState } from "./helper.js";

interface Pending {
  calls: number[];
  errors: number;
}
function cb(p: { pending: Pending; i: number }, cpl: Completion): void {
  p.pending.calls[p.i] = (p.pending.calls[p.i] ?? 0) + 1;
  if (cpl.isError) p.pending.errors++;
}

/** Submits `n` reads and writes on `qp` through the callback face, without polling. */
function submitMany(ns: Namespace, qp: QueuePair, n: number): Pending {
  const pending: Pending = { calls: new Array<number>(n).fill(0), errors: 0 };
  for (let i = 0; i < n; i++) {
    const buf = i % 2 === 0 ? randomBytes(16 * 1024 + 512 * (i % 5), i) : new Uint8Array(32 * 1024);
    const blocks = buf.length / 512;
    const rc =
      i % 2 === 0
        ? ns.cmdWrite(qp, buf, 4000 + i * 80, blocks, cb, { pending, i })
        : ns.cmdRead(qp, buf, 4000 + i * 80, blocks, cb, { pending, i });
    assert.is(rc, 0);
  }
  return pending;
}

async function settle(qps: QueuePair[], pending: Pending, ms = 2000): Promise<boolean> {
  return until(() => {
    for (const q of qps) if (q.state !== 2) q.processCompletions();
    return pending.calls.every((n) => n >= 1);
  }, ms);
}

async function roundTrip(qp: QueuePair, ns: Namespace, lba: number, seed: number): Promise<void> {
  const data = randomBytes(ns.sectorSize * 40, seed); // R2T-sized
  await ns.write(qp, data, lba, 40);
  const back = new Uint8Array(data.length);
  await ns.read(qp, back, lba, 40);
  sameBytes(back, data, `qpair ${qp.id} lba ${lba}`);
}

test("reset() with I/O in flight: every command completes once; the same queue pairs work after", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const qps = [await c.allocIoQpair(), await c.allocIoQpair()];
    const ns = c.namespaces.get(1)!;
    const cntlid = c.data.cntlid;
    const a = submitMany(ns, qps[0]!, 12);
    const b = submitMany(ns, qps[1]!, 12);
    const promised = ns.read(qps[0]!, new Uint8Array(4096), 10, 8).then(
      () => "ok",
      () => "rejected",
    );
    await c.reset();
    assert.is(c.state, ControllerState.Ready);
    assert.not.equal(c.data.cntlid, cntlid, "a new association on the target");
    assert.ok(await settle(qps, a), "queue pair 1's commands all called back");
    assert.ok(await settle(qps, b), "queue pair 2's commands all called back");
    await sleep(50);
    for (const q of qps) q.processCompletions();
    assert.ok(
      a.calls.every((n) => n === 1),
      `exactly once: ${a.calls}`,
    );
    assert.ok(
      b.calls.every((n) => n === 1),
      `exactly once: ${b.calls}`,
    );
    assert.ok(["ok", "rejected"].includes(await promised));
    assert.equal(
      qps.map((q) => q.id),
      [1, 2],
    );
    await roundTrip(qps[0]!, ns, 100, 1);
    await roundTrip(qps[1]!, ns, 200, 2);
    assert.ok(await until(() => rig.target.controllerCount === 1), "the old association is gone");
  } finally {
    await rig.stop();
  }
});

test("target closed with I/O in flight: each command fails once, Failed, connectionLost$; ctrlLossTimeoutMs 0 stays Failed", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect({ ctrlLossTimeoutMs: 0 });
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const losses: Error[] = [];
    c.connectionLost$.subscribe((e) => losses.push(e));
    const pending = submitMany(ns, qp, 16);
    const promised = ns.read(qp, new Uint8Array(65536), 0, 128).then(
      () => "resolved",
      () => "rejected",
    );
    await rig.target.close();
    assert.ok(await settle([qp], pending), "every callback ran");
    await sleep(30);
    qp.processCompletions();
    assert.ok(
      pending.calls.every((n) => n === 1),
      `exactly once: ${pending.calls}`,
    );
    assert.ok(pending.errors >= 1, "outstanding commands complete with an error");
    assert.is(await promised, "rejected");
    assert.is(c.state, ControllerState.Failed);
    assert.is(losses.length, 1, "connectionLost$ emitted once");
    await rig.restartTarget();
    await sleep(150);
    assert.is(c.state, ControllerState.Failed, "no reconnect with ctrlLossTimeoutMs 0");
    await rig.driver.detach(c);
    assert.is(c.state, ControllerState.Detached);
  } finally {
    await rig.stop();
  }
  assert.ok(await until(() => openTcpHandles() === 0, 1000), `sockets left open: ${openTcpHandles()}`);
});

test("reconnect: a new target on the same port; Resetting then Ready; the same queue pairs work", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect({ ctrlLossTimeoutMs: 5000, reconnectDelayMs: 20 });
    const qps = [await c.allocIoQpair(), await c.allocIoQpair()];
    const ns = c.namespaces.get(1)!;
    const before = randomBytes(4096, 77);
    await ns.write(qps[0]!, before, 50, 8);
    const states: ControllerState[] = [];
    c.state$.subscribe((s) => states.push(s));
    const losses: Error[] = [];
    c.connectionLost$.subscribe((e) => losses.push(e));
    const pending = submitMany(ns, qps[1]!, 8);
    await rig.target.close();
    assert.ok(await settle(qps, pending), "in-flight commands called back");
    assert.ok(pending.calls.every((n) => n === 1));
    assert.ok(pending.errors >= 1);
    assert.is(losses.length, 1);
    await sleep(60); // a few failed attempts against nothing
    assert.is(c.state === ControllerState.Failed || c.state === ControllerState.Resetting, true);
    await rig.restartTarget();
    assert.ok(await untilState(c, ControllerState.Ready, 3000), `reconnected (now ${c.state})`);
    const iFailed = states.indexOf(ControllerState.Failed);
    const iReset = states.indexOf(ControllerState.Resetting, iFailed);
    assert.ok(iFailed > 0 && iReset > iFailed && states.at(-1) === ControllerState.Ready, `states ${states}`);
    assert.equal(
      qps.map((q) => q.id),
      [1, 2],
    );
    const back = new Uint8Array(4096);
    await ns.read(qps[0]!, back, 50, 8);
    sameBytes(back, before, "data written before the loss");
    await roundTrip(qps[0]!, ns, 300, 3);
    await roundTrip(qps[1]!, ns, 400, 4);
    assert.is(rig.target.controllerCount, 1);
  } finally {
    await rig.stop();
  }
  assert.ok(await until(() => openTcpHandles() === 0, 1000), `sockets left open: ${openTcpHandles()}`);
});

test("detach while reconnecting (Resetting) leaves it Detached for good, with nothing open on the target", async () => {
  const rig = await startRig();
  try {
    const c: Controller = await rig.connect({ ctrlLossTimeoutMs: 5000, reconnectDelayMs: 10 });
    await c.allocIoQpair();
    let detaching: Promise<void> | null = null;
    c.state$.subscribe((s) => {
      if (s === ControllerState.Resetting && detaching === null) detaching = rig.driver.detach(c);
    });
    await rig.target.close();
    await rig.restartTarget(); // listening again: the reconnect can succeed
    assert.ok(await until(() => detaching !== null, 2000), "a reconnect started");
    await detaching;
    await sleep(200);
    assert.is(c.state, ControllerState.Detached, "stays detached");
    assert.ok(
      await until(() => rig.target.controllerCount === 0 && rig.target.connectionCount === 0, 500),
      `target still has ${rig.target.controllerCount} controllers, ${rig.target.connectionCount} connections`,
    );
  } finally {
    await rig.stop();
  }
  assert.ok(await until(() => openTcpHandles() === 0, 1000), `sockets left open: ${openTcpHandles()}`);
});

test("detach while Failed between attempts: no reconnect afterwards", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect({ ctrlLossTimeoutMs: 5000, reconnectDelayMs: 50 });
    await rig.target.close();
    assert.ok(await untilState(c, ControllerState.Failed));
    await rig.driver.detach(c);
    assert.is(c.state, ControllerState.Detached);
    await rig.restartTarget();
    await sleep(150);
    assert.is(c.state, ControllerState.Detached);
    assert.is(rig.target.controllerCount, 0);
  } finally {
    await rig.stop();
  }
});

test("nothing comes back within ctrlLossTimeoutMs: the loop gives up, the controller stays Failed, nothing is left open", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect({ ctrlLossTimeoutMs: 300, reconnectDelayMs: 40, adminTimeoutMs: 200 });
    const states: ControllerState[] = [];
    c.state$.subscribe((s) => states.push(s));
    await rig.target.close(); // and nothing listens again
    assert.ok(await until(() => c.state === ControllerState.Failed, 1000));
    await sleep(600);
    assert.is(c.state, ControllerState.Failed, "given up");
    assert.ok(states.includes(ControllerState.Resetting), "it tried");
    const tried = states.filter((s) => s === ControllerState.Resetting).length;
    await sleep(200);
    assert.is(
      states.filter((s) => s === ControllerState.Resetting).length,
      tried,
      "no attempt after giving up",
    );
    await rig.driver.detach(c);
  } finally {
    await rig.stop();
  }
  assert.ok(await until(() => openTcpHandles() === 0, 1000), `sockets left open: ${openTcpHandles()}`);
});

test("reset() of a failed fabric controller reconnects on purpose; reset() during a reconnect is refused", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect({ ctrlLossTimeoutMs: 0 });
    await rig.target.close();
    assert.ok(await until(() => c.state === ControllerState.Failed, 1000));
    await rig.restartTarget();
    await c.reset();
    assert.is(c.state, ControllerState.Ready);
    const qp = await c.allocIoQpair();
    await c.namespaces.get(1)!.read(qp, new Uint8Array(512), 0, 1);
    await c.freeIoQpair(qp);
    const d = await rig.connect({ ctrlLossTimeoutMs: 5000, reconnectDelayMs: 200 });
    await rig.target.close();
    assert.ok(await until(() => d.state === ControllerState.Failed, 1000));
    let refused: unknown = null;
    await d.reset().catch((e) => {
      refused = e;
    });
    assert.ok(refused instanceof StateError && /under way/.test(refused.message), String(refused));
    await rig.driver.detach(d);
    await rig.driver.detach(c);
  } finally {
    await rig.stop();
  }
});

test("keep-alive: idle for several KATOs, the association lives and I/O works", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect({ keepAliveTimeoutMs: 200 });
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    await sleep(900);
    assert.not.ok(
      rig.events.some((e) => e.type === "controller-destroyed"),
      `the target dropped the controller: ${JSON.stringify(rig.events.filter((e) => e.type === "controller-destroyed"))}`,
    );
    assert.is(c.state, ControllerState.Ready);
    await roundTrip(qp, ns, 600, 6);
    assert.is(await c.getFeature(0x0f), 200);
  } finally {
    await rig.stop();
  }
});

test.run();
