// rig-config: default
/**
 * On Debian's 6.1 kernel (no CONFIG_IOMMUFD): `auto` falls back to the type1 container, and asking
 * for iommufd fails with a typed error that names what is missing, before anything is opened.
 */
import { existsSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IommufdUnavailableError } from "../../../src/iommu/device-cdev.js";
import { VfioProvider } from "../../../src/vfio/provider.js";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { bind, openVfioFiles } from "../vfio/rig.js";

const address = bind("vfio");

test("auto opens the function through the type1 container", async () => {
  assert.not.ok(existsSync("/dev/iommu"));
  const device = VfioPciDevice.open(address);
  try {
    assert.is(device.iommu, "vfio-type1");
  } finally {
    await device.close();
  }
});

test("asking for iommufd names /dev/iommu and the missing cdev node, and opens nothing", () => {
  try {
    VfioPciDevice.open(address, { iommu: "iommufd" });
    assert.unreachable("opened through iommufd on a kernel without it");
  } catch (error) {
    assert.instance(error, IommufdUnavailableError);
    const { missing, message } = error as IommufdUnavailableError;
    assert.is(missing.length, 2, missing.join("; "));
    assert.match(missing[0]!, "/dev/iommu");
    assert.match(missing[0]!, "CONFIG_IOMMUFD");
    // 6.1 names the function's vfio device in sysfs (vfio-dev/vfio0) but has no cdev for it.
    assert.match(missing[1]!, /^\/dev\/vfio\/devices\/vfio\d+ /);
    assert.match(missing[1]!, "CONFIG_VFIO_DEVICE_CDEV");
    assert.match(message, "vfio-type1");
  }
  assert.equal(openVfioFiles(), []);
  const provider = new VfioProvider({ iommu: "iommufd" });
  assert.not.ok(provider.available());
  assert.match(provider.unavailableReason(), "/dev/iommu is missing");
});

test.after(() => {
  bind("nvme", address);
});

test.run();
