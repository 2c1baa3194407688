// rig-config: iommufd
/**
 * Forcing the type1 backend on the kernel that also has iommufd: the container and the group are
 * opened (not /dev/iommu), DMA works by hand and through the queue engine, and nothing faults.
 * Faults are counted from this suite's start: the iommufd suite provokes one on purpose.
 */
import { readdirSync, readlinkSync } from "node:fs";
import { basename } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "../engine/rig.js";
import { asciiField, HandDriver } from "../vfio/nvme-by-hand.js";
import { bind, openVfioFiles } from "../vfio/rig.js";

const address = bind("vfio");
const group = basename(readlinkSync(`/sys/bus/pci/devices/${address}/iommu_group`));
const faultsAtStart = dmarFaults().length;

test("vfio-type1 opens the container and the group even where iommufd exists", async () => {
  assert.ok(readdirSync(`/sys/bus/pci/devices/${address}/vfio-dev`).length > 0, "a cdev exists too");
  const device = VfioPciDevice.open(address, { iommu: "vfio-type1" });
  try {
    assert.is(device.iommu, "vfio-type1");
    // The device fd of a group is an anonymous inode, so only the container and the group show here.
    assert.equal(openVfioFiles(), [`/dev/vfio/${group}`, "/dev/vfio/vfio"]);
    const driver = new HandDriver(device);
    await driver.enable();
    const data = await driver.identifyController();
    assert.is(asciiField(data.bytes, 4, 24), "nvmekit-iommufd", "SN");
    await driver.disable();
  } finally {
    await device.close();
  }
  assert.equal(openVfioFiles(), []);
});

test("the queue engine over type1 on this kernel: random data reads back byte-exact", async () => {
  const { driver, ctrlr } = await attachVfio({}, address, { iommu: "vfio-type1" });
  assert.ok(openVfioFiles().includes("/dev/vfio/vfio"), "the controller went through the container");
  assert.not.ok(openVfioFiles().includes("/dev/iommu"));
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  for (let i = 0; i < 8; i++) {
    const count = 1 + ((i * 13) % 32);
    const lba = 4096 + i * 512;
    const out = ctrlr.allocBuffer(count * ns.sectorSize);
    const back = ctrlr.allocBuffer(count * ns.sectorSize);
    randomFill(out.bytes, 1000 + i);
    await ns.write(qp, out.bytes, lba, count);
    await ns.read(qp, back.bytes, lba, count);
    assert.equal(Buffer.compare(out.bytes, back.bytes), 0, `lba ${lba} count ${count}`);
  }
  await driver.detach(ctrlr);
  assert.equal(openVfioFiles(), []);
});

test("the vIOMMU reported no DMA fault during this suite", () => {
  assert.equal(dmarFaults().slice(faultsAtStart), []);
});

test.after.each(releaseControllers);

test.run();
