import { test } from "uvu";
import * as assert from "uvu/assert";
import { notViableMessage } from "../../../src/iommu/vfio-group.js";
import { kernelBindCommands, vfioBindCommands } from "../../../src/sysfs/bind-commands.js";
import { scanNvmeFunctions } from "../../../src/sysfs/nvme-scan.js";
import {
  iommuGroupMembers,
  readBarAddresses,
  readPciFunction,
  vfioPciLoaded,
} from "../../../src/sysfs/pci-function.js";
import { VfioProvider } from "../../../src/vfio/provider.js";
import { fakeSysfs } from "./fake-sysfs.js";

const NVME = 0x010802;

const tree = fakeSysfs(
  [
    { address: "0000:00:1f.0", classCode: 0x060100, driver: "lpc_ich", group: 1 },
    { address: "0000:01:00.0", classCode: NVME, driver: "nvme", group: 5 },
    { address: "0000:01:00.1", classCode: 0x0c0330, driver: "xhci_hcd", group: 5 },
    { address: "0000:02:00.0", classCode: NVME, driver: "vfio-pci", group: 6 },
    { address: "0000:03:00.0", classCode: NVME, group: 7 },
    { address: "0000:04:00.0", classCode: NVME, driver: "vfio-pci" },
  ],
  ["nvme", "vfio-pci", "xhci_hcd", "lpc_ich"],
);

test("a function's identity, driver and IOMMU group", () => {
  assert.equal(readPciFunction("0000:01:00.0", tree.root), {
    address: "0000:01:00.0",
    vendorId: 0x1b36,
    deviceId: 0x0010,
    classCode: NVME,
    driver: "nvme",
    iommuGroup: 5,
  });
  assert.is(readPciFunction("0000:03:00.0", tree.root).driver, null);
  assert.is(readPciFunction("0000:04:00.0", tree.root).iommuGroup, null);
  assert.equal(iommuGroupMembers(5, tree.root), ["0000:01:00.0", "0000:01:00.1"]);
  assert.ok(vfioPciLoaded(tree.root));
});

test("BAR bus addresses from `resource`", () => {
  assert.equal(readBarAddresses("0000:01:00.0", tree.root), [0xfebf0000, null, null, null, null, null]);
});

test("the scan: vfio-pci-bound NVMe functions are usable; the rest say why and how to fix it", () => {
  const scan = scanNvmeFunctions(tree.root);
  assert.equal(scan.usable, ["0000:02:00.0"]);
  assert.equal(
    scan.unusable.map((u) => u.address),
    ["0000:01:00.0", "0000:03:00.0", "0000:04:00.0"],
  );
  assert.is(
    scan.unusable[0]!.reason,
    "0000:01:00.0 is bound to nvme, not vfio-pci. As root:\n" +
      "  echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind\n" +
      "  echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override\n" +
      "  echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
  );
  assert.is(
    scan.unusable[1]!.reason,
    "0000:03:00.0 is not bound to any driver, not vfio-pci. As root:\n" +
      "  echo vfio-pci > /sys/bus/pci/devices/0000:03:00.0/driver_override\n" +
      "  echo 0000:03:00.0 > /sys/bus/pci/drivers_probe",
  );
  assert.match(scan.unusable[2]!.reason, /has no IOMMU group: the IOMMU is off/);
});

test("when vfio-pci is not loaded, the commands start with modprobe", () => {
  const bare = fakeSysfs([{ address: "0000:05:00.0", classCode: NVME, driver: "nvme", group: 2 }], ["nvme"]);
  try {
    assert.not.ok(vfioPciLoaded(bare.root));
    const [entry] = scanNvmeFunctions(bare.root).unusable;
    assert.match(entry!.reason, /As root:\n {2}modprobe vfio-pci\n {2}echo 0000:05:00.0 >/);
  } finally {
    bare.remove();
  }
});

test("bind command lists", () => {
  assert.equal(vfioBindCommands("0000:01:00.0", null, true), [
    "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override",
    "echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
  ]);
  assert.equal(kernelBindCommands("0000:01:00.0", "nvme"), [
    "echo 0000:01:00.0 > /sys/bus/pci/devices/0000:01:00.0/driver/unbind",
    "echo nvme > /sys/bus/pci/devices/0000:01:00.0/driver_override",
    "echo 0000:01:00.0 > /sys/bus/pci/drivers_probe",
  ]);
});

test("a non-viable group names every member that must move to vfio-pci", () => {
  const message = notViableMessage(5, tree.root);
  assert.match(message, /IOMMU group 5 is not viable/);
  assert.match(message, "0000:01:00.0 (bound to nvme)");
  assert.match(message, "0000:01:00.1 (bound to xhci_hcd)");
  assert.match(message, "echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind");
});

test("the provider scans the injected tree and owns only addresses present there", async () => {
  const provider = new VfioProvider({ sysfsRoot: tree.root, devRoot: tree.root });
  assert.is(provider.name, "vfio");
  assert.not.ok(provider.available(), "no <devRoot>/vfio/vfio in the fake tree");
  assert.equal((await provider.scan()).usable, ["0000:02:00.0"]);
  assert.ok(provider.owns("0000:02:00.0"));
  assert.ok(provider.owns("0000:02:00.0".toUpperCase()));
  assert.not.ok(provider.owns("0000:09:00.0"));
  assert.not.ok(provider.owns("soft:0"));
});

test.after(() => tree.remove());

test.run();
