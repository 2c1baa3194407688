/**
 * I/O and admin commands through the NVMe/TCP host against nvmekit's target: the three faces,
 * in-capsule and R2T writes, split transfers, scattered payloads, any ArrayBufferView, memory
 * domains, the data-less commands, several queue pairs, back-pressure and digests.
 */
import {
  type Controller,
  createMemoryDomain,
  DmaDeviceType,
  destroyMemoryDomain,
  ENOMEM,
  memoryIoVec,
  type Namespace,
  NvmeStatusError,
  pullByCopy,
  pushByCopy,
  type QueuePair,
  type SgeOut,
} from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { lastValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PduFlag, PduType } from "../../../src/pdu/constants.js";
import { capsuleCommand, PduProxy, randomBytes, rng, sameBytes, startRig, until } from "./helper.js";

/** Polls `qp` (yielding to the event loop, where the socket delivers) until `done()`. */
async function drain(qp: QueuePair, done: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    qp.processCompletions();
    if (Date.now() > end) throw new Error("callbacks did not arrive in time");
    await new Promise((r) => setImmediate(r));
  }
}

interface Tally {
  ok: number;
  failed: number;
  calls: Map<number, number>;
}
function tally(): Tally {
  return { ok: 0, failed: 0, calls: new Map() };
}
function onDone(t: { tally: Tally; tag: number }, cpl: Completion): void {
  if (cpl.isError) t.tally.failed++;
  else t.tally.ok++;
  t.tally.calls.set(t.tag, (t.tally.calls.get(t.tag) ?? 0) + 1);
}

test("callback face: random data at random LBAs, in-capsule and R2T sizes, byte-exact", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const qp = await c.allocIoQpair();
    for (const nsid of [1, 2]) {
      const ns = c.namespaces.get(nsid)!;
      const r = rng(nsid * 7919);
      const bs = ns.sectorSize;
      // 1 block, in-capsule-sized, just above the 16 KiB in-capsule limit, and 64 KiB.
      const sizes = [bs, 8192, 16384, 16384 + bs, 65536].map((b) => Math.max(1, Math.floor(b / bs)));
      const t = tally();
      const ios = sizes.map((blocks, i) => {
        const lba = r(ns.numSectors - blocks);
        const data = randomBytes(blocks * bs, nsid * 100 + i);
        return { lba, blocks, data, back: new Uint8Array(blocks * bs) };
      });
      // Non-overlapping LBAs: lay them out one after another from a random start.
      let at = r(ns.numSectors / 2);
      for (const io of ios) {
        io.lba = at;
        at += io.blocks + r(8);
      }
      ios.forEach((io, i) => {
        assert.is(ns.cmdWrite(qp, io.data, io.lba, io.blocks, onDone, { tally: t, tag: i }), 0);
      });
      await drain(qp, () => t.ok + t.failed === ios.length);
      assert.is(t.failed, 0);
      ios.forEach((io, i) => {
        assert.is(ns.cmdRead(qp, io.back, io.lba, io.blocks, onDone, { tally: t, tag: 100 + i }), 0);
      });
      await drain(qp, () => t.ok + t.failed === 2 * ios.length);
      assert.is(t.failed, 0);
      for (const [tag, n] of t.calls) assert.is(n, 1, `callback ${tag} ran once`);
      for (const io of ios) sameBytes(io.back, io.data, `ns ${nsid} lba ${io.lba}+${io.blocks}`);
      // The backend holds the same bytes.
      const bq = await rig.backend.ctrlr.allocIoQpair();
      const check = rig.backend.ctrlr.allocBuffer(ios[4]!.data.length);
      await rig.backend.ctrlr.namespaces.get(nsid)!.read(bq, check.bytes, ios[4]!.lba, ios[4]!.blocks);
      sameBytes(check.bytes, ios[4]!.data, "the data reached the backend");
      await rig.backend.ctrlr.freeIoQpair(bq);
    }
  } finally {
    await rig.stop();
  }
});

