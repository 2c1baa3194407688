import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as n from "../../src/index.js";
import { BS, CONV_BLOCKS, openSoft, softDevice, ZONE } from "./soft-device.js";

test("a zoned namespace opens as NVM_BE_ZNS: a chunk per zone, the zone capacity as nsectr", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd, 1);
  assert.is(n.nvm_dev_get_be_id(dev), n.NVM_BE_ZNS);
  assert.is(n.nvm_dev_get_be_name(dev), "zns");
  const geo = n.nvm_dev_get_geo(dev)!;
  assert.equal(
    { ...geo, lbaf: { ...geo.lbaf } },
    {
      npugrp: 1,
      npunit: 1,
      nchunk: ZONE.count,
      nsectr: ZONE.capacity,
      nbytes: BS,
      nbytes_oob: 0,
      tbytes: ZONE.count * ZONE.capacity * BS,
      verid: 2,
      lbaf: { pugrp: 0, punit: 0, chunk: 4, sectr: 6 },
    },
  );
  assert.is(dev.chunkStride, ZONE.size);
  assert.is(n.nvm_dev_get_ws_min(dev), 1);
  assert.is(n.nvm_dev_get_ws_opt(dev), 4);
  assert.is(n.nvm_dev_get_mw_cunits(dev), 0);
  assert.is(n.nvm_dev_get_verid(dev), 2);
  assert.is(n.nvm_dev_get_nsid(dev), 1);
  await n.nvm_dev_close(dev);
  assert.is(n.nvm_dev_get_geo(dev), null);
  assert.is(n.nvm_errno(), n.ENODEV);
  assert.is(n.nvm_dev_get_ws_opt(dev), 0);
});

test("a conventional namespace opens as NVM_BE_NOCD: synthetic chunks of 4096 sectors", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd, 2);
  assert.is(n.nvm_dev_get_be_id(dev), n.NVM_BE_NOCD);
  assert.is(n.nvm_dev_get_be_name(dev), "nocd");
  const geo = n.nvm_dev_get_geo(dev)!;
  assert.is(geo.nchunk, CONV_BLOCKS / 4096);
  assert.is(geo.nsectr, 4096);
  assert.is(geo.tbytes, CONV_BLOCKS * BS);
  await n.nvm_dev_close(dev);
});

test("two opens share the controller; it is detached after the last close", async () => {
  const sd = softDevice();
  const a = await openSoft(sd, 1);
  const b = await openSoft(sd, 2);
  assert.is(a.ctrlr, b.ctrlr);
  await n.nvm_dev_close(a);
  assert.is(sd.rig.driver.controllers.length, 1);
  await n.nvm_dev_close(b);
  assert.is(sd.rig.driver.controllers.length, 0);
});

test("open failures: null with the errno and its name", async () => {
  const sd = softDevice();
  const driver = sd.rig.driver;
  const cases: [string, number, number][] = [
    ["trtype:SOFT traddr:soft0 ns:0", 0, n.EINVAL],
    ["trtype:SOFT traddr:soft0 ns:9", 0, n.ENOENT],
    ["trtype:SOFT traddr:soft0 ns:1", n.NVM_BE_IOCTL, n.ENOSYS],
    ["trtype:SOFT traddr:soft0 ns:1", 0x100, n.EINVAL],
    ["trtype:SOFT traddr:soft0 ns:2", n.NVM_BE_ZNS, n.ENODEV],
    ["trtype:SOFT traddr:soft0 ns:1", n.NVM_BE_NOCD, n.EINVAL],
    ["trtype:SOFT traddr:nowhere ns:1", 0, n.ENODEV],
  ];
  for (const [path, flags, errno] of cases) {
    assert.is(await n.nvm_dev_openf(path, flags, { driver }), null, path);
    assert.is(n.nvm_errno(), errno, `${path} flags ${flags}: ${n.nvm_last_error()?.message}`);
    assert.instance(n.nvm_last_error(), n.NvmError);
  }
  assert.is(n.nvm_last_error()?.code, "ENODEV");
  // Nothing stays attached after the failures.
  assert.is(driver.controllers.length, 0);
  n.nvm_set_driver(null);
  assert.is(await n.nvm_dev_open("trtype:PCIe traddr:0000:01:00.0 ns:1"), null);
  assert.is(n.nvm_last_error()?.code, "ENODEV");
  assert.match(n.nvm_last_error()!.message, /nvm_set_driver/);
});

