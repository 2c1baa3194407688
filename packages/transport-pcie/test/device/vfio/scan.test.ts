// rig-config: default
/**
 * The bus scan: a function bound to the kernel's nvme driver is reported unusable with the exact
 * commands to bind it, and running those commands makes it usable.
 */
import { execFileSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VfioProvider } from "../../../src/vfio/provider.js";
import { bind, boundDriver } from "./rig.js";

const provider = new VfioProvider();
const address = bind("nvme");

test("bound to nvme: unusable, with the bind commands", async () => {
  const scan = await provider.scan();
  assert.not.ok(scan.usable.includes(address));
  const entry = scan.unusable.find((u) => u.address === address);
  assert.ok(entry, JSON.stringify(scan));
  assert.match(entry!.reason, `${address} is bound to nvme, not vfio-pci`);
  assert.match(entry!.reason, `echo ${address} > /sys/bus/pci/devices/${address}/driver/unbind`);
  assert.match(entry!.reason, `echo vfio-pci > /sys/bus/pci/devices/${address}/driver_override`);
  assert.match(entry!.reason, `echo ${address} > /sys/bus/pci/drivers_probe`);
});

test("running the reported commands binds it to vfio-pci, and the scan then lists it as usable", async () => {
  const { reason } = (await provider.scan()).unusable.find((u) => u.address === address)!;
  const commands = reason
    .split("\n")
    .slice(1)
    .map((line) => line.trim());
  for (const command of commands) execFileSync("sh", ["-c", command]);
  assert.is(boundDriver(address), "vfio-pci");
  const scan = await provider.scan();
  assert.ok(scan.usable.includes(address), JSON.stringify(scan));
  assert.not.ok(scan.unusable.some((u) => u.address === address));
});

test.after(() => {
  bind("nvme", address);
});

test.run();