test("the wire: small writes go in-capsule, large ones by R2T in MAXH2CDATA pieces; reads by C2HData", async () => {
  const rig = await startRig({ maxH2CData: 8192 });
  const proxy = await PduProxy.start(rig.port);
  try {
    const c = await rig.connect({}, proxy.port);
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const small = randomBytes(4096, 1);
    const r2tBefore = proxy.count("c2h", PduType.R2T);
    await ns.write(qp, small, 100, 8);
    assert.is(proxy.count("c2h", PduType.R2T), r2tBefore, "no R2T for in-capsule data");
    const cmd = proxy.records.filter((p) => p.dir === "h2c" && p.type === PduType.CapsuleCmd).at(-1)!;
    assert.is(cmd.plen - cmd.pdo, 4096, "the 4 KiB went in the capsule");
    const big = randomBytes(65536, 2);
    const h2cBefore = proxy.count("h2c", PduType.H2CData);
    await ns.write(qp, big, 200, 128);
    assert.is(proxy.count("c2h", PduType.R2T), r2tBefore + 1, "one R2T");
    assert.is(proxy.count("h2c", PduType.H2CData) - h2cBefore, 8, "64 KiB in 8 KiB H2CData PDUs");
    const h2c = proxy.records.filter((p) => p.dir === "h2c" && p.type === PduType.H2CData);
    assert.ok((h2c.at(-1)!.flags & PduFlag.DATA_LAST) !== 0, "the last carries LAST");
    const back = new Uint8Array(65536);
    await ns.read(qp, back, 200, 128);
    sameBytes(back, big);
    const back4 = new Uint8Array(4096);
    await ns.read(qp, back4, 100, 8);
    sameBytes(back4, small);
  } finally {
    await rig.stop();
    await proxy.close();
  }
});

test("Promise and RxJS faces; a transfer above MDTS is split and byte-exact", async () => {
  const rig = await startRig();
  const proxy = await PduProxy.start(rig.port);
  try {
    const c = await rig.connect({}, proxy.port);
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(2)!; // 4 KiB blocks
    assert.is(c.maxTransferSize, 128 * 1024);
    const data = randomBytes(512 * 1024, 3);
    const writesBefore = proxy.records.filter(
      (p) => p.dir === "h2c" && p.type === PduType.CapsuleCmd && capsuleCommand(p.header).opcode === 0x01,
    ).length;
    await ns.write(qp, data, 1000, 128);
    const writes =
      proxy.records.filter(
        (p) => p.dir === "h2c" && p.type === PduType.CapsuleCmd && capsuleCommand(p.header).opcode === 0x01,
      ).length - writesBefore;
    assert.is(writes, 4, "512 KiB went as 4 commands of 128 KiB");
    const back = new Uint8Array(data.length);
    await ns.read(qp, back, 1000, 128);
    sameBytes(back, data);
    // RxJS: one submission per subscription.
    const rx = randomBytes(3 * 4096, 4);
    assert.is(await lastValueFrom(ns.write$(qp, rx, 3000, 3)), 0);
    const rxBack = new Uint8Array(rx.length);
    const read$ = ns.read$(qp, rxBack, 3000, 3);
    assert.is(await lastValueFrom(read$), 0);
    sameBytes(rxBack, rx);
    rxBack.fill(0);
    await lastValueFrom(read$); // again: a second submission
    sameBytes(rxBack, rx);
  } finally {
    await rig.stop();
    await proxy.close();
  }
});

/** A scattered payload for cmdReadv/cmdWritev: the segments, walked. */
interface Walk {
  segs: Uint8Array[];
  i: number;
  skip: number;
  tally: Tally;
  tag: number;
}
function resetWalk(w: Walk, offset: number): void {
  w.i = 0;
  while (w.i < w.segs.length && offset >= w.segs[w.i]!.length) offset -= w.segs[w.i++]!.length;
  w.skip = offset;
}
function nextSeg(w: Walk, out: SgeOut): number {
  const s = w.segs[w.i++];
  if (s === undefined) return -1;
  out.view = s.subarray(w.skip);
  w.skip = 0;
  return 0;
}
function walkDone(w: Walk, cpl: Completion): void {
  onDone(w, cpl);
}