test("/dev/nvmeXnY: resolved through sysfs; a function the kernel's nvme driver holds gives EINVAL naming vfio-pci", async () => {
  const root = mkdtempSync(join(tmpdir(), "lnvm-sysfs-"));
  try {
    const dev = join(root, "devices", "pci0000:00", "0000:01:00.0");
    mkdirSync(dev, { recursive: true });
    mkdirSync(join(root, "bus", "pci", "drivers", "nvme"), { recursive: true });
    mkdirSync(join(root, "bus", "pci", "devices"), { recursive: true });
    symlinkSync(dev, join(root, "bus", "pci", "devices", "0000:01:00.0"));
    symlinkSync(join(root, "bus", "pci", "drivers", "nvme"), join(dev, "driver"));
    mkdirSync(join(root, "class", "nvme", "nvme0"), { recursive: true });
    symlinkSync(dev, join(root, "class", "nvme", "nvme0", "device"));
    assert.is(await n.nvm_dev_open("/dev/nvme0n1", { sysfsRoot: root }), null);
    assert.is(n.nvm_last_error()?.code, "EINVAL");
    assert.match(
      n.nvm_last_error()!.message,
      /bound to nvme, not vfio-pci.*trtype:PCIe traddr:0000:01:00.0 ns:1/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("nvm_set_driver: opens by path alone", async () => {
  const sd = softDevice();
  n.nvm_set_driver(sd.rig.driver);
  try {
    const dev = await n.nvm_dev_open("trtype:SOFT traddr:soft0 ns:1");
    assert.ok(dev !== null, String(n.nvm_last_error()));
    assert.is(dev.ctrlr, sd.rig.driver.controllers[0]);
    await n.nvm_dev_close(dev);
  } finally {
    n.nvm_set_driver(null);
  }
});

test("with no driver, trtype:SOFT opens softnvme's embedded controller, and says which backend it got", async () => {
  const dev = await n.nvm_dev_open("trtype:SOFT traddr:soft0 ns:1");
  assert.ok(dev !== null, String(n.nvm_last_error()));
  assert.is(n.nvm_dev_get_be_id(dev), dev.ns.isZoned ? n.NVM_BE_ZNS : n.NVM_BE_NOCD);
  const buf = n.nvm_buf_alloc(dev, dev.geo.nbytes)!;
  buf.fill(0x5a);
  const addr = [n.nvm_addr()];
  assert.is(await n.nvm_cmd_erase(dev, addr, 1, null, 0), 0, String(n.nvm_last_error()));
  assert.is(await n.nvm_cmd_write(dev, addr, 1, buf, null, n.NVM_CMD_SCALAR), 0, String(n.nvm_last_error()));
  buf.fill(0);
  assert.is(await n.nvm_cmd_read(dev, addr, 1, buf, null, n.NVM_CMD_SCALAR), 0);
  assert.ok(buf.every((b) => b === 0x5a));
  await n.nvm_dev_close(dev);
});

test("nvm_buf_alloc / nvm_buf_free: DMA memory; bad sizes and foreign views refused", async () => {
  const sd = softDevice();
  const dev = await openSoft(sd, 1);
  const b = n.nvm_buf_alloc(dev, 8192)!;
  assert.is(b.byteLength, 8192);
  assert.ok(dev.ctrlr.dma.iovaOf(b) >= 0);
  assert.is(n.nvm_buf_alloc(dev, 0), null);
  assert.is(n.nvm_errno(), n.EINVAL);
  assert.is(n.nvm_buf_free(dev, new Uint8Array(8)), -1);
  assert.is(n.nvm_buf_free(dev, b), 0);
  assert.is(n.nvm_buf_free(dev, b), -1);
  await n.nvm_dev_close(dev);
});

test.run();
