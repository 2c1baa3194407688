import { test } from "uvu";
import * as assert from "uvu/assert";
import { InThreadTransport, nvmeStatus } from "../../../src/index.js";
import { enableByHand, pollOne, putAddr, rawAdminChannel, runRaw } from "./raw-host.js";

const TRID = { trtype: 4096, adrfam: 0 as const, traddr: "soft0", trsvcid: "", subnqn: "", trstring: "SOFT" };

async function setup(depth = 16) {
  const transport = new InThreadTransport();
  await transport.connect(TRID, {} as never);
  const conn = transport.connection("soft0")!;
  const admin = await enableByHand(conn, depth);
  return { transport, conn, ctrl: transport.controller("soft0"), admin };
}

const ascii = (b: Uint8Array, from: number, len: number) =>
  String.fromCharCode(...b.subarray(from, from + len)).trim();

test("raw Identify Controller through a hand-programmed admin queue", async () => {
  const { conn, ctrl, admin } = await setup();
  const buf = conn.dma.alloc(4096);
  const dw = new Uint32Array(16);
  dw[0] = 0x06; // Identify
  putAddr(dw, 6, buf.iova);
  dw[10] = 1; // CNS 01h
  const c = runRaw(admin, dw)!;
  assert.ok(c, "completed synchronously at ring time");
  assert.is(c.status, 0);
  assert.is(c.dw[2]! & 0xffff, 1, "SQHD advanced past the command");
  assert.is(c.dw[2]! >>> 16, 0, "SQID 0");
  assert.is(c.dw[3]! & 0xffff, dw[0]! >>> 16, "CID echoed");
  assert.is((c.dw[3]! >>> 16) & 1, 1, "phase 1 on the first pass");
  const b = buf.bytes;
  assert.is(ascii(b, 4, 20), "SOFT0000000000000000");
  assert.is(ascii(b, 24, 40), "nvmekit soft controller");
  assert.is(b[77], 5, "MDTS");
  assert.is(b[512], 0x66, "SQES");
  assert.is(b[513], 0x44, "CQES");
  assert.is(b[516], 16, "NN");
  assert.is(b[520]! | (b[521]! << 8), 0x3d, "ONCS");
  assert.is(b[536]! & 3, 1, "SGLS");
  assert.match(ascii(b, 768, 256).replace(/\0/g, ""), /^nqn\.2024-01\.io\.nvmekit:soft:/);
  const rec = ctrl.lastCommand(0)!;
  assert.equal(Array.from(rec.dwords), Array.from(dw));
  assert.equal(rec.data, b, "the record keeps the bytes returned");
});

test("Identify Namespace reports the two default namespaces' formats", async () => {
  const { conn, admin } = await setup();
  const buf = conn.dma.alloc(4096);
  for (const [nsid, lbads] of [
    [1, 9],
    [2, 12],
  ] as const) {
    const dw = new Uint32Array(16);
    dw[0] = 0x06;
    dw[1] = nsid;
    putAddr(dw, 6, buf.iova);
    assert.is(runRaw(admin, dw)!.status, 0);
    const lbaf = buf.bytes[26]! & 0xf;
    assert.is(buf.bytes[128 + 4 * lbaf + 2], lbads);
  }
});

test("errors: invalid opcode, invalid namespace, SGL on the admin queue", async () => {
  const { admin } = await setup();
  const op = new Uint32Array(16);
  op[0] = 0x7e;
  assert.is(runRaw(admin, op)!.status, nvmeStatus(0, 0x01, { dnr: true }));
  const ns = new Uint32Array(16);
  ns[0] = 0x06;
  ns[1] = 99;
  assert.is(runRaw(admin, ns)!.status, nvmeStatus(0, 0x0b, { dnr: true }));
  const sgl = new Uint32Array(16);
  sgl[0] = 0x06 | (1 << 14);
  sgl[10] = 1;
  assert.is(runRaw(admin, sgl)!.status, nvmeStatus(0, 0x02, { dnr: true }));
});

test("phase tag inverts after the completion ring wraps", async () => {
  const { admin } = await setup(4);
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    const dw = new Uint32Array(16);
    dw[0] = 0x18; // Keep Alive
    seen.push((runRaw(admin, dw)!.dw[3]! >>> 16) & 1);
  }
  assert.equal(seen, [1, 1, 1, 1, 0, 0]);
});