test("scattered payloads: cmdWritev/cmdReadv and writev/readv, odd segment sizes, byte-exact", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const cuts = [100, 412, 1536, 3, 29741, 1000, 1000 + 512 * 3]; // 36 KiB in all: R2T path
    const total = cuts.reduce((a, b) => a + b, 0);
    assert.is(total % 512, 0);
    const data = randomBytes(total, 5);
    const split = (b: Uint8Array): Uint8Array[] => {
      let o = 0;
      return cuts.map((n) => {
        const seg = b.subarray(o, o + n);
        o += n;
        return seg;
      });
    };
    const t = tally();
    const w: Walk = { segs: split(data), i: 0, skip: 0, tally: t, tag: 1 };
    assert.is(ns.cmdWritev(qp, 300, total / 512, walkDone, w, 0, resetWalk, nextSeg), 0);
    await drain(qp, () => t.ok + t.failed === 1);
    const back = new Uint8Array(total);
    const r: Walk = { segs: split(back), i: 0, skip: 0, tally: t, tag: 2 };
    assert.is(ns.cmdReadv(qp, 300, total / 512, walkDone, r, 0, resetWalk, nextSeg), 0);
    await drain(qp, () => t.ok + t.failed === 2);
    assert.is(t.failed, 0);
    sameBytes(back, data);
    // Promise face, a small in-capsule one too.
    const small = randomBytes(1024, 6);
    await ns.writev(qp, [small.subarray(0, 7), small.subarray(7, 1000), small.subarray(1000)], 900, 2);
    const a = new Uint8Array(513);
    const b = new Uint8Array(511);
    await ns.readv(qp, [a, b], 900, 2);
    sameBytes(a, small.subarray(0, 513));
    sameBytes(b, small.subarray(513));
    const big = new Uint8Array(total);
    await ns.readv(qp, split(big), 300, total / 512);
    sameBytes(big, data);
  } finally {
    await rig.stop();
  }
});

test("any ArrayBufferView is a buffer: plain Uint8Array, DataView, subarray at an odd offset", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const data = randomBytes(2048, 7);
    // A DataView over part of a bigger buffer (in-capsule).
    const host = new ArrayBuffer(4096 + 13);
    new Uint8Array(host, 13, 2048).set(data);
    await ns.write(qp, new DataView(host, 13, 2048), 40, 4);
    // A subarray at an odd offset (R2T-sized).
    const bigData = randomBytes(32768, 8);
    const carrier = new Uint8Array(32768 + 5);
    carrier.set(bigData, 3);
    await ns.write(qp, carrier.subarray(3, 3 + 32768), 60, 64);
    // Read them back into other odd views.
    const backBuf = new ArrayBuffer(2048 + 7);
    await ns.read(qp, new DataView(backBuf, 7, 2048), 40, 4);
    sameBytes(new Uint8Array(backBuf, 7, 2048), data);
    const odd = new Uint8Array(32768 + 9);
    await ns.read(qp, odd.subarray(1, 1 + 32768), 60, 64);
    sameBytes(odd.subarray(1, 1 + 32768), bigData);
    assert.is(odd[0], 0, "nothing written before the view");
    assert.is(odd[32769], 0, "nothing written after the view");
    // A Uint32Array too.
    const words = new Uint32Array(128);
    await ns.read(qp, words, 40, 1);
    sameBytes(new Uint8Array(words.buffer), data.subarray(0, 512));
  } finally {
    await rig.stop();
  }
});

