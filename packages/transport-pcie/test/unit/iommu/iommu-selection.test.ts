/**
 * Choosing between the iommufd and type1 backends against fake sysfs and /dev trees: what `auto`
 * picks, what forcing a backend does, and what the errors name.
 */
import { InvalidArgumentError, TransportError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IommufdUnavailableError, probeIommufd } from "../../../src/iommu/device-cdev.js";
import { chooseIommuBackend, openIommuBackend } from "../../../src/iommu/iommu-selection.js";
import { VfioProvider } from "../../../src/vfio/provider.js";
import { fakeDev, fakeSysfs } from "../sysfs/fake-sysfs.js";

const NVME = 0x010802;
const WITH_CDEV = "0000:01:00.0";
const NO_CDEV = "0000:02:00.0";
const NOIOMMU_CDEV = "0000:03:00.0";
const CDEV_NO_GROUP = "0000:04:00.0";

const sysfs = fakeSysfs(
  [
    { address: WITH_CDEV, classCode: NVME, driver: "vfio-pci", group: 5, vfioCdev: "vfio0" },
    { address: NO_CDEV, classCode: NVME, driver: "nvme", group: 6 },
    { address: NOIOMMU_CDEV, classCode: NVME, driver: "vfio-pci", group: 7, vfioCdev: "noiommu-vfio1" },
    { address: CDEV_NO_GROUP, classCode: NVME, driver: "vfio-pci", vfioCdev: "vfio2" },
  ],
  ["vfio-pci", "nvme"],
);
/** A kernel with both interfaces (like the rig's iommufd kernel). */
const both = fakeDev(["iommu", "vfio/vfio", "vfio/devices/vfio0", "vfio/devices/vfio2"]);
/** A kernel without CONFIG_IOMMUFD (like Debian's). */
const type1Only = fakeDev(["vfio/vfio", "vfio/5"]);
/** The cdev's node exists but /dev/iommu does not. */
const noIommufd = fakeDev(["vfio/vfio", "vfio/devices/vfio0"]);
/** sysfs lists the cdev but nothing created its node. */
const noNode = fakeDev(["iommu", "vfio/vfio"]);

const on = (devRoot: string) => ({ sysfsRoot: sysfs.root, devRoot });

test("auto picks iommufd when /dev/iommu and the function's cdev exist", () => {
  assert.is(chooseIommuBackend(WITH_CDEV, on(both.root)), "iommufd");
  assert.is(chooseIommuBackend(WITH_CDEV, { ...on(both.root), iommu: "auto" }), "iommufd");
  assert.equal(probeIommufd(WITH_CDEV, on(both.root)), {
    usable: true,
    files: { iommu: `${both.root}/iommu`, cdev: `${both.root}/vfio/devices/vfio0` },
  });
});

test("auto falls back to type1 when anything of iommufd is missing", () => {
  assert.is(chooseIommuBackend(WITH_CDEV, on(noIommufd.root)), "vfio-type1", "no /dev/iommu");
  assert.is(chooseIommuBackend(NO_CDEV, on(both.root)), "vfio-type1", "not bound to vfio-pci: no cdev");
  assert.is(chooseIommuBackend(WITH_CDEV, on(noNode.root)), "vfio-type1", "no device node");
  assert.is(chooseIommuBackend(NOIOMMU_CDEV, on(both.root)), "vfio-type1", "a no-IOMMU cdev is not one");
});

test("vfio-type1 is used when asked for, even where iommufd exists", () => {
  assert.is(chooseIommuBackend(WITH_CDEV, { ...on(both.root), iommu: "vfio-type1" }), "vfio-type1");
});

test("forcing iommufd without /dev/iommu names it and the kernel option", () => {
  try {
    chooseIommuBackend(WITH_CDEV, { ...on(noIommufd.root), iommu: "iommufd" });
    assert.unreachable("chose iommufd without /dev/iommu");
  } catch (error) {
    assert.instance(error, IommufdUnavailableError);
    assert.instance(error, TransportError);
    const e = error as IommufdUnavailableError;
    assert.is(e.address, WITH_CDEV);
    assert.is(e.missing.length, 1);
    assert.match(e.missing[0]!, `${noIommufd.root}/iommu`);
    assert.match(e.missing[0]!, "CONFIG_IOMMUFD");
    assert.match(e.message, 'iommu: "vfio-type1"');
  }
});

test("forcing iommufd on a function without a cdev names the sysfs folder; a missing node is named too", () => {
  const noCdev = probeIommufd(NO_CDEV, on(type1Only.root));
  assert.not.ok(noCdev.usable);
  if (!noCdev.usable) {
    assert.is(noCdev.missing.length, 2, "both /dev/iommu and the cdev");
    assert.match(noCdev.missing[1]!, `${sysfs.root}/bus/pci/devices/${NO_CDEV}/vfio-dev`);
    assert.match(noCdev.missing[1]!, "not bound to vfio-pci");
  }
  assert.throws(
    () => chooseIommuBackend(WITH_CDEV, { ...on(noNode.root), iommu: "iommufd" }),
    (e: unknown) =>
      e instanceof IommufdUnavailableError &&
      e.missing.length === 1 &&
      e.missing[0]!.startsWith(`${noNode.root}/vfio/devices/vfio0`) &&
      e.missing[0]!.includes("CONFIG_VFIO_DEVICE_CDEV"),
  );
});

test("an unknown choice is bad input", () => {
  assert.throws(
    () => chooseIommuBackend(WITH_CDEV, { ...on(both.root), iommu: "iommufd2" as "iommufd" }),
    (e: unknown) => e instanceof InvalidArgumentError && e.argument === "iommu",
  );
});

test("iommufd refuses a function no IOMMU isolates, before opening anything", () => {
  for (const unsafeNoIommu of [false, true]) {
    assert.throws(
      () => openIommuBackend(CDEV_NO_GROUP, { ...on(both.root), iommu: "iommufd", unsafeNoIommu }),
      (e: unknown) =>
        e instanceof TransportError &&
        !(e instanceof IommufdUnavailableError) &&
        /not isolated by an IOMMU|no-IOMMU mode is not usable/.test(e.message),
    );
  }
});

test("the provider is available when the chosen backend's device node exists", () => {
  const provider = (devRoot: string, iommu?: "auto" | "vfio-type1" | "iommufd") =>
    new VfioProvider({ sysfsRoot: sysfs.root, devRoot, iommu });
  const iommuOnly = fakeDev(["iommu"]);
  const none = fakeDev([]);
  try {
    assert.ok(provider(iommuOnly.root).available(), "auto: /dev/iommu alone will do");
    assert.ok(provider(type1Only.root).available(), "auto: the container alone will do");
    assert.not.ok(provider(iommuOnly.root, "vfio-type1").available());
    assert.not.ok(provider(type1Only.root, "iommufd").available());
    assert.match(provider(type1Only.root, "iommufd").unavailableReason(), "CONFIG_IOMMUFD");
    assert.is(provider(both.root, "iommufd").unavailableReason(), "");
    const reason = provider(none.root).unavailableReason();
    assert.match(reason, "/dev/vfio/vfio is missing: load VFIO with `modprobe vfio-pci`");
    assert.match(reason, "/dev/iommu is missing");
  } finally {
    iommuOnly.remove();
    none.remove();
  }
});

test.after(() => {
  for (const tree of [sysfs, both, type1Only, noIommufd, noNode]) tree.remove();
});

test.run();
