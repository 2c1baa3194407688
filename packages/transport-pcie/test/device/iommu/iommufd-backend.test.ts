// rig-config: iommufd
/**
 * The iommufd backend on the rig's own kernel (QEMU's intel-iommu): `auto` picks it, DMA through its
 * IOAS works by hand and through the queue engine (random data at random LBAs, read back by nvmekit
 * and by the kernel's nvme driver), no DMA faults while doing so; closing releases /dev/iommu and the
 * cdev, and after a reopen a DMA to an IOVA the old session had mapped faults in the vIOMMU.
 * This suite provokes one DMAR fault on purpose, so later suites in this guest count faults from their start.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IommufdUnavailableError } from "../../../src/iommu/device-cdev.js";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "../engine/rig.js";
import { asciiField, HandDriver } from "../vfio/nvme-by-hand.js";
import { bind, openVfioFiles } from "../vfio/rig.js";

const MiB = 2 ** 20;
const address = bind("vfio");
const cdev = readdirSync(`/sys/bus/pci/devices/${address}/vfio-dev`)[0]!;

test("the kernel offers iommufd for the function and auto opens it through it", async () => {
  assert.ok(existsSync("/dev/iommu"), "/dev/iommu");
  assert.match(cdev, /^vfio\d+$/);
  assert.ok(existsSync(`/dev/vfio/devices/${cdev}`), `/dev/vfio/devices/${cdev}`);
  assert.equal(openVfioFiles(), []);
  const device = VfioPciDevice.open(address);
  try {
    assert.is(device.iommu, "iommufd");
    assert.is(device.classCode, 0x010802);
    // No container and no group: only the iommufd and the device cdev are open.
    assert.equal(openVfioFiles(), ["/dev/iommu", `/dev/vfio/devices/${cdev}`]);
  } finally {
    await device.close();
  }
  assert.equal(openVfioFiles(), [], "close released both files");
});

test("Identify Controller by hand through DMA memory mapped in the IOAS", async () => {
  const device = VfioPciDevice.open(address, { iommu: "iommufd" });
  try {
    assert.is(device.iommu, "iommufd");
    const driver = new HandDriver(device);
    await driver.enable();
    const data = await driver.identifyController();
    assert.is(asciiField(data.bytes, 4, 24), "nvmekit-iommufd", "SN");
    assert.is(asciiField(data.bytes, 24, 64), "QEMU NVMe Ctrl", "MN");
    await driver.disable();
  } finally {
    await device.close();
  }
});

test("random data at random LBAs through the queue engine reads back byte-exact, here and in the kernel", async () => {
  const seed = Date.now() % 2 ** 31;
  console.log(`  seed ${seed}`);
  const { driver, ctrlr, bdf } = await attachVfio({}, address, { iommu: "iommufd" });
  assert.ok(openVfioFiles().includes("/dev/iommu"), "the controller went through iommufd");
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  // Distinct 64-block slots, so extents never overlap; 1..64 blocks each.
  const slots = new Set<number>();
  let x = seed || 1;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  while (slots.size < 24) slots.add(next() % Math.floor(ns.numSectors / 64));
  const extents = [...slots].map((slot, i) => ({ lba: slot * 64, count: 1 + (next() % 64), seed: seed + i }));
  const written = new Map<number, Buffer>();
  for (const e of extents) {
    const out = ctrlr.allocBuffer(e.count * ns.sectorSize);
    randomFill(out.bytes, e.seed);
    await ns.write(qp, out.bytes, e.lba, e.count);
    written.set(e.lba, Buffer.from(out.bytes));
    ctrlr.freeBuffer(out);
  }
  for (const e of extents) {
    const back = ctrlr.allocBuffer(e.count * ns.sectorSize);
    await ns.read(qp, back.bytes, e.lba, e.count);
    assert.equal(Buffer.compare(back.bytes, written.get(e.lba)!), 0, `lba ${e.lba} count ${e.count}`);
    ctrlr.freeBuffer(back);
  }
  await driver.detach(ctrlr);
  assert.equal(openVfioFiles(), [], "detach closed the iommufd and the cdev");
  // The kernel's driver reads the same blocks from the device.
  bind("nvme", bdf);
  const ctrl = readdirSync(`/sys/bus/pci/devices/${bdf}/nvme`)[0]!;
  const fd = openSync(`/dev/${ctrl}n1`, "r");
  try {
    for (const e of extents) {
      const expected = written.get(e.lba)!;
      const got = Buffer.alloc(expected.length);
      assert.is(readSync(fd, got, 0, got.length, e.lba * ns.sectorSize), got.length);
      assert.equal(Buffer.compare(got, expected), 0, `kernel read of lba ${e.lba} count ${e.count}`);
    }
  } finally {
    closeSync(fd);
  }
  bind("vfio", bdf);
});

test("forcing iommufd on a function not bound to vfio-pci names the missing cdev", () => {
  bind("nvme", address);
  try {
    VfioPciDevice.open(address, { iommu: "iommufd" });
    assert.unreachable("opened a function bound to nvme");
  } catch (error) {
    assert.instance(error, IommufdUnavailableError);
    const { missing } = error as IommufdUnavailableError;
    assert.is(missing.length, 1, missing.join("; "));
    assert.match(missing[0]!, `${address}/vfio-dev`);
  } finally {
    bind("vfio", address);
  }
});

test("the vIOMMU reported no DMA fault", () => {
  assert.equal(dmarFaults(), []);
});

test("after close and reopen, DMA to an IOVA of the old session faults: its mappings are gone", async () => {
  const first = VfioPciDevice.open(address, { iommu: "iommufd" });
  const big = first.dma.alloc(4 * MiB);
  const oldIova = big.iova + 3 * MiB; // in the old IOAS, beyond the one 2 MiB region a new session maps
  await first.close();
  assert.equal(openVfioFiles(), []);
  const second = VfioPciDevice.open(address, { iommu: "iommufd" });
  try {
    const driver = new HandDriver(second);
    await driver.enable();
    const { regions, mappedBytes } = second.dma.stats();
    assert.is(regions, 1);
    const probe = second.dma.alloc(4096);
    const regionStart = probe.iova - (probe.iova % (2 * MiB));
    assert.ok(oldIova >= regionStart + mappedBytes, `0x${oldIova.toString(16)} is outside the new mappings`);
    assert.equal(openVfioFiles(), ["/dev/iommu", `/dev/vfio/devices/${cdev}`]);
    const before = dmarFaults().length;
    // Identify Controller with its data pointer at the old IOVA: the controller's write must fault.
    const cmd = new Array<number>(16).fill(0);
    cmd[0] = 0x06;
    cmd[6] = oldIova % 2 ** 32;
    cmd[7] = Math.floor(oldIova / 2 ** 32);
    cmd[10] = 1;
    await driver.adminCommand(cmd);
    // QEMU's controller may complete the command before the kernel logs the fault.
    const deadline = Date.now() + 5000;
    let fresh: string[] = [];
    while (Date.now() < deadline) {
      fresh = dmarFaults().slice(before);
      if (fresh.some((l) => l.includes(`fault addr 0x${oldIova.toString(16)}`))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(
      fresh.some((l) => l.includes(`fault addr 0x${oldIova.toString(16)}`)),
      `a DMAR fault at 0x${oldIova.toString(16)}; new fault lines:\n${fresh.join("\n")}`,
    );
    await driver.disable();
  } finally {
    await second.close();
  }
});

test.after.each(releaseControllers);

test.run();
