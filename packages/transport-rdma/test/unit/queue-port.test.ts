// The RDMA queue port's completion rule, against a scripted adapter: only the last send of each posted
// chain is signalled, so a command whose response comes before that send's completion must wait for
// it (its capsule may still be in use). The real target on soft-RoCE answers in whatever order its
// tasklets run, which a device test cannot steer; these cases are steered here.
import koffi from "koffi";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { PortVerbs } from "../../src/host/rdma-queue-port.js";
import { RdmaQueuePort } from "../../src/host/rdma-queue-port.js";
import { RegisteredRange } from "../../src/host/registered-memory.js";
import {
  IBV_SEND_SIGNALED,
  IBV_WC_RECV,
  IbvRecvWr,
  IbvSendWr,
  IbvSge,
  IbvWc,
} from "../../src/native/layouts.js";
import { NativeBlock } from "../../src/native/native-block.js";

const DEPTH = 8;

function u64(view: DataView, at: number): bigint {
  return view.getBigUint64(at, true);
}

/** An adapter that records what is posted and completes what the test says, in the order it says. */
class ScriptedAdapter implements PortVerbs {
  readonly qp = 1n;
  readonly cq = 2n;
  /** Sends posted and not yet completed: their wr_id and whether they asked for a completion. */
  readonly pendingSends: { cid: number; signalled: boolean }[] = [];
  /** Every send posted, in order. */
  readonly posted: { cid: number; signalled: boolean }[] = [];
  private readonly receives: bigint[] = [];
  private readonly completions: { wrId: bigint; opcode: number; byteLen: number }[] = [];
  readonly dataPath = {
    postSend: (_qp: bigint, wr: bigint): number => {
      for (let p = wr; p !== 0n; ) {
        const v = new DataView(koffi.view(p, IbvSendWr.size));
        const send = {
          cid: Number(u64(v, IbvSendWr.wrId)),
          signalled: (v.getUint32(IbvSendWr.sendFlags, true) & IBV_SEND_SIGNALED) !== 0,
        };
        this.pendingSends.push(send);
        this.posted.push(send);
        p = u64(v, IbvSendWr.next);
      }
      return 0;
    },
    postRecv: (_qp: bigint, wr: bigint): number => {
      for (let p = wr; p !== 0n; ) {
        this.receives.push(p);
        p = u64(new DataView(koffi.view(p, IbvRecvWr.size)), IbvRecvWr.next);
      }
      return 0;
    },
    pollCq: (_cq: bigint, n: number, wc: bigint): number => {
      const batch = this.completions.splice(0, n);
      const v = new DataView(koffi.view(wc, n * IbvWc.size));
      batch.forEach((c, i) => {
        const at = i * IbvWc.size;
        v.setBigUint64(at + IbvWc.wrId, c.wrId, true);
        v.setUint32(at + IbvWc.status, 0, true);
        v.setUint32(at + IbvWc.opcode, c.opcode, true);
        v.setUint32(at + IbvWc.byteLen, c.byteLen, true);
      });
      return batch.length;
    },
    reqNotifyCq: (): number => 0,
  };

  waitForEvent(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** The adapter finishes the oldest `count` sends; only the signalled ones make a completion. */
  completeSends(count: number): void {
    for (const send of this.pendingSends.splice(0, count))
      if (send.signalled) this.completions.push({ wrId: BigInt(send.cid), opcode: 0, byteLen: 0 });
  }

  /** The target's response for `cid` lands in the oldest posted receive. */
  respond(cid: number): void {
    const wr = this.receives.shift()!;
    const rv = new DataView(koffi.view(wr, IbvRecvWr.size));
    const sge = new DataView(koffi.view(u64(rv, IbvRecvWr.sgList), IbvSge.size));
    const cqe = new Uint32Array(koffi.view(u64(sge, IbvSge.addr), 16));
    cqe.set([0, 0, 1 << 16, cid]);
    this.completions.push({ wrId: u64(rv, IbvRecvWr.wrId), opcode: IBV_WC_RECV, byteLen: 16 });
  }
}

/** A port attached to a scripted adapter; `sendsPosted` starts the int32 send numbering where given. */
function attached(sendsPosted = 0): { port: RdmaQueuePort; adapter: ScriptedAdapter } {
  const block = new NativeBlock(64 * 1024);
  const memory = new RegisteredRange(block.bytes, block.base, 0x11, 0x22);
  const port = new RdmaQueuePort(
    { qid: 1, depth: DEPTH, inCapsuleBytes: 0 },
    memory,
    (e) => {
      throw e;
    },
    () => undefined,
  );
  (port as unknown as { sendsPosted: number }).sendsPosted = sendsPosted;
  const adapter = new ScriptedAdapter();
  port.attach(adapter, () => undefined);
  return { port, adapter };
}

function post(port: RdmaQueuePort, cid: number): void {
  const cmd = new Uint32Array(16);
  cmd[0] = 0x02 | (cid << 16);
  port.post(cmd);
}

/** The CIDs `poll` hands out now, in order. */
function polled(port: RdmaQueuePort): number[] {
  const out = new Uint32Array(4);
  const cids: number[] = [];
  while (port.poll(out)) cids.push(out[3]! & 0xffff);
  return cids;
}

test("only the last send of each posted chain asks for a completion", () => {
  const { port, adapter } = attached();
  for (const cid of [0, 1, 2]) post(port, cid);
  polled(port); // flushes the chain before reaping
  post(port, 3);
  polled(port);
  assert.equal(adapter.posted, [
    { cid: 0, signalled: false },
    { cid: 1, signalled: false },
    { cid: 2, signalled: true },
    { cid: 3, signalled: true },
  ]);
});

for (const [label, start] of [
  ["", 0],
  [", across the int32 wrap of the send numbers", 2 ** 31 - 2],
] as const) {
  test(`responses before their chain's send completion wait for it; later ones complete at once${label}`, () => {
    const { port, adapter } = attached(start);
    for (const cid of [0, 1, 2]) post(port, cid);
    assert.equal(polled(port), []);
    adapter.respond(1);
    adapter.respond(0);
    assert.equal(polled(port), [], "answered, but their capsules may still be in use");
    adapter.completeSends(2); // unsignalled: no completion yet
    assert.equal(polled(port), []);
    adapter.completeSends(1); // the chain's last: every send before it is done too
    assert.equal(polled(port), [1, 0]);
    adapter.respond(2);
    assert.equal(polled(port), [2], "its send already known complete");
  });
}

test("a later chain's responses are not released by an earlier chain's send completion", () => {
  const { port, adapter } = attached();
  post(port, 0);
  polled(port);
  post(port, 1);
  polled(port);
  adapter.respond(1);
  adapter.completeSends(1); // chain [0] only
  assert.equal(polled(port), []);
  adapter.respond(0);
  assert.equal(polled(port), [0]);
  adapter.completeSends(1);
  assert.equal(polled(port), [1]);
});

test.run();
