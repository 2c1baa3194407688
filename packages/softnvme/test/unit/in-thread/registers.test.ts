import { test } from "uvu";
import * as assert from "uvu/assert";
import { InThreadTransport } from "../../../src/index.js";
import { enableByHand, sleep, waitCsts } from "./raw-host.js";

function trid(traddr: string) {
  return { trtype: 4096, adrfam: 0 as const, traddr, trsvcid: "", subnqn: "", trstring: "SOFT" };
}

async function connect(transport = new InThreadTransport()) {
  await transport.connect(trid("soft0"), {} as never);
  return { transport, conn: transport.connection("soft0")!, ctrl: transport.controller("soft0") };
}

test("CAP and VS describe the in-thread software controller", async () => {
  const { conn } = await connect();
  const cap = await conn.registers.read64(0x00);
  assert.is(Number(cap & 0xffffn), 1023, "MQES");
  assert.is(Number((cap >> 16n) & 1n), 1, "CQR");
  assert.is(Number((cap >> 17n) & 3n), 1, "AMS: WRR");
  assert.is(Number((cap >> 24n) & 0xffn), 2, "TO");
  assert.is(Number((cap >> 32n) & 0xfn), 0, "DSTRD");
  // The default namespaces include a zoned one, so every I/O command set is offered (bit 6) too.
  assert.is(Number((cap >> 37n) & 0xffn), 0x41, "CSS: NVM and I/O command sets");
  assert.is(Number((cap >> 48n) & 0xfn), 0, "MPSMIN");
  assert.is(Number((cap >> 52n) & 0xfn), 0, "MPSMAX");
  assert.is(await conn.registers.read32(0x08), 0x00010400, "VS 1.4");
});

test("CSTS.RDY follows CC.EN only after a delay, both ways", async () => {
  const { conn, ctrl } = await connect();
  assert.is(await conn.registers.read32(0x1c), 0);
  const setup = await conn.createAdminQueue(8);
  await conn.registers.write32(0x24, (7 << 16) | 7);
  await conn.registers.write64(0x28, BigInt(setup.rings!.sqIova));
  await conn.registers.write64(0x30, BigInt(setup.rings!.cqIova));
  await conn.registers.write32(0x14, 1 | (6 << 16) | (4 << 20));
  assert.is((await conn.registers.read32(0x1c)) & 1, 0, "not ready at once");
  await waitCsts(conn, 1, 1);
  await conn.registers.write32(0x14, 0);
  assert.is((await conn.registers.read32(0x1c)) & 1, 1, "still ready right after disable");
  await waitCsts(conn, 1, 0);
  assert.equal(
    ctrl.registerWrites.map((w) => [w.offset, w.width]),
    [
      [0x24, 32],
      [0x28, 64],
      [0x30, 64],
      [0x14, 32],
      [0x14, 32],
    ],
  );
  assert.is(ctrl.registerWrites[1]!.value, BigInt(setup.rings!.sqIova));
  assert.equal(ctrl.diagnostics, []);
});

test("enabling with ASQ/ACQ other than the rings handed out sets CSTS.CFS", async () => {
  const { conn, ctrl } = await connect();
  const setup = await conn.createAdminQueue(8);
  await conn.registers.write32(0x24, (7 << 16) | 7);
  await conn.registers.write64(0x28, BigInt(setup.rings!.cqIova)); // swapped
  await conn.registers.write64(0x30, BigInt(setup.rings!.sqIova));
  await conn.registers.write32(0x14, 1 | (6 << 16) | (4 << 20));
  const csts = await waitCsts(conn, 2, 2);
  assert.is(csts & 1, 0);
  assert.match(ctrl.diagnostics.join("\n"), /not the rings createAdminQueue handed out/);
});

test("enabling before the previous disable finished is reported", async () => {
  const { conn, ctrl } = await connect();
  await enableByHand(conn, 8);
  await conn.registers.write32(0x14, 0);
  await conn.registers.write32(0x14, 1 | (6 << 16) | (4 << 20));
  assert.match(ctrl.diagnostics.join("\n"), /did not wait for not-ready/);
});

test("shutdown notification reaches SHST complete after a delay", async () => {
  const { conn } = await connect();
  await enableByHand(conn, 8);
  await conn.registers.write32(0x14, 1 | (6 << 16) | (4 << 20) | (1 << 14));
  assert.is(((await conn.registers.read32(0x1c)) >> 2) & 3, 1, "occurring");
  await waitCsts(conn, 0xc, 0x8);
});

test("a controller left enabled starts ready; surprise removal reads all ones and emits removed$", async () => {
  const transport = new InThreadTransport({ controllers: { soft0: { initiallyEnabled: true } } });
  const { conn, ctrl } = await connect(transport);
  assert.is((await conn.registers.read32(0x1c)) & 1, 1);
  let removed = 0;
  conn.removed$.subscribe(() => removed++);
  ctrl.surpriseRemove();
  assert.is(removed, 1);
  assert.is(await conn.registers.read32(0x1c), 0xffffffff);
  let late = 0;
  conn.removed$.subscribe(() => late++);
  assert.is(late, 1, "a late subscriber still hears of the removal");
  await sleep(1);
});

test.run();