test("ext I/O: no domain, a bounce domain, and a translating domain all move the right bytes", async () => {
  const rig = await startRig();
  const bounce = createMemoryDomain(DmaDeviceType.Dma, null, "tcp-test-bounce");
  bounce.setPull(pullByCopy);
  bounce.setPush(pushByCopy);
  try {
    const c = await rig.connect();
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const data = randomBytes(4096, 9);
    await ns.writeExt(qp, [memoryIoVec(data, 0, 1000), memoryIoVec(data, 1000)], 500, 8);
    const a = new Uint8Array(4096);
    await ns.readExt(qp, [memoryIoVec(a)], 500, 8);
    sameBytes(a, data, "no domain: the views themselves");
    const d2 = randomBytes(8192, 10);
    await ns.writeExt(qp, [memoryIoVec(d2, 0, 3000), memoryIoVec(d2, 3000)], 600, 16, {
      memoryDomain: bounce,
    });
    const b1 = new Uint8Array(5000);
    const b2 = new Uint8Array(3192);
    await ns.readExt(qp, [memoryIoVec(b1), memoryIoVec(b2)], 600, 16, { memoryDomain: bounce });
    sameBytes(b1, d2.subarray(0, 5000), "bounce domain read");
    sameBytes(b2, d2.subarray(5000), "bounce domain read");
  } finally {
    destroyMemoryDomain(bounce);
    await rig.stop();
  }
});

test("ext I/O through a domain that can translate (and pull/push) never moves wrong bytes silently", async () => {
  const rig = await startRig();
  // A DMA-style domain: it translates its buffers into addresses, and can also copy.
  const domain = createMemoryDomain(DmaDeviceType.Dma, null, "tcp-test-translating");
  domain.setTranslation((_s, _sc, _d, _dc, src, result) => {
    result.iovCount = 1;
    result.iov.addr = 0x10000 + (src.offset ?? 0);
    result.iov.length = src.length;
    return 0;
  });
  domain.setPull(pullByCopy);
  domain.setPush(pushByCopy);
  try {
    const c = await rig.connect();
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const data = randomBytes(4096, 11);
    let wrote = true;
    await ns.writeExt(qp, [memoryIoVec(data)], 700, 8, { memoryDomain: domain }).catch(() => {
      wrote = false; // refusing is fine; succeeding with other bytes is not
    });
    if (wrote) {
      const back = new Uint8Array(4096);
      await ns.read(qp, back, 700, 8);
      sameBytes(back, data, "writeExt succeeded, so the blocks must hold the caller's bytes");
    }
    await ns.write(qp, data, 710, 8);
    const into = new Uint8Array(4096);
    let read = true;
    await ns.readExt(qp, [memoryIoVec(into)], 710, 8, { memoryDomain: domain }).catch(() => {
      read = false;
    });
    if (read) sameBytes(into, data, "readExt succeeded, so the caller's buffer must hold the blocks");
  } finally {
    destroyMemoryDomain(domain);
    await rig.stop();
  }
});

test("Flush, Write Zeroes, Dataset Management, Compare (match and mismatch)", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const data = randomBytes(8 * 512, 12);
    await ns.write(qp, data, 2000, 8);
    assert.is(await ns.flush(qp), 0);
    assert.is(await lastValueFrom(ns.flush$(qp)), 0);
    assert.is(await ns.compare(qp, data, 2000, 8), 0, "matching compare");
    const wrong = data.slice();
    wrong[777]! ^= 0xff;
    const err = await ns.compare(qp, wrong, 2000, 8).then(
      () => null,
      (e: unknown) => e,
    );
    assert.instance(err, NvmeStatusError);
    assert.is((err as NvmeStatusError).sct, 2, "media error status type");
    assert.is((err as NvmeStatusError).sc, 0x85, "Compare Failure");
    await ns.writeZeroes(qp, 2002, 3);
    const back = new Uint8Array(8 * 512);
    await ns.read(qp, back, 2000, 8);
    sameBytes(back.subarray(0, 1024), data.subarray(0, 1024));
    assert.ok(
      back.subarray(1024, 2560).every((b) => b === 0),
      "Write Zeroes zeroed 3 blocks",
    );
    sameBytes(back.subarray(2560), data.subarray(2560));
    assert.is(
      await ns.deallocate(qp, [
        { lba: 2000, count: 8 },
        { lba: 4000, count: 16 },
      ]),
      0,
    );
    // Callback face of the same commands.
    const t = tally();
    assert.is(ns.cmdFlush(qp, onDone, { tally: t, tag: 1 }), 0);
    assert.is(ns.cmdWriteZeroes(qp, 3000, 4, onDone, { tally: t, tag: 2 }), 0);
    assert.is(ns.cmdDatasetManagement(qp, 4, [{ lba: 3000, count: 4 }], onDone, { tally: t, tag: 3 }), 0);
    assert.is(ns.cmdCompare(qp, wrong, 2000, 8, onDone, { tally: t, tag: 4 }), 0);
    await drain(qp, () => t.ok + t.failed === 4);
    assert.is(t.ok, 3);
    assert.is(t.failed, 1, "the compare of changed data fails");
  } finally {
    await rig.stop();
  }
});

