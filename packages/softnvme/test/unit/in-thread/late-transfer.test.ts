// The "late" fault: a command whose data transfer and completion happen only when the test says,
// and never once the queue was deleted or the controller disabled or removed (a device stops its
// DMA then). The core's recovery-order tests stand on it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InThreadTransport } from "../../../src/index.js";
import { enableByHand, pollOne, putAddr, rawAdminChannel, runRaw, waitCsts } from "./raw-host.js";

const TRID = { trtype: 4096, adrfam: 0 as const, traddr: "soft0", trsvcid: "", subnqn: "", trstring: "SOFT" };
const PAGE = 4096;

/** A controller with an I/O queue 1, a page of data on LBAs 0..7 and a zeroed page to read into. */
async function setup() {
  const transport = new InThreadTransport();
  await transport.connect(TRID, {} as never);
  const conn = transport.connection("soft0")!;
  const ctrl = transport.controller("soft0");
  const admin = await enableByHand(conn);
  const channel = rawAdminChannel(admin);
  const io = await conn.createIoQueue(
    { qid: 1, depth: 16, priority: 0, useCmbSq: false, interrupts: false, capsuleDataBytes: 0 },
    channel,
  );
  const buf = conn.dma.alloc(PAGE);
  const rw = (opcode: number): Uint32Array => {
    const dw = new Uint32Array(16);
    dw[0] = opcode;
    dw[1] = 1;
    putAddr(dw, 6, buf.iova);
    dw[12] = 7; // eight 512-byte blocks: the page
    return dw;
  };
  buf.bytes.fill(0xa5);
  assert.is(runRaw(io, rw(0x01))!.status, 0);
  buf.bytes.fill(0);
  return { conn, ctrl, admin, channel, io, buf, read: () => rw(0x02) };
}

test("a late read moves its data and completes only at releaseLateTransfers", async () => {
  const { ctrl, io, buf, read } = await setup();
  ctrl.injectFault({ qid: 1, opcode: 0x02 }, { kind: "late" }, 1);
  assert.is(runRaw(io, read()), undefined, "fetched, no completion");
  assert.is(ctrl.lateTransfers, 1);
  assert.ok(
    buf.bytes.every((b) => b === 0),
    "no data yet",
  );
  assert.is(ctrl.releaseLateTransfers(), 1);
  assert.ok(
    buf.bytes.every((b) => b === 0xa5),
    "the data landed at release",
  );
  assert.is(pollOne(io)!.status, 0);
  assert.is(ctrl.lateTransfers, 0);
});

test("a late read is dropped untransferred once its queue is deleted", async () => {
  const { conn, ctrl, io, buf, read, channel } = await setup();
  ctrl.injectFault({ qid: 1, opcode: 0x02 }, { kind: "late" }, 1);
  runRaw(io, read());
  await conn.deleteIoQueue(io, channel);
  assert.is(ctrl.releaseLateTransfers(), 0);
  assert.ok(
    buf.bytes.every((b) => b === 0),
    "nothing moved",
  );
  assert.is(ctrl.lastCommand(1)!.fate, "dropped");
});

test("a late read is dropped untransferred once the controller is disabled, or removed", async () => {
  for (const stop of ["disable", "remove"] as const) {
    const { conn, ctrl, io, buf, read } = await setup();
    ctrl.injectFault({ qid: 1, opcode: 0x02 }, { kind: "late" }, 1);
    runRaw(io, read());
    if (stop === "disable") {
      await conn.registers.write32(0x14, 0); // CC.EN = 0
      await waitCsts(conn, 1, 0);
    } else ctrl.surpriseRemove();
    assert.is(ctrl.releaseLateTransfers(), 0, stop);
    assert.ok(
      buf.bytes.every((b) => b === 0),
      `nothing moved after ${stop}`,
    );
  }
});

test.run();