test("Asynchronous Event Request is held until the test raises an event", async () => {
  const { ctrl, admin } = await setup();
  const dw = new Uint32Array(16);
  dw[0] = 0x0c;
  assert.is(runRaw(admin, dw), undefined);
  assert.is(ctrl.outstandingAsyncEventRequests, 1);
  ctrl.raiseAsyncEvent(2, 0x00, 0x04);
  const c = pollOne(admin)!;
  assert.is(c.status, 0);
  assert.is(c.dw[0], 2 | (0x00 << 8) | (0x04 << 16));
});

test("held completions appear only when released; abort completes a held command", async () => {
  const { ctrl, admin } = await setup();
  ctrl.holdCompletions(0);
  const ka = new Uint32Array(16);
  ka[0] = 0x18;
  assert.is(runRaw(admin, ka), undefined);
  const heldCid = ka[0]! >>> 16;
  assert.is(ctrl.heldCompletions(0), 1);
  ctrl.releaseCompletions(0);
  const c = pollOne(admin)!;
  assert.is(c.dw[3]! & 0xffff, heldCid);
  ctrl.injectFault({ opcode: 0x18 }, { kind: "hold" }, 1);
  const ka2 = new Uint32Array(16);
  ka2[0] = 0x18;
  assert.is(runRaw(admin, ka2), undefined);
  const abort = new Uint32Array(16);
  abort[0] = 0x08;
  abort[10] = ((ka2[0]! >>> 16) << 16) >>> 0; // CDW10: CID 31:16, SQID 15:0 = 0
  // The aborted command's completion is posted first, then the Abort's own.
  const aborted = runRaw(admin, abort)!;
  assert.is(aborted.dw[3]! & 0xffff, ka2[0]! >>> 16);
  assert.is(aborted.status, nvmeStatus(0, 0x07));
  const abortDone = pollOne(admin)!;
  assert.is(abortDone.dw[0]! & 1, 0, "aborted");
});

test("I/O queues are created with raw Create CQ/SQ commands and deleted SQ first", async () => {
  const { conn, ctrl, admin } = await setup();
  const channel = rawAdminChannel(admin);
  const port = await conn.createIoQueue(
    { qid: 1, depth: 32, priority: 2, useCmbSq: false, interrupts: false, capsuleDataBytes: 0 },
    channel,
  );
  const [cq, sq] = ctrl.commandsOn(0).slice(-2);
  assert.is(cq!.opcode, 0x05);
  assert.is(cq!.dwords[10], (31 << 16) | 1);
  assert.is(cq!.dwords[11], 1);
  assert.is(sq!.opcode, 0x01);
  assert.is(sq!.dwords[10], (31 << 16) | 1);
  assert.is(sq!.dwords[11], (1 << 16) | (2 << 1) | 1);
  assert.ok(ctrl.sqs.has(1) && ctrl.cqs.has(1));
  await conn.deleteIoQueue(port, channel);
  assert.equal(
    ctrl
      .commandsOn(0)
      .slice(-2)
      .map((c) => [c.opcode, c.dwords[10]]),
    [
      [0x00, 1],
      [0x04, 1],
    ],
  );
  assert.not.ok(ctrl.sqs.has(1) || ctrl.cqs.has(1));
});

test("Number of Queues grants at most 4 and bounds queue creation", async () => {
  const { conn, admin } = await setup();
  const dw = new Uint32Array(16);
  dw[0] = 0x09;
  dw[10] = 0x07;
  dw[11] = (15 << 16) | 15;
  const c = runRaw(admin, dw)!;
  assert.is(c.dw[0], (3 << 16) | 3);
  const channel = rawAdminChannel(admin);
  let failed = false;
  await conn
    .createIoQueue(
      { qid: 5, depth: 8, priority: 0, useCmbSq: false, interrupts: false, capsuleDataBytes: 0 },
      channel,
    )
    .catch(() => {
      failed = true;
    });
  assert.ok(failed, "qid 5 > 4 granted");
});

test.run();