test("admin commands: SMART and error logs, Get/Set Features, callback face", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const smart = await c.getLogPage(0x02, 0xffffffff, 512);
    const kelvin = smart[1]! | (smart[2]! << 8);
    assert.is(kelvin, 310, "the backend's composite temperature");
    const errors = await c.getLogPage(0x01, 0xffffffff, 64);
    assert.is(errors.length, 64);
    // Volatile Write Cache through the target to the backend.
    await c.setFeature(0x06, 0);
    assert.is((await c.getFeature(0x06)) & 1, 0);
    await c.setFeature(0x06, 1);
    assert.is((await c.getFeature(0x06)) & 1, 1);
    assert.is(await c.getFeature(0x07), 7 | (7 << 16), "Number of Queues: 8 granted");
    assert.is(await c.getFeature(0x0f), c.options.keepAliveTimeoutMs, "KATO as connected");
    // An unsupported feature is a status error, not a hang.
    await c.getFeature(0x0d).then(
      () => assert.unreachable("feature 0x0d is not served"),
      (e) => assert.instance(e, NvmeStatusError),
    );
    // Callback face.
    const buf = c.allocBuffer(512);
    let called = 0;
    let status = -1;
    assert.is(
      c.cmdGetLogPage(
        0x02,
        0xffffffff,
        buf.bytes,
        0,
        (_a: null, cpl: Completion) => {
          called++;
          status = cpl.status;
        },
        null,
      ),
      0,
    );
    assert.ok(
      await until(() => {
        c.processAdminCompletions();
        return called > 0;
      }),
    );
    assert.is(called, 1);
    assert.is(status, 0);
    assert.is(buf.bytes[1]! | (buf.bytes[2]! << 8), 310);
  } finally {
    await rig.stop();
  }
});

async function roundTrip(
  c: Controller,
  qp: QueuePair,
  ns: Namespace,
  lba: number,
  seed: number,
): Promise<void> {
  const data = randomBytes(ns.sectorSize * 2, seed);
  await ns.write(qp, data, lba, 2);
  const back = new Uint8Array(data.length);
  await ns.read(qp, back, lba, 2);
  sameBytes(back, data, `qpair ${qp.id} lba ${lba}`);
  void c;
}

test("several I/O queue pairs at once, each its own connection, concurrent I/O", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const qps = await Promise.all([1, 2, 3, 4].map(() => c.allocIoQpair()));
    assert.equal(qps.map((q) => q.id).sort(), [1, 2, 3, 4]);
    const ns = c.namespaces.get(1)!;
    const datas = qps.map((_, i) => randomBytes(64 * 512, 20 + i));
    await Promise.all(qps.map((q, i) => ns.write(q, datas[i]!, 8000 + i * 64, 64)));
    const backs = qps.map(() => new Uint8Array(64 * 512));
    // Read each range through another queue pair.
    await Promise.all(qps.map((q, i) => ns.read(q, backs[(i + 1) % 4]!, 8000 + ((i + 1) % 4) * 64, 64)));
    for (let i = 0; i < 4; i++) sameBytes(backs[i], datas[i], `range ${i}`);
    assert.ok(await until(() => rig.target.connectionCount === 5), "admin + 4 I/O connections");
    for (const q of qps) await c.freeIoQpair(q);
    assert.ok(await until(() => rig.target.connectionCount === 1), "freed queues close their connections");
  } finally {
    await rig.stop();
  }
});

