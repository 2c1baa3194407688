// Zoned namespaces end to end: core on the in-thread software controller with a zoned namespace
// (zone size 64 blocks, capacity 48, at most 2 open and 3 active zones), next to a plain one.

import { NvmeStatusError, ZoneReportFilter, ZoneState } from "@nvmekit/core";
import { attachInThread } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { pattern } from "./harness.js";

const ZONED = {
  namespaces: [
    {
      nsid: 1,
      blockSize: 512,
      blocks: 8 * 64 + 10,
      zoned: { zoneSize: 64, zoneCapacity: 48, maxOpen: 2, maxActive: 3 },
    },
    { nsid: 2, blockSize: 512, blocks: 1024 },
  ],
  zasl: 1, // 8 KiB appends at most
};

async function rig() {
  const r = await attachInThread(ZONED);
  const ns = r.ctrlr.getNamespace(1)!;
  const qp = await r.ctrlr.allocIoQpair();
  return { ...r, ns, qp };
}

/** Rejects with an NvmeStatusError whose name is `name`. */
async function failsWith(p: Promise<unknown>, name: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, NvmeStatusError);
    assert.is((e as NvmeStatusError).statusName, name);
    return;
  }
  assert.unreachable(`expected ${name}`);
}

test("enable with all I/O command sets; the zoned namespace and its geometry are found, the plain one is not zoned", async () => {
  const { driver, ctrlr, ns, device } = await rig();
  const cc = device.registerWrites.find((w) => w.offset === 0x14 && (w.value & 1n) === 1n)!;
  assert.is((Number(cc.value) >>> 4) & 7, 6, "CC.CSS 110b");
  assert.ok(ns.isZoned);
  assert.equal(
    [ns.numSectors, ns.zoneSize, ns.zoneCount, ns.maxOpenZones, ns.maxActiveZones],
    [512, 64, 8, 2, 3],
  );
  assert.is(ns.zoneAppendMaxBlocks, 16, "ZASL 1: 2 pages of 4 KiB");
  assert.ok(!ctrlr.getNamespace(2)!.isZoned);
  await driver.detach(ctrlr);
});

test("a controller with no zoned namespace is enabled with the NVM command set; zone commands are refused", async () => {
  const { driver, ctrlr } = await attachInThread({ namespaces: [{ nsid: 1 }] });
  assert.ok(!ctrlr.allIoCommandSets);
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  assert.ok(!ns.isZoned);
  const e = await ns.resetZone(qp, 0).then(
    () => undefined,
    (x: Error) => x,
  );
  assert.match(e?.message ?? "", /not zoned/);
  await driver.detach(ctrlr);
});

test("report zones: all empty, capacity 48, WP at the start; the command carries ZRA/ZRASF/partial", async () => {
  const { driver, ctrlr, ns, qp, device } = await rig();
  const r = await ns.reportZones(qp);
  assert.is(r.nrZones, 8);
  assert.equal(
    r.zones.map((z) => [z.startLba, z.writePointer, z.state, z.capacity, z.type]),
    Array.from({ length: 8 }, (_, i) => [i * 64, i * 64, ZoneState.Empty, 48, 2]),
  );
  assert.is(ns.zoneCapacity, 48);
  await ns.reportZones(qp, 128, { filter: ZoneReportFilter.Empty, partial: true, maxZones: 2 });
  const cmd = device.lastCommand(qp.id)!;
  assert.equal(
    [cmd.opcode, cmd.dwords[10], cmd.dwords[12], cmd.dwords[13]],
    [0x7a, 128, (64 + 128) / 4 - 1, 0x1_0100],
  );
  await driver.detach(ctrlr);
});

test("writes at the write pointer succeed and move it; a write elsewhere fails with Zone Invalid Write", async () => {
  const { driver, ctrlr, ns, qp } = await rig();
  const buf = ctrlr.allocBuffer(8 * 512);
  pattern(buf.bytes, 3);
  await ns.write(qp, buf.bytes, 64, 8);
  await ns.write(qp, buf.bytes, 72, 8);
  await failsWith(ns.write(qp, buf.bytes, 100, 8), "Zone Invalid Write");
  const [z] = (await ns.reportZones(qp, 64, { maxZones: 1 })).zones;
  assert.equal([z!.state, z!.writePointer], [ZoneState.ImplicitlyOpened, 80]);
  const back = ctrlr.allocBuffer(8 * 512);
  await ns.read(qp, back.bytes, 72, 8);
  assert.equal(back.bytes, buf.bytes);
  await driver.detach(ctrlr);
});

test("zone append returns the LBA the device chose; a full zone refuses with Zone Is Full", async () => {
  const { driver, ctrlr, ns, qp, device } = await rig();
  const buf = ctrlr.allocBuffer(16 * 512);
  pattern(buf.bytes, 4);
  assert.is(await ns.zoneAppend(qp, buf.bytes, 128, 16), 128);
  assert.is(await ns.zoneAppend(qp, buf.bytes, 128, 16), 144);
  assert.is(device.lastCommand(qp.id)!.opcode, 0x7d);
  assert.is(await ns.zoneAppend(qp, buf.bytes, 128, 16), 160);
  const [z] = (await ns.reportZones(qp, 128, { maxZones: 1 })).zones;
  assert.equal([z!.state, z!.writePointer], [ZoneState.Full, -1], "a full zone has no valid pointer");
  await failsWith(ns.zoneAppend(qp, buf.bytes, 128, 1), "Zone Is Full");
  assert.throws(() => ns.cmdZoneAppend(qp, buf.bytes, 130, 1, null, 0), /not the first LBA of a zone/);
  assert.throws(() => ns.cmdZoneAppend(qp, buf.bytes, 0, 17, null, 0), /count/);
  await driver.detach(ctrlr);
});

