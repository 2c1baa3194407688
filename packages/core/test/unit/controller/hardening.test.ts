// A misbehaving device against the core: completions it should not post (stale, duplicate, another
// queue's, an SQ head outside the queue) are rejected and counted and complete nothing; identify data
// out of bounds is not followed; iovecs outside their buffers are refused before anything is sent.
import { InvalidArgumentError, memoryIoVec } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { attachInThread } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";

test("stale and duplicate completions are rejected and counted; the reused tracker's command completes once", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair({ ioQueueSize: 4, delayDoorbell: false }); // 3 trackers: the index takes 2 bits
  const buf = ctrlr.allocBuffer(512);
  const done: string[] = [];
  const cb = (what: string, _cpl: Completion): void => void done.push(what);
  ns.cmdRead(qp, buf.bytes, 0, 1, cb, "A");
  qp.processCompletions();
  const a = device.lastCommand(qp.id)!.cid;
  device.holdCompletions(qp.id);
  ns.cmdRead(qp, buf.bytes, 1, 1, cb, "B");
  const b = device.lastCommand(qp.id)!.cid;
  assert.is(b & 3, a & 3, "B reuses A's tracker");
  assert.is.not(b, a, "under another generation");
  const cq = device.cqs.get(qp.id)!;
  cq.post(0, qp.id, 0, a, 0); // A's completion again, while B holds the tracker: stale
  assert.is(qp.processCompletions(), 1, "consumed");
  assert.equal(done, ["A"], "B did not complete from A's late entry");
  assert.is(qp.rejected.unknownCid, 1);
  device.releaseCompletions(qp.id);
  qp.processCompletions();
  assert.equal(done, ["A", "B"]);
  cq.post(0, qp.id, 0, b, 0); // B's completion twice: a duplicate
  qp.processCompletions();
  assert.equal(done, ["A", "B"], "nothing completed twice");
  assert.equal(qp.rejected, { unknownCid: 2, wrongSqid: 0, badSqHead: 0 });
  await driver.detach(ctrlr);
});

// The queue pair counts posts modulo 2^32 (int32): the second start puts B's post past the wrap.
for (const postsBefore of [0, 2 ** 31 - 2]) {
  test(`under delayed doorbells, a completion for a command posted but not yet rung is rejected; the command completes once (${postsBefore} posts before)`, async () => {
    const { driver, ctrlr, device } = await attachInThread();
    const ns = ctrlr.getNamespace(1)!;
    const qp = await ctrlr.allocIoQpair({ ioQueueSize: 4, delayDoorbell: true }); // 3 trackers: the index takes 2 bits
    Object.assign(qp, { posted: postsBefore, rung: postsBefore });
    const buf = ctrlr.allocBuffer(512);
    const done: string[] = [];
    const cb = (what: string, _cpl: Completion): void => void done.push(what);
    ns.cmdRead(qp, buf.bytes, 0, 1, cb, "A");
    qp.processCompletions(); // rings A
    qp.processCompletions();
    assert.equal(done, ["A"]);
    const a = device.lastCommand(qp.id)!.cid;
    ns.cmdRead(qp, buf.bytes, 1, 1, cb, "B"); // posted on A's tracker, next generation, not rung
    const b = (a + 4) & 0xffff;
    device.cqs.get(qp.id)!.post(0, qp.id, 0, b, 0); // a completion the device cannot mean yet
    qp.processCompletions(); // takes the entry, then rings B
    assert.equal(done, ["A"], "B did not complete before the device saw it");
    assert.is(qp.rejected.unknownCid, 1);
    qp.processCompletions();
    assert.equal(done, ["A", "B"]);
    assert.is(device.lastCommand(qp.id)!.cid, b, "B had the CID the early entry named");
    await driver.detach(ctrlr);
  });
}

test("a completion naming another SQ, or an SQ head outside the queue, is rejected and counted", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair({ ioQueueSize: 8, delayDoorbell: false });
  const buf = ctrlr.allocBuffer(512);
  let calls = 0;
  device.holdCompletions(qp.id);
  ns.cmdRead(qp, buf.bytes, 0, 1, () => void calls++, null);
  const cid = device.lastCommand(qp.id)!.cid;
  const cq = device.cqs.get(qp.id)!;
  cq.post(0, qp.id + 1, 0, cid, 0); // another queue's SQ ID
  cq.post(0, qp.id, 8, cid, 0); // SQ head 8 in an 8-entry queue
  assert.is(qp.processCompletions(), 2);
  assert.is(calls, 0);
  assert.equal(qp.rejected, { unknownCid: 0, wrongSqid: 1, badSqHead: 1 });
  device.releaseCompletions(qp.id);
  qp.processCompletions();
  assert.is(calls, 1, "the real completion still completes it, once");
  await driver.detach(ctrlr);
});

test("readExt/writeExt: an iovec outside its buffer is an InvalidArgumentError and nothing is submitted", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(1024);
  const before = device.commandsOn(qp.id).length;
  const bad = [
    [memoryIoVec(buf.bytes, 768, 512)], // runs 256 bytes past the end
    [{ bytes: buf.bytes, offset: -512, length: 512 }], // before the start
    [{ bytes: buf.bytes, offset: 0, length: 512.5 }], // not a byte count
  ];
  for (const iov of bad) {
    for (const op of [ns.readExt.bind(ns), ns.writeExt.bind(ns)]) {
      const e = await op(qp, iov, 0, 1, {}).catch((err: unknown) => err);
      assert.instance(
        e,
        InvalidArgumentError,
        JSON.stringify({ offset: iov[0]!.offset, length: iov[0]!.length }),
      );
    }
  }
  assert.is(device.commandsOn(qp.id).length, before, "nothing reached the device");
  await ns.writeExt(qp, [memoryIoVec(buf.bytes, 512, 512)], 0, 1, {}); // in bounds: fine
  await driver.detach(ctrlr);
});

test("the active namespace list is followed only within NN: IDs beyond it are not taken", async () => {
  const { driver, ctrlr } = await attachInThread({ maxNamespaces: 2 }); // namespaces 1, 2 and 3 exist
  assert.equal(ctrlr.activeNamespaceIds(), [1, 2]);
  assert.is(ctrlr.getNamespace(3), undefined);
  await driver.detach(ctrlr);
});

test.run();
