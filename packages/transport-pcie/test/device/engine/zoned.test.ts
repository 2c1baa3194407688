// rig-config: zoned
// Core's Zoned Namespace support against QEMU's zoned namespace through VFIO, checked with what the
// Linux kernel's driver and nvme-cli report for the same device: geometry (nvme zns id-ns / id-ctrl,
// sysfs), zone reports (nvme zns report-zones), the write-pointer rules, Zone Append, reset, the
// open/active limits, close/finish, and data written by nvmekit read back by the kernel.
import { execFileSync } from "node:child_process";
import {
  type Controller,
  InvalidArgumentError,
  type Namespace,
  NvmeStatusError,
  type QueuePair,
  type ZoneDescriptor,
  ZoneReportFilter,
  ZoneState,
} from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, bind, dmarFaults, randomFill, releaseControllers } from "./rig.js";

/** The zoned configuration's geometry (test/rig/configs.mjs): 4 KiB LBAs, 1 MiB zones of 768 KiB. */
const ZONE_BLOCKS = 256;
const ZONE_CAP = 192;
const ZONES = 64;
const BS = 4096;
/** Where the data the kernel reads back goes (zone 10), and how many blocks of it. */
const KERNEL_ZONE = 10 * ZONE_BLOCKS;
const KERNEL_BLOCKS = 16;
const KERNEL_SEED = 1010;

/** nvme-cli's names for zone states (nvme_zone_state_to_string). */
const cliState: Record<number, string> = {
  [ZoneState.Empty]: "EMPTY",
  [ZoneState.ImplicitlyOpened]: "IMP_OPENED",
  [ZoneState.ExplicitlyOpened]: "EXP_OPENED",
  [ZoneState.Closed]: "CLOSED",
  [ZoneState.ReadOnly]: "READONLY",
  [ZoneState.Full]: "FULL",
  [ZoneState.Offline]: "OFFLINE",
};

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8" });
}

/** Binds the controller to the kernel's nvme driver; its namespace 1 block device, e.g. /dev/nvme0n1. */
function kernelNamespace(): { bdf: string; ctrl: string; ns1: string } {
  const bdf = bind("nvme");
  const ctrl = sh("ls", [`/sys/bus/pci/devices/${bdf}/nvme`]).trim();
  return { bdf, ctrl, ns1: `/dev/${ctrl}n1` };
}

/** The kernel's zone report of every zone, through nvme-cli. */
function cliReport(ns1: string): { nr_zones: number; zone_list: Record<string, number | string>[] } {
  return JSON.parse(sh("nvme", ["zns", "report-zones", ns1, "-o", "json"]));
}

/** Asserts that nvmekit's zones equal nvme-cli's (a write pointer of all ones is -1 in nvmekit). */
function sameZones(ours: ZoneDescriptor[], cli: Record<string, number | string>[]): void {
  assert.equal(ours.length, cli.length);
  for (const [i, z] of ours.entries()) {
    const k = cli[i]!;
    const at = `zone ${i}`;
    assert.equal(cliState[z.state], k.state, `${at} state`);
    assert.equal(z.startLba, k.slba, `${at} start`);
    assert.equal(z.writePointer === -1 ? 2 ** 64 : z.writePointer, k.wp, `${at} write pointer`);
    assert.equal(z.capacity, k.cap, `${at} capacity`);
    assert.equal(z.attributes, k.attrs, `${at} attributes`);
    assert.equal(k.type, "SEQWRITE_REQ", `${at} type`);
  }
}

/** Resolves with what `promise` rejects with; fails if it resolves. */
async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.unreachable("the command succeeded");
}

/** Resolves with the NvmeStatusError's name `promise` rejects with; fails if it resolves. */
async function statusOf(promise: Promise<unknown>): Promise<string> {
  const e = await errorOf(promise);
  if (e instanceof NvmeStatusError) return e.statusName;
  throw e;
}

/** Writes `count` blocks of seeded data at `lba`; returns the data. */
async function writeBlocks(
  ctrlr: Controller,
  ns: Namespace,
  qp: QueuePair,
  lba: number,
  count: number,
  seed: number,
): Promise<Uint8Array> {
  const buf = ctrlr.allocBuffer(count * BS);
  randomFill(buf.bytes, seed);
  try {
    await ns.write(qp, buf.bytes, lba, count);
    return buf.bytes.slice();
  } finally {
    ctrlr.freeBuffer(buf);
  }
}