test("reset rewinds the write pointer and the blocks read back as zeroes", async () => {
  const { driver, ctrlr, ns, qp } = await rig();
  const buf = ctrlr.allocBuffer(4 * 512);
  pattern(buf.bytes, 5);
  await ns.write(qp, buf.bytes, 0, 4);
  await ns.resetZone(qp, 0);
  const [z] = (await ns.reportZones(qp, 0, { maxZones: 1 })).zones;
  assert.equal([z!.state, z!.writePointer], [ZoneState.Empty, 0]);
  const back = ctrlr.allocBuffer(4 * 512);
  back.bytes.fill(0xee);
  await ns.read(qp, back.bytes, 0, 4);
  assert.ok(back.bytes.every((b) => b === 0));
  await ns.write(qp, buf.bytes, 0, 4); // at the rewound pointer again
  await driver.detach(ctrlr);
});

test("open limit: explicit opens past 2 give Too Many Open Zones; an implicit open closes an implicit one", async () => {
  const { driver, ctrlr, ns, qp } = await rig();
  const buf = ctrlr.allocBuffer(512);
  await ns.write(qp, buf.bytes, 0, 1); // zone 0 implicitly opened
  await ns.openZone(qp, 64); // zone 1 explicitly opened: 2 open
  await ns.openZone(qp, 128); // at the limit: zone 0 (implicit) is closed to make room
  let zones = (await ns.reportZones(qp)).zones;
  assert.equal(
    zones.slice(0, 3).map((z) => z.state),
    [ZoneState.Closed, ZoneState.ExplicitlyOpened, ZoneState.ExplicitlyOpened],
  );
  // Two explicitly open, none implicit to close: 3 active is also the active limit.
  await failsWith(ns.openZone(qp, 0), "Too Many Open Zones");
  await failsWith(ns.write(qp, buf.bytes, 192, 1), "Too Many Active Zones");
  await ns.closeZone(qp, 64);
  await ns.openZone(qp, 0); // room again: closed zone 0 reopens explicitly
  zones = (await ns.reportZones(qp, 0, { filter: ZoneReportFilter.ExplicitlyOpened })).zones;
  assert.equal(
    zones.map((z) => z.startLba),
    [0, 128],
  );
  await driver.detach(ctrlr);
});

test("finish, close and offline transitions; invalid ones fail by name; select-all reset empties every zone", async () => {
  const { driver, ctrlr, ns, qp, device } = await rig();
  const buf = ctrlr.allocBuffer(512);
  await ns.write(qp, buf.bytes, 0, 1);
  await ns.finishZone(qp, 0);
  await ns.write(qp, buf.bytes, 64, 1);
  await ns.closeZone(qp, 64);
  await failsWith(ns.closeZone(qp, 128), "Invalid Zone State Transition"); // an empty zone
  await failsWith(ns.offlineZone(qp, 64), "Invalid Zone State Transition"); // only read-only zones go offline
  device.namespaces.get(1)!.zones!.makeReadOnly(7);
  await failsWith(ns.write(qp, buf.bytes, 448, 1), "Zone Is Read Only");
  await ns.offlineZone(qp, 448);
  await failsWith(ns.read(qp, buf.bytes, 448, 1), "Zone Is Offline");
  let states = (await ns.reportZones(qp)).zones.map((z) => z.state);
  assert.equal([states[0], states[1], states[7]], [ZoneState.Full, ZoneState.Closed, ZoneState.Offline]);
  assert.is((await ns.reportZones(qp, 0, { filter: ZoneReportFilter.Full })).zones[0]!.startLba, 0);
  await ns.resetZone(qp, 0, true);
  const cmd = device.lastCommand(qp.id)!;
  assert.equal([cmd.opcode, cmd.dwords[13]], [0x79, 0x104], "Reset with Select All");
  states = (await ns.reportZones(qp)).zones.map((z) => z.state);
  assert.equal(states, [...Array(7).fill(ZoneState.Empty), ZoneState.Offline]);
  await driver.detach(ctrlr);
});

test("reads and writes that straddle zones are split at the boundary", async () => {
  const { driver, ctrlr, ns, qp, device } = await rig();
  const buf = ctrlr.allocBuffer(8 * 512);
  await ns.read(qp, buf.bytes, 60, 8);
  const reads = device.commandsOn(qp.id).filter((c) => c.opcode === 0x02);
  assert.equal(
    reads.map((c) => [c.dwords[10], (c.dwords[12]! & 0xffff) + 1]),
    [
      [60, 4],
      [64, 4],
    ],
  );
  await driver.detach(ctrlr);
});

test.run();