test("free and re-allocate queue pairs repeatedly: IDs handed out in turn, I/O works each time", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const ns = c.namespaces.get(1)!;
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const qp = await c.allocIoQpair();
      ids.push(qp.id);
      await roundTrip(c, qp, ns, 100 + i * 2, 40 + i);
      await c.freeIoQpair(qp);
    }
    assert.equal(ids, [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4]);
    // All eight at once, then a ninth is refused.
    const all = [];
    for (let i = 0; i < 8; i++) all.push(await c.allocIoQpair());
    await c.allocIoQpair().then(
      () => assert.unreachable("only 8 queues granted"),
      (e) => assert.match(String(e), /in use/),
    );
    for (const q of all) await c.freeIoQpair(q);
    // Immediately again, without waiting for the target to tear the old queues down.
    const again = await c.allocIoQpair();
    await roundTrip(c, again, ns, 500, 99);
  } finally {
    await rig.stop();
  }
});

test("back-pressure: -ENOMEM when every request is in use; each callback once; resubmission works", async () => {
  const rig = await startRig();
  try {
    const c = await rig.connect();
    const qp = await c.allocIoQpair({ ioQueueSize: 4, ioQueueRequests: 4 });
    const ns = c.namespaces.get(1)!;
    const t = tally();
    const bufs = [0, 1, 2, 3, 4].map(() => new Uint8Array(512));
    let accepted = 0;
    for (let i = 0; i < 5; i++) {
      const rc = ns.cmdRead(qp, bufs[i]!, i, 1, onDone, { tally: t, tag: i });
      if (rc === 0) accepted++;
      else assert.is(rc, -ENOMEM);
    }
    assert.is(accepted, 4, "four requests, the fifth is back-pressure");
    await drain(qp, () => t.ok + t.failed === 4);
    assert.is(t.failed, 0);
    for (const n of t.calls.values()) assert.is(n, 1);
    assert.is(ns.cmdRead(qp, bufs[4]!, 4, 1, onDone, { tally: t, tag: 4 }), 0, "a request is free again");
    await drain(qp, () => t.ok === 5);
    // The Promise face waits instead of failing.
    await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ns.read(qp, new Uint8Array(512), i, 1)));
  } finally {
    await rig.stop();
  }
});

test("digests: header and data digests negotiated and used; in-capsule, R2T and reads byte-exact", async () => {
  const rig = await startRig({ maxH2CData: 4096 });
  const proxy = await PduProxy.start(rig.port);
  try {
    const c = await rig.connect({ headerDigest: true, dataDigest: true }, proxy.port);
    const qp = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const ic = proxy.records.find((p) => p.dir === "c2h" && p.type === PduType.ICResp)!;
    assert.is(ic.header[11], 3, "the target granted both digests");
    for (const [n, seed] of [
      [4, 50],
      [64, 51],
      [300, 52],
    ] as const) {
      const data = randomBytes(n * 512, seed);
      await ns.write(qp, data, 3000, n);
      const back = new Uint8Array(data.length);
      await ns.read(qp, back, 3000, n);
      sameBytes(back, data, `${n} blocks`);
    }
    const io = proxy.records.filter((p) => p.link > 0);
    const caps = io.filter((p) => p.type === PduType.CapsuleCmd);
    assert.ok(
      caps.length > 0 && caps.every((p) => (p.flags & PduFlag.HDGSTF) !== 0),
      "header digest on commands",
    );
    assert.ok(
      caps.some((p) => (p.flags & PduFlag.DDGSTF) !== 0),
      "data digest on in-capsule data",
    );
    const h2c = io.filter((p) => p.type === PduType.H2CData);
    assert.ok(h2c.length >= 8 && h2c.every((p) => (p.flags & 3) === 3), "H2CData with both digests");
    const c2h = io.filter((p) => p.type === PduType.C2HData);
    assert.ok(c2h.length > 0 && c2h.every((p) => (p.flags & 3) === 3), "C2HData with both digests");
    assert.is(proxy.count("h2c", PduType.H2CTermReq), 0);
    assert.is(proxy.count("c2h", PduType.C2HTermReq), 0);
  } finally {
    await rig.stop();
    await proxy.close();
  }
});

test.run();
