// rig-config: cmb
/**
 * A second memory BAR (QEMU puts the controller memory buffer in BAR2) maps like BAR0: its size,
 * its bus address as sysfs reports it, and bytes that read back what was written.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readBarAddresses } from "../../../src/sysfs/pci-function.js";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { bind, dmarFaults } from "./rig.js";

const address = bind("vfio");

test("BAR2 (the CMB) maps zero-copy at the bus address sysfs reports", async () => {
  const device = VfioPciDevice.open(address);
  try {
    const cmb = device.bar(2);
    assert.ok(cmb, "BAR2 present");
    assert.is(cmb!.size, 16 * 2 ** 20);
    assert.is(cmb!.busAddress, readBarAddresses(address)[2]);
    assert.ok(cmb!.busAddress > 0);
    for (let i = 0; i < 256; i++) cmb!.bytes[4096 + i] = i;
    for (let i = 0; i < 256; i++) assert.is(cmb!.bytes[4096 + i], i);
    assert.is(device.bar(3), null, "BAR3 is BAR2's upper half");
  } finally {
    await device.close();
  }
});

test("the vIOMMU reported no DMA fault", () => {
  assert.equal(dmarFaults(), []);
});

test.after(() => {
  bind("nvme", address);
});

test.run();
