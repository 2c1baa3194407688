import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError, NvmeTimeoutError, StateError } from "../../../src/errors/errors.js";
import { NvmeCommand } from "../../../src/nvme-spec/command.js";
import { Completion } from "../../../src/nvme-spec/completion.js";
import { TrackerPool } from "../../../src/rq/pool.js";
import type { QueuePort } from "../../../src/transport/contract.js";
import { PAGE, RecordingDma } from "../recording-dma.js";

/** An in-memory queue: records what is posted and rung; a test pushes completions for poll to return. */
class FakePort implements QueuePort {
  readonly qid = 1;
  posted: number[][] = [];
  sqRings = 0;
  cqRings = 0;
  polls = 0;
  pending: number[][] = [];
  constructor(readonly depth: number) {}
  post(cmd: Uint32Array): void {
    this.posted.push([...cmd]);
  }
  ringSubmission(): void {
    this.sqRings++;
  }
  poll(out: Uint32Array): boolean {
    this.polls++;
    const next = this.pending.shift();
    if (next === undefined) return false;
    out.set(next);
    return true;
  }
  ringCompletion(): void {
    this.cqRings++;
  }
  async release(): Promise<void> {}
  /** Queues a completion for `cid` with the given DW0 and status field. */
  complete(cid: number, dw0 = 0, status = 0): void {
    this.pending.push([dw0, 0, 0, (cid | (1 << 16) | (status << 17)) >>> 0]);
  }
}

function setup(depth = 4, options = {}) {
  const port = new FakePort(depth);
  const dma = new RecordingDma();
  return { port, dma, pool: new TrackerPool(port, dma, options) };
}

test("count defaults to depth - 1; one DMA buffer holds every tracker's pages", () => {
  const { pool, dma } = setup(8, { pagesPerTracker: 2 });
  assert.is(pool.count, 7);
  assert.is(dma.allocated.length, 1);
  assert.is(dma.allocated[0]!.bytes.length, 7 * 2 * PAGE);
  const rq = pool.trackers[3]!;
  assert.equal(rq.prpPages.iovas, [0x1_0000_0000 + 6 * PAGE, 0x1_0000_0000 + 7 * PAGE]);
  assert.is(rq.prpPages.pages[1]!.length, PAGE / 4);
  assert.is(rq.sglSegment.iova, rq.prpPages.iovas[0]);
  assert.is(rq.sglSegment.capacity, 256);
});

