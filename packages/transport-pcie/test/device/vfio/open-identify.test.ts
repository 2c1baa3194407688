// rig-config: default
/**
 * VfioPciDevice against QEMU's NVMe controller: identity from config space, CAP/VS through BAR0,
 * and an Identify Controller run by hand through DMA memory (proves IOMMU mapping end to end).
 */
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readBarAddresses } from "../../../src/sysfs/pci-function.js";
import { VfioProvider } from "../../../src/vfio/provider.js";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { asciiField, HandDriver, Reg } from "./nvme-by-hand.js";
import { bind, dmarFaults } from "./rig.js";

const address = bind("vfio");

test("the provider is available and the function opens with its identity from config space", async () => {
  const provider = new VfioProvider();
  assert.ok(provider.available());
  assert.ok(provider.owns(address));
  assert.not.ok(provider.owns("0000:7f:1f.7"));
  const device = await provider.open(address);
  try {
    assert.is(device.address, address);
    assert.is(
      device.vendorId,
      Number.parseInt(readFileSync(`/sys/bus/pci/devices/${address}/vendor`, "utf8"), 16),
    );
    assert.is(
      device.deviceId,
      Number.parseInt(readFileSync(`/sys/bus/pci/devices/${address}/device`, "utf8"), 16),
    );
    assert.is(device.classCode, 0x010802);
    assert.ok(device.msixVectors >= 2, `MSI-X vectors: ${device.msixVectors}`);
    assert.is((device as VfioPciDevice).iommu, "vfio-type1");
  } finally {
    await device.close();
  }
});

test("BAR0 maps zero-copy: CAP and VS as QEMU 7.2 reports them, bus address as sysfs says", async () => {
  const device = VfioPciDevice.open(address);
  try {
    const bar = device.bar(0)!;
    assert.ok(bar.size >= 0x2000, `BAR0 size ${bar.size}`);
    assert.is(bar.u32[Reg.VS], 0x00010400);
    const cap = (BigInt(bar.u32[Reg.CAP_HI]!) << 32n) | BigInt(bar.u32[Reg.CAP_LO]!);
    assert.is(cap, 0x004018200f0107ffn);
    // Registers are read as 32-bit words only: QEMU's model answers byte reads of registers with
    // the whole register (TCG does not truncate it), which real hardware never does.
    assert.is(bar.bytes.length, bar.size);
    assert.is(bar.busAddress, readBarAddresses(address)[0]);
    assert.is(device.bar(0), bar, "the mapping is made once");
    assert.is(device.bar(1), null, "BAR1 is BAR0's upper half (64-bit), not a BAR");
  } finally {
    await device.close();
  }
});

test("Identify Controller by hand through DMA memory returns the rig's serial number", async () => {
  const device = VfioPciDevice.open(address);
  try {
    const driver = new HandDriver(device);
    await driver.enable();
    const data = await driver.identifyController();
    assert.is(asciiField(data.bytes, 4, 24), "nvmekit-default", "SN");
    assert.is(asciiField(data.bytes, 24, 64), "QEMU NVMe Ctrl", "MN");
    assert.is(device.dma.iovaOf(data.bytes), data.iova);
    assert.is(device.dma.iovaOf(data.bytes.subarray(100)), data.iova + 100);
    assert.is(device.dma.iovaOf(new Uint8Array(16)), -1, "ordinary memory has no IOVA");
    await driver.disable();
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