async function readBlocks(
  ctrlr: Controller,
  ns: Namespace,
  qp: QueuePair,
  lba: number,
  count: number,
): Promise<Uint8Array> {
  const buf = ctrlr.allocBuffer(count * BS);
  try {
    await ns.read(qp, buf.bytes, lba, count);
    return buf.bytes.slice();
  } finally {
    ctrlr.freeBuffer(buf);
  }
}

async function zone(ns: Namespace, qp: QueuePair, lba: number): Promise<ZoneDescriptor> {
  const r = await ns.reportZones(qp, lba, { maxZones: 1 });
  return r.zones[0]!;
}

test("zone geometry and the fresh zone report agree with nvme-cli on the kernel driver", async () => {
  const { bdf, ctrl, ns1 } = kernelNamespace();
  const kctrl = JSON.parse(sh("nvme", ["zns", "id-ctrl", `/dev/${ctrl}`, "-o", "json"]));
  const kzns = JSON.parse(sh("nvme", ["zns", "id-ns", ns1, "-o", "json"]));
  const knvm = JSON.parse(sh("nvme", ["id-ns", ns1, "-o", "json"]));
  const kreport = cliReport(ns1);
  // The block layer's view, read before the function goes to vfio-pci and the block device goes away.
  const attrs = ["zoned", "nr_zones", "chunk_sectors", "max_open_zones", "max_active_zones"];
  const sysfs = Object.fromEntries(
    [...attrs, "zone_append_max_bytes"].map((a) => [
      a,
      sh("cat", [`/sys/block/${ctrl}n1/queue/${a}`]).trim(),
    ]),
  );
  const queue = (attr: string) => sysfs[attr]!;
  assert.equal(queue("zoned"), "host-managed");
  const zsze = kzns.lbafe[knvm.flbas & 0xf].zsze;

  const { driver, ctrlr } = await attachVfio({}, bdf);
  assert.ok(ctrlr.allIoCommandSets, "CC.CSS = all I/O command sets");
  const ns = ctrlr.getNamespace(1)!;
  assert.ok(ns.isZoned);
  assert.not.ok(ctrlr.getNamespace(2)!.isZoned, "namespace 2 is conventional");
  assert.equal(ns.sectorSize, BS);
  assert.equal(ns.zoneSize, zsze);
  assert.equal(ns.zoneSize, ZONE_BLOCKS);
  assert.equal(ns.zoneCount, knvm.nsze / zsze);
  assert.equal(ns.zoneCount, kreport.nr_zones);
  assert.equal(ns.zoneCount, Number(queue("nr_zones")));
  assert.equal(ns.zoneSize * (BS / 512), Number(queue("chunk_sectors")));
  const z = ns.znsData!;
  assert.equal(z.zoc, kzns.zoc);
  assert.equal(z.ozcs, kzns.ozcs);
  assert.equal(z.mor, kzns.mor);
  assert.equal(z.mar, kzns.mar);
  assert.equal(ns.maxOpenZones, kzns.mor + 1);
  assert.equal(ns.maxActiveZones, kzns.mar + 1);
  assert.equal([ns.maxOpenZones, ns.maxActiveZones], [4, 6]);
  assert.equal(ns.maxOpenZones, Number(queue("max_open_zones")));
  assert.equal(ns.maxActiveZones, Number(queue("max_active_zones")));
  assert.equal(ctrlr.znsData?.zasl, kctrl.zasl);
  assert.equal(ctrlr.cap.minPageSize, 4096);
  // 2^ZASL pages of CAP.MPSMIN: 2^3 * 4 KiB = 32 KiB = 8 blocks, as the kernel's append limit says.
  assert.equal(ns.zoneAppendMaxBlocks, (2 ** kctrl.zasl * ctrlr.cap.minPageSize) / BS);
  assert.equal(ns.zoneAppendMaxBlocks * BS, Number(queue("zone_append_max_bytes")));

  const qp = await ctrlr.allocIoQpair();
  const report = await ns.reportZones(qp);
  assert.equal(report.nrZones, kreport.nr_zones);
  sameZones(report.zones, kreport.zone_list);
  assert.equal(ns.zoneCapacity, ZONE_CAP);
  assert.ok(report.zones.every((r) => r.state === ZoneState.Empty && r.capacity === ZONE_CAP));
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test("write pointer, zone append, reset, open/active limits, close and finish", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  await ns.resetZone(qp, 0, true);

  // Writes at the write pointer succeed and move it; a write elsewhere in the zone is refused.
  await writeBlocks(ctrlr, ns, qp, 0, 4, 1);
  let z = await zone(ns, qp, 0);
  assert.equal([z.state, z.writePointer], [ZoneState.ImplicitlyOpened, 4]);
  assert.equal(await statusOf(writeBlocks(ctrlr, ns, qp, 8, 1, 2)), "Zone Invalid Write");
  assert.equal(await statusOf(writeBlocks(ctrlr, ns, qp, 0, 1, 2)), "Zone Invalid Write");
  await writeBlocks(ctrlr, ns, qp, 4, 2, 3);
  assert.equal((await zone(ns, qp, 0)).writePointer, 6);

  // Zone Append: the device returns where it wrote; the data reads back byte-exact.
  const zs = ZONE_BLOCKS;
  const a = ctrlr.allocBuffer(8 * BS);
  randomFill(a.bytes, 4);
  assert.equal(await ns.zoneAppend(qp, a.bytes.subarray(0, 3 * BS), zs, 3), zs);
  assert.equal(await ns.zoneAppend(qp, a.bytes.subarray(3 * BS, 8 * BS), zs, 5), zs + 3);
  assert.equal(Buffer.compare(await readBlocks(ctrlr, ns, qp, zs, 8), a.bytes), 0);
  assert.equal((await zone(ns, qp, zs)).writePointer, zs + 8);
  // Above ZASL (8 blocks) nvmekit refuses before submitting; not at a zone start either.
  const big = ctrlr.allocBuffer(9 * BS);
  assert.instance(await errorOf(ns.zoneAppend(qp, big.bytes, zs, 9)), InvalidArgumentError);
  assert.instance(await errorOf(ns.zoneAppend(qp, a.bytes, zs + 1, 1)), InvalidArgumentError);
  ctrlr.freeBuffer(big);
  ctrlr.freeBuffer(a);

  // Reset rewinds the write pointer; QEMU zeroes the zone, so reads return zeroes.
  await ns.resetZone(qp, zs);
  z = await zone(ns, qp, zs);
  assert.equal([z.state, z.writePointer], [ZoneState.Empty, zs]);
  assert.ok((await readBlocks(ctrlr, ns, qp, zs, 8)).every((b) => b === 0));
  await writeBlocks(ctrlr, ns, qp, zs, 1, 5);
  assert.equal((await zone(ns, qp, zs)).writePointer, zs + 1);

  await ns.resetZone(qp, 0, true);

  // Max open 4: four explicit opens succeed, the fifth fails; so does a write (an implicit open).
  for (const i of [2, 3, 4, 5]) await ns.openZone(qp, i * zs);
  const open = await ns.reportZones(qp, 0, { filter: ZoneReportFilter.ExplicitlyOpened });
  assert.equal(
    open.zones.map((r) => r.startLba),
    [2, 3, 4, 5].map((i) => i * zs),
  );
  assert.equal(await statusOf(ns.openZone(qp, 6 * zs)), "Too Many Open Zones");
  assert.equal(await statusOf(writeBlocks(ctrlr, ns, qp, 6 * zs, 1, 6)), "Too Many Open Zones");
  assert.equal((await zone(ns, qp, 6 * zs)).state, ZoneState.Empty);

  // Close two (with data, so they stay active), open two more: six active; a seventh is refused.
  await writeBlocks(ctrlr, ns, qp, 2 * zs, 1, 7);
  await writeBlocks(ctrlr, ns, qp, 3 * zs, 1, 8);
  await ns.closeZone(qp, 2 * zs);
  await ns.closeZone(qp, 3 * zs);
  assert.equal((await zone(ns, qp, 2 * zs)).state, ZoneState.Closed);
  await ns.openZone(qp, 6 * zs);
  await ns.openZone(qp, 7 * zs);
  assert.equal(await statusOf(ns.openZone(qp, 8 * zs)), "Too Many Active Zones");

  // Finish: a closed zone and an open one become Full (no valid write pointer); writes then fail.
  await ns.finishZone(qp, 2 * zs);
  await ns.finishZone(qp, 4 * zs);
  for (const i of [2, 4]) {
    z = await zone(ns, qp, i * zs);
    assert.equal([z.state, z.writePointer], [ZoneState.Full, -1], `zone ${i}`);
  }
  assert.equal(await statusOf(writeBlocks(ctrlr, ns, qp, 2 * zs + 1, 1, 9)), "Zone Is Full");
  await ns.openZone(qp, 8 * zs); // two fewer active zones now
  const states = (await ns.reportZones(qp, 0, { maxZones: 9 })).zones.map((r) => r.state);
  assert.equal(states, [
    ZoneState.Empty,
    ZoneState.Empty,
    ZoneState.Full,
    ZoneState.Closed,
    ZoneState.Full,
    ZoneState.ExplicitlyOpened,
    ZoneState.ExplicitlyOpened,
    ZoneState.ExplicitlyOpened,
    ZoneState.ExplicitlyOpened,
  ]);

  // Leave a mix for the kernel: zone 10 holds data, zone 11 one block then finished, zone 12 filled
  // to its capacity (192 of 256 blocks: then it is Full), zone 13 two blocks and closed.
  await ns.resetZone(qp, 0, true);
  await writeBlocks(ctrlr, ns, qp, KERNEL_ZONE, KERNEL_BLOCKS, KERNEL_SEED);
  await writeBlocks(ctrlr, ns, qp, 11 * zs, 1, 11);
  await ns.finishZone(qp, 11 * zs);
  // A write that would cross the zone capacity (not the zone size) is a Zone Boundary Error.
  await writeBlocks(ctrlr, ns, qp, 12 * zs, ZONE_CAP - 1, 12);
  assert.equal(
    await statusOf(writeBlocks(ctrlr, ns, qp, 12 * zs + ZONE_CAP - 1, 2, 12)),
    "Zone Boundary Error",
  );
  await writeBlocks(ctrlr, ns, qp, 12 * zs + ZONE_CAP - 1, 1, 12);
  z = await zone(ns, qp, 12 * zs);
  assert.equal([z.state, z.writePointer], [ZoneState.Full, -1]);
  assert.equal(await statusOf(writeBlocks(ctrlr, ns, qp, 12 * zs + ZONE_CAP, 1, 12)), "Zone Is Full");
  await writeBlocks(ctrlr, ns, qp, 13 * zs, 2, 13);
  await ns.closeZone(qp, 13 * zs);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test("the kernel reads nvmekit's data and reports the same zones as nvmekit", async () => {
  const { bdf, ns1 } = kernelNamespace();
  const data = execFileSync("dd", [
    `if=${ns1}`,
    `bs=${BS}`,
    `skip=${KERNEL_ZONE}`,
    `count=${KERNEL_BLOCKS}`,
    "iflag=direct",
    "status=none",
  ]);
  const expected = new Uint8Array(KERNEL_BLOCKS * BS);
  randomFill(expected, KERNEL_SEED);
  assert.equal(Buffer.compare(data, expected), 0, "dd iflag=direct of zone 10");
  const kreport = cliReport(ns1);

  const { driver, ctrlr } = await attachVfio({}, bdf);
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const report = await ns.reportZones(qp);
  assert.equal(report.nrZones, ZONES);
  sameZones(report.zones, kreport.zone_list);
  const s = report.zones.map((r) => r.state);
  // The controller shutdown of nvmekit's detach closed zone 10, which it had implicitly opened.
  assert.equal(s.slice(10, 14), [ZoneState.Closed, ZoneState.Full, ZoneState.Full, ZoneState.Closed]);
  assert.equal(report.zones[10]!.writePointer, KERNEL_ZONE + KERNEL_BLOCKS);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
