// libvfn's request trackers on a queue the controller created (allocRawIoQpair), against the
// in-thread software controller: acquire, map, exec, spin and reap, nvme_rq_from_cqe, and what a
// reset does to the queue.
import { ControllerState, StateError } from "@nvmekit/core";
import { Completion, commands, NvmeCommand, NvmOpcode } from "@nvmekit/core/nvme-spec";
import { attachInThread } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pattern, rejects } from "./harness.js";

test("write and read back through trackers: map, exec, spin; the CQE names the tracker", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const raw = await ctrlr.allocRawIoQpair({ ioQueueSize: 8 });
  assert.is(raw.trackers.count, 7);
  const out = ctrlr.allocBuffer(3 * 4096); // three pages: PRP2 points at the tracker's list page
  const back = ctrlr.allocBuffer(3 * 4096);
  pattern(out.bytes, 5);
  const cmd = new NvmeCommand();
  const cqe = new Completion();

  const w = raw.trackers.acquire()!;
  w.opaque = "write";
  commands.readWrite(cmd, NvmOpcode.Write, 1, 40, 24);
  raw.trackers.mapPrp(w, cmd, out.iova, out.bytes.byteLength);
  raw.trackers.exec(w, cmd);
  assert.is(raw.trackers.spin(w, cqe), true);
  assert.equal([cqe.status, cqe.cid, cqe.sqid], [0, w.cid, raw.qid]);
  assert.is(ctrlr.rqFromCqe(cqe), w, "nvme_rq_from_cqe(ctrl, cqe): by SQ ID and CID");
  assert.is(w.opaque, "write");
  const cids = [w.cid];
  raw.trackers.release(w);

  // Two in flight: spinning for the second consumes the first's completion (EAGAIN), dispatched by CQE.
  const r1 = raw.trackers.acquireAtomic()!;
  const r2 = raw.trackers.acquireAtomic()!;
  commands.readWrite(cmd, NvmOpcode.Read, 1, 40, 8);
  raw.trackers.mapPrp(r1, cmd, back.iova, 4096);
  raw.trackers.exec(r1, cmd);
  commands.readWrite(cmd, NvmOpcode.Read, 1, 48, 16);
  raw.trackers.mapPrp(r2, cmd, back.iova + 4096, 8192);
  raw.trackers.exec(r2, cmd);
  assert.is(raw.trackers.spin(r2, cqe), false, "the first completion is r1's");
  assert.is(ctrlr.rqFromCqe(cqe), r1);
  cids.push(r1.cid, r2.cid);
  raw.trackers.releaseAtomic(r1);
  while (!raw.trackers.reap(cqe)) await new Promise((r) => setImmediate(r));
  assert.is(raw.trackers.fromCqe(cqe), r2);
  raw.trackers.releaseAtomic(r2);
  assert.equal(back.bytes, out.bytes);
  const posted = device.commandsOn(raw.qid);
  assert.equal(
    posted.map((c) => c.cid),
    cids,
    "each command carries its tracker's CID (as it was: a release moves it to the next generation)",
  );
  assert.not.equal(w.cid, cids[0], "released: a late completion under the old CID no longer names it");
  assert.is(ctrlr.rqFromCqe(new Uint32Array([0, 0, (99 << 16) >>> 0, 0])), null, "no raw queue 99");
  await ctrlr.freeRawIoQpair(raw);
  await driver.detach(ctrlr);
});

test("a reset closes a raw queue pair: acquire returns null, exec throws; free it and allocate another", async () => {
  const { driver, ctrlr } = await attachInThread();
  const raw = await ctrlr.allocRawIoQpair();
  const rq = raw.trackers.acquire()!;
  await ctrlr.reset();
  assert.is(ctrlr.state, ControllerState.Ready);
  assert.is(raw.trackers.acquire(), null);
  assert.throws(
    () => raw.trackers.exec(rq, new NvmeCommand().init(NvmOpcode.Flush, 1)),
    (e: unknown) => e instanceof StateError,
  );
  raw.trackers.release(rq);
  await ctrlr.freeRawIoQpair(raw);
  await rejects(() => ctrlr.freeRawIoQpair(raw), /not a raw queue pair/);
  const again = await ctrlr.allocRawIoQpair();
  assert.is(again.qid, raw.qid, "its queue ID is free again");
  const cmd = new NvmeCommand().init(NvmOpcode.Flush, 1);
  const flush = again.trackers.acquire()!;
  again.trackers.exec(flush, cmd);
  const cqe = new Completion();
  assert.is(again.trackers.spin(flush, cqe), true);
  assert.is(cqe.status, 0);
  await driver.detach(ctrlr); // frees the raw queue pair too
  assert.is(again.trackers.acquire(), null);
});

test.run();