test("bad count and pagesPerTracker are rejected", () => {
  const port = new FakePort(4);
  const dma = new RecordingDma();
  assert.throws(
    () => new TrackerPool(port, dma, { count: 4 }),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
  assert.throws(
    () => new TrackerPool(port, dma, { count: 0 }),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
  assert.throws(
    () => new TrackerPool(port, dma, { pagesPerTracker: -1 }),
    (e: unknown) => e instanceof InvalidArgumentError,
  );
});

test("a pool without list pages (a transport with its own data pointers) takes no DMA memory", () => {
  const port = new FakePort(4);
  const dma = new RecordingDma();
  const pool = new TrackerPool(port, dma, { pagesPerTracker: 0 });
  assert.is(dma.allocated.length, 0);
  const rq = pool.acquire()!;
  assert.is(rq.cid, 0);
  assert.is(rq.prpPages.pages.length, 0);
  assert.is(rq.sglSegment.capacity, 0);
  pool.release(rq);
  pool.destroy();
  assert.is(pool.acquire(), null);
});

test("acquire until exhaustion returns null; inFlight counts", () => {
  const { pool } = setup(4);
  const got = [pool.acquire(), pool.acquire(), pool.acquire()];
  assert.equal(
    got.map((rq) => rq?.cid),
    [0, 1, 2],
  );
  assert.is(pool.inFlight, 3);
  assert.is(pool.acquire(), null);
  pool.release(got[1]!);
  assert.is(pool.inFlight, 2);
});

test("LIFO reuse after release; release clears the opaque field", () => {
  const { pool } = setup(8);
  const a = pool.acquire()!;
  const b = pool.acquire()!;
  b.opaque = { x: 1 };
  pool.release(a);
  pool.release(b);
  const again = pool.acquire()!;
  assert.is(again, b);
  assert.is(again.opaque, undefined);
  assert.is(pool.acquire(), a);
  assert.is(pool.acquire()!.cid, 2);
});

test("double release is a StateError", () => {
  const { pool } = setup(4);
  const rq = pool.acquire()!;
  pool.release(rq);
  assert.throws(
    () => pool.release(rq),
    (e: unknown) => e instanceof StateError,
  );
});

test("cid round trip: prep sets the cid, fromCqe finds the tracker, only while acquired", () => {
  const { pool } = setup(64);
  pool.acquire();
  const rq = pool.acquire()!;
  const cmd = new NvmeCommand();
  cmd.opcode = 0x02;
  pool.prep(rq, cmd);
  assert.is(cmd.dw[0], (1 << 16) | 0x02);
  const cqe = new Completion(new Uint32Array([0, 0, 0, 1 | (1 << 16)]));
  assert.is(pool.fromCqe(cqe), rq);
  assert.is(pool.fromCqe(cqe.dw), rq);
  pool.release(rq);
  assert.is(pool.fromCqe(cqe), null); // no longer ours
  assert.is(pool.fromCqe(new Uint32Array([0, 0, 0, 0xffff])), null); // never issued
});

test("exec posts exactly the prepared dwords and rings once", () => {
  const { pool, port } = setup(4);
  pool.acquire();
  const rq = pool.acquire()!;
  const cmd = new NvmeCommand();
  cmd.opcode = 0x01;
  cmd.nsid = 1;
  cmd.cdw10 = 0x10;
  pool.mapPrp(rq, cmd, 0x20_0000, 8192);
  pool.exec(rq, cmd);
  assert.equal(port.posted, [
    [(1 << 16) | 0x01, 1, 0, 0, 0, 0, 0x20_0000, 0, 0x20_1000, 0, 0x10, 0, 0, 0, 0, 0],
  ]);
  assert.is(port.sqRings, 1);
});

test("exec with a released tracker is a StateError and posts nothing", () => {
  const { pool, port } = setup(4);
  const rq = pool.acquire()!;
  pool.release(rq);
  assert.throws(
    () => pool.exec(rq, new NvmeCommand()),
    (e: unknown) => e instanceof StateError,
  );
  assert.is(port.posted.length, 0);
});

test("mapPrp with a list uses the tracker's own list page", () => {
  const { pool } = setup(4);
  pool.acquire();
  const rq = pool.acquire()!;
  const cmd = new NvmeCommand();
  pool.mapPrp(rq, cmd, 0x30_0000, 3 * PAGE);
  assert.is(cmd.prp2, rq.prpPages.iovas[0]);
  assert.is(cmd.prp2, 0x1_0000_0000 + PAGE);
  assert.equal([...rq.prpPages.pages[0]!.subarray(0, 4)], [0x30_1000, 0, 0x30_2000, 0]);
});

test("mapv: PRP unless the pool was told SGLs are supported", () => {
  const iov = [
    { iova: 0x1000, length: PAGE },
    { iova: 0x5000, length: 512 },
  ];
  const prp = setup(4);
  const rq = prp.pool.acquire()!;
  const cmd = new NvmeCommand();
  prp.pool.mapv(rq, cmd, iov, 2);
  assert.is(cmd.psdt, 0);
  assert.is(cmd.prp2, 0x5000);

  const sgl = setup(4, { sglSupported: true });
  const rq2 = sgl.pool.acquire()!;
  const cmd2 = new NvmeCommand();
  sgl.pool.mapv(rq2, cmd2, iov, 2);
  assert.is(cmd2.psdt, 1);
  assert.is(cmd2.prp1, rq2.sglSegment.iova);
  assert.is(cmd2.dw[9]! >>> 24, 0x30); // Last Segment
  assert.equal([...rq2.sglSegment.entries.subarray(0, 8)], [0x1000, 0, PAGE, 0, 0x5000, 0, 512, 0]);
});

test("spin: returns true for rq's completion, copies it, rings the CQ doorbell", () => {
  const { pool, port } = setup(4);
  const rq = pool.acquire()!;
  port.complete(rq.cid, 0xabcd);
  const out = new Completion();
  assert.is(pool.spin(rq, out), true);
  assert.is(out.cdw0, 0xabcd);
  assert.is(out.cid, rq.cid);
  assert.is(port.cqRings, 1);
  port.complete(rq.cid);
  assert.is(pool.spin(rq), true); // without a copy
});

test("spin: another command's completion is consumed and reported as false (libvfn's EAGAIN)", () => {
  const { pool, port } = setup(4);
  const a = pool.acquire()!;
  const b = pool.acquire()!;
  port.complete(b.cid, 7);
  port.complete(a.cid, 8);
  const out = new Uint32Array(4);
  assert.is(pool.spin(a, out), false);
  assert.is(pool.fromCqe(out), b);
  assert.is(out[0], 7);
  assert.is(port.cqRings, 1);
  assert.is(pool.spin(a, out), true);
  assert.is(out[0], 8);
});

test("wait: returns like spin when a completion comes, throws NvmeTimeoutError after the limit", () => {
  const { pool, port } = setup(4);
  const rq = pool.acquire()!;
  port.complete(rq.cid);
  assert.is(pool.wait(rq, undefined, 1000), true);
  const before = port.cqRings;
  assert.throws(
    () => pool.wait(rq, undefined, 5),
    (e: unknown) => e instanceof NvmeTimeoutError && /queue 1 within 5 ms.*cid 0/.test(e.message),
  );
  assert.is(port.cqRings, before);
  assert.ok(port.polls > 1);
});

test("destroy frees the DMA memory once; acquire then returns null", () => {
  const { pool, dma } = setup(4);
  const rq = pool.acquire()!;
  pool.destroy();
  pool.destroy();
  assert.equal(dma.freed, dma.allocated);
  assert.is(pool.acquire(), null);
  pool.release(rq); // an in-flight tracker can still be released
  assert.is(pool.inFlight, 0);
  assert.is(pool.acquire(), null);
});

test("the _atomic variants work the same free stack as the plain ones, and mix with them", () => {
  const { pool } = setup(5); // 4 trackers
  const a = pool.acquireAtomic()!;
  const b = pool.acquire()!;
  const c = pool.acquireAtomic()!;
  assert.equal([a.cid, b.cid, c.cid], [0, 1, 2], "the same order as acquire");
  pool.releaseAtomic(b);
  assert.is(pool.acquire(), b, "what releaseAtomic pushed, acquire pops");
  pool.release(c);
  assert.is(pool.acquireAtomic(), c, "and the other way round");
  assert.is(pool.acquireAtomic()!.cid, 3);
  assert.is(pool.acquireAtomic(), null, "exhausted");
  assert.is(pool.inFlight, 4);
  a.opaque = "mine";
  pool.releaseAtomic(a);
  assert.is(a.opaque, undefined, "releaseAtomic clears opaque too");
  assert.throws(
    () => pool.releaseAtomic(a),
    (e: unknown) => e instanceof StateError,
    "double release",
  );
});

test("close: acquire returns null, exec throws and posts nothing; trackers out release; memory kept until destroy", () => {
  const { pool, port, dma } = setup(4);
  const rq = pool.acquire()!;
  pool.close();
  assert.is(pool.acquire(), null);
  assert.is(pool.acquireAtomic(), null);
  assert.throws(
    () => pool.exec(rq, new NvmeCommand().init(0x02, 1)),
    (e: unknown) => e instanceof StateError && /queue 1 is gone/.test((e as Error).message),
  );
  assert.equal(port.posted, []);
  assert.equal(dma.freed, [], "the device may still read the list pages");
  pool.release(rq);
  assert.is(pool.acquire(), null, "a release after close does not refill the stack");
  pool.destroy();
  assert.equal(dma.freed, dma.allocated);
});

test("reap takes the next completion without blocking, or returns false", () => {
  const { pool, port } = setup(4);
  const cqe = new Completion();
  assert.is(pool.reap(cqe), false);
  assert.is(port.cqRings, 0, "nothing consumed, nothing rung");
  const rq = pool.acquire()!;
  port.complete(rq.cid, 0x77);
  assert.is(pool.reap(cqe), true);
  assert.equal([cqe.cid, cqe.cdw0], [rq.cid, 0x77]);
  assert.is(pool.fromCqe(cqe), rq);
  assert.is(port.cqRings, 1);
});

test("a released tracker's CID moves to its next generation: fromCqe refuses the old one, takes the new", () => {
  const { pool } = setup(5); // 4 trackers: the index takes 2 bits, the generation the 14 above
  const rq = pool.acquire()!;
  const first = rq.cid;
  pool.release(rq);
  assert.is(pool.acquire(), rq, "the same tracker (LIFO)");
  assert.is(rq.cid, first + 4, "index kept, generation + 1");
  assert.is(
    pool.fromCqe(new Uint32Array([0, 0, 0, first])),
    null,
    "the earlier command's completion is stale",
  );
  assert.is(pool.fromCqe(new Uint32Array([0, 0, 0, rq.cid])), rq);
  const last = [pool.acquire(), pool.acquire(), pool.acquire()].find((t) => t?.index === 3)!;
  const seen = new Set<number>();
  for (let i = 0; i < 0x4000; i++) {
    pool.release(last);
    assert.is(pool.acquire(), last);
    seen.add(last.cid);
  }
  assert.not.ok(seen.has(0xffff), "tracker 3's CIDs skip all ones (a vanished device's completion)");
  assert.is(seen.size, 0x4000 - 1, "every other generation of index 3 was used");
  assert.ok(
    [...seen].every((cid) => (cid & 3) === 3),
    "the index stays as the generation wraps",
  );
});

test("without generations (a fabrics port's pool) the CID is the index, reuse or not", () => {
  const { pool } = setup(5, { cidGenerations: false, pagesPerTracker: 0 });
  const rq = pool.acquire()!;
  pool.release(rq);
  assert.is(pool.acquire()!.cid, rq.index);
});

test.run();
