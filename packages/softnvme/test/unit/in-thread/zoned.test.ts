// The soft controller's Zoned Namespace command set at the wire: CAP.CSS and CC.CSS, Identify CNS
// 03h/05h/06h, the completion's DW1, and the zone state machine on its own.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { CommandFailure } from "../../../src/command-failure.js";
import { InThreadTransport, nvmeStatus, ZoneAction, ZoneSet, ZoneState } from "../../../src/index.js";
import { writeCqe } from "../../../src/sqe.js";
import { putAddr, runRaw, waitCsts } from "./raw-host.js";

const TRID = { trtype: 4096, adrfam: 0 as const, traddr: "soft0", trsvcid: "", subnqn: "", trstring: "SOFT" };
const ZONED_NS = {
  nsid: 1,
  blocks: 1000,
  zoned: { zoneSize: 100, zoneCapacity: 90, maxOpen: 4, maxActive: 6 },
};

async function setup(css: number, zoned = true) {
  const transport = new InThreadTransport({
    controllers: {
      soft0: { namespaces: zoned ? [ZONED_NS, { nsid: 2, blocks: 64 }] : [{ nsid: 1 }], zasl: 3 },
    },
  });
  await transport.connect(TRID, {} as never);
  const conn = transport.connection("soft0")!;
  const setup = await conn.createAdminQueue(16);
  await conn.registers.write32(0x24, (15 << 16) | 15);
  await conn.registers.write64(0x28, BigInt(setup.rings!.sqIova));
  await conn.registers.write64(0x30, BigInt(setup.rings!.cqIova));
  await conn.registers.write32(0x14, 1 | (css << 4) | (6 << 16) | (4 << 20));
  return { conn, admin: setup.port, ctrl: transport.controller("soft0") };
}

function identify(cns: number, nsid: number, csi: number): Uint32Array {
  const dw = new Uint32Array(16);
  dw[0] = 0x06;
  dw[1] = nsid;
  dw[10] = cns;
  dw[11] = csi << 24;
  return dw;
}

test("CAP.CSS offers all I/O command sets (bit 43) with a zoned namespace, and CC.CSS 110b enables", async () => {
  const { conn } = await setup(6);
  const cap = await conn.registers.read64(0x00);
  assert.is(Number((cap >> 37n) & 0xffn), 0x41, "CSS bits 0 and 6");
  assert.is((await waitCsts(conn, 1, 1)) & 3, 1, "RDY, no CFS");
});

test("without zoned namespaces CAP.CSS is NVM only and CC.CSS 110b is refused", async () => {
  const { conn, ctrl } = await setup(6, false);
  assert.is(Number(((await conn.registers.read64(0x00)) >> 37n) & 0xffn), 1);
  await waitCsts(conn, 2, 2);
  assert.match(ctrl.diagnostics.join("\n"), /CC\.CSS 6/);
});

test("Identify: descriptors carry CSI 2; CNS 05h has MAR/MOR and ZSZE; CNS 06h has ZASL", async () => {
  const { conn, admin } = await setup(6);
  await waitCsts(conn, 1, 1);
  const buf = conn.dma.alloc(4096);
  const run = (dw: Uint32Array) => {
    putAddr(dw, 6, buf.iova);
    return runRaw(admin, dw)!.status;
  };
  assert.is(run(identify(0x03, 1, 0)), 0);
  const b = buf.bytes;
  // EUI64 (8) and NGUID (16) first, then type 4 length 1 value 2
  assert.equal([b[4 + 8 + 4 + 16]!, b[4 + 8 + 4 + 16 + 1]!, b[4 + 8 + 4 + 16 + 4]!], [4, 1, 2]);
  assert.is(run(identify(0x05, 1, 2)), 0);
  const v = new DataView(b.buffer, b.byteOffset, 4096);
  assert.equal([v.getUint32(4, true), v.getUint32(8, true)], [5, 3], "MAR, MOR: 0-based");
  assert.is(Number(v.getBigUint64(2816, true)), 100, "LBAFE0 ZSZE");
  assert.is(run(identify(0x06, 0, 2)), 0);
  assert.is(b[0], 3, "ZASL");
  assert.is(
    run(identify(0x05, 2, 2)),
    nvmeStatus(0, 0x02, { dnr: true }),
    "a plain namespace has no ZNS data",
  );
  assert.is(run(identify(0x03, 2, 0)), 0);
  assert.is(b[4 + 8 + 4 + 16 + 4], 0, "CSI 0 for the plain namespace");
});

test("writeCqe puts DW1 (a Zone Append's high LBA half) in the entry", () => {
  const cq = new Uint32Array(4);
  writeCqe(cq, 0, 0x10, 1, 2, 3, 1, 0, 0x5);
  assert.equal([cq[0], cq[1]], [0x10, 5]);
});

function status(f: () => void): number {
  try {
    f();
  } catch (e) {
    return (e as CommandFailure).status & 0xff;
  }
  return 0;
}

test("ZoneSet: write pointer rules, capacity end, finish/reset, select all, open and active limits", () => {
  const zs = new ZoneSet(1050, { zoneSize: 100, zoneCapacity: 90, maxOpen: 1, maxActive: 2 });
  const zero = () => {};
  assert.equal([zs.zones.length, zs.blocks], [10, 1000]);
  assert.is(zs.prepareWrite(0, 10, false), 0);
  zs.advance(0, 10);
  assert.is(
    status(() => zs.prepareWrite(5, 1, false)),
    0xbc,
    "not at the write pointer",
  );
  assert.is(
    status(() => zs.prepareWrite(10, 81, false)),
    0xb8,
    "past the capacity end",
  );
  assert.is(zs.prepareWrite(0, 5, true), 10, "append goes to the write pointer");
  assert.is(
    status(() => zs.act(ZoneAction.Open, 100, false, zero)),
    0,
    "at the open limit...",
  );
  assert.is(zs.zones[0]!.state, ZoneState.Closed, "...QEMU closes the implicitly opened zone first");
  assert.is(zs.zones[1]!.state, ZoneState.ExplicitlyOpened);
  assert.is(
    status(() => zs.act(ZoneAction.Open, 0, false, zero)),
    0xbe,
    "no implicit zone left to close",
  );
  assert.is(
    status(() => zs.prepareWrite(200, 1, false)),
    0xbd,
    "two active",
  );
  zs.act(ZoneAction.Finish, 0, false, zero);
  assert.equal([zs.zones[0]!.state, zs.zones[0]!.wp], [ZoneState.Full, 90]);
  assert.is(
    status(() => zs.prepareWrite(90, 1, false)),
    0xb9,
  );
  zs.act(ZoneAction.Reset, 0, true, zero);
  assert.ok(zs.zones.every((z) => z.state === ZoneState.Empty && z.wp === z.start));
  assert.is(
    status(() => zs.checkRead(95, 10)),
    0xb8,
    "reads do not cross zones",
  );
});

test.run();
