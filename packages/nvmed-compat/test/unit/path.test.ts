import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  isDevPath,
  nvmed_last_error,
  nvmed_open,
  parseNvmedPath,
  resolveDevPath,
  splitNamespace,
} from "../../src/index.js";

const made: string[] = [];
test.after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fake sysfs: nvme<ctrl> whose device is PCI function `addr`, bound to `driver` (or none). */
function fakeSysfs(
  ctrl: number,
  addr: string,
  driver: string | null,
  nsidFile?: { name: string; nsid: number },
): string {
  const root = mkdtempSync(join(tmpdir(), "nvmed-sysfs-"));
  made.push(root);
  const dev = join(root, "devices", "pci0000:00", addr);
  mkdirSync(dev, { recursive: true });
  mkdirSync(join(root, "bus", "pci", "devices"), { recursive: true });
  symlinkSync(dev, join(root, "bus", "pci", "devices", addr));
  if (driver !== null) {
    const drv = join(root, "bus", "pci", "drivers", driver);
    mkdirSync(drv, { recursive: true });
    symlinkSync(drv, join(dev, "driver"));
  }
  const cls = join(root, "class", "nvme", `nvme${ctrl}`);
  mkdirSync(cls, { recursive: true });
  symlinkSync(dev, join(cls, "device"));
  if (nsidFile) {
    mkdirSync(join(cls, nsidFile.name));
    writeFileSync(join(cls, nsidFile.name, "nsid"), `${nsidFile.nsid}\n`);
  }
  return root;
}

test("splitNamespace: takes ns:N out of the transport ID; default 1; rejects bad values", () => {
  assert.equal(splitNamespace("trtype:PCIe traddr:0000:01:00.0 ns:3"), {
    trid: "trtype:PCIe traddr:0000:01:00.0",
    nsid: 3,
  });
  assert.equal(splitNamespace("ns=2  trtype:SOFT traddr:soft0"), {
    trid: "trtype:SOFT traddr:soft0",
    nsid: 2,
  });
  assert.equal(splitNamespace("trtype:SOFT traddr:soft0"), { trid: "trtype:SOFT traddr:soft0", nsid: 1 });
  assert.throws(() => splitNamespace("trtype:SOFT ns:0"), /positive integer/);
  assert.throws(() => splitNamespace("trtype:SOFT ns:-1"), /positive integer/);
  assert.throws(() => splitNamespace("ns:1"), /names no controller/);
});

test("isDevPath: only /dev/nvmeXnY", () => {
  assert.ok(isDevPath("/dev/nvme0n1"));
  assert.ok(isDevPath("/dev/nvme12n3"));
  assert.not.ok(isDevPath("/dev/nvmed0n1"));
  assert.not.ok(isDevPath("/dev/nvme0"));
  assert.not.ok(isDevPath("trtype:PCIe traddr:0000:01:00.0"));
});

test("resolveDevPath: a function bound to vfio-pci becomes its PCIe transport ID and namespace", () => {
  const root = fakeSysfs(0, "0000:01:00.0", "vfio-pci");
  assert.equal(resolveDevPath("/dev/nvme0n1", root), { trid: "trtype:PCIe traddr:0000:01:00.0", nsid: 1 });
  assert.equal(parseNvmedPath("/dev/nvme0n4", root), { trid: "trtype:PCIe traddr:0000:01:00.0", nsid: 4 });
});

test("resolveDevPath: the namespace's nsid file wins over the name's Y", () => {
  const root = fakeSysfs(1, "0000:02:00.0", "vfio-pci", { name: "nvme1n1", nsid: 5 });
  assert.equal(resolveDevPath("/dev/nvme1n1", root).nsid, 5);
});

test("resolveDevPath: bound to nvme: the error names the function, the driver, the vfio-pci bind commands and the trid", () => {
  const root = fakeSysfs(0, "0000:03:00.0", "nvme");
  assert.throws(
    () => resolveDevPath("/dev/nvme0n1", root),
    (e: Error) =>
      /0000:03:00\.0/.test(e.message) &&
      /bound to nvme/.test(e.message) &&
      /echo vfio-pci \| sudo tee \/sys\/bus\/pci\/devices\/0000:03:00\.0\/driver_override/.test(e.message) &&
      /drivers_probe/.test(e.message) &&
      /trtype:PCIe traddr:0000:03:00\.0 ns:1/.test(e.message),
  );
  const unbound = fakeSysfs(0, "0000:04:00.0", null);
  assert.throws(() => resolveDevPath("/dev/nvme0n1", unbound), /bound to no driver/);
});

test("resolveDevPath: an unknown controller says so", () => {
  const root = fakeSysfs(0, "0000:01:00.0", "vfio-pci");
  assert.throws(() => resolveDevPath("/dev/nvme9n1", root), /no NVMe controller nvme9/);
});

test("nvmed_open(/dev/...) on a function not bound to vfio-pci: null, reason with the bind command", async () => {
  const root = fakeSysfs(0, "0000:05:00.0", "nvme");
  assert.is(await nvmed_open("/dev/nvme0n1", 0, { sysfsRoot: root }), null);
  assert.match(nvmed_last_error()!.message, /vfio-pci/);
  assert.is(nvmed_last_error()!.code, -2);
});

test.run();
