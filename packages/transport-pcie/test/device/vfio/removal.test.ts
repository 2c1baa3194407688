// rig-config: hot-remove
/**
 * Hot removal through QMP device_del: the kernel asks vfio-pci for the device back (the VFIO
 * request IRQ), removed$ emits exactly once, and closing the device lets the removal finish.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { firstValueFrom, timeout } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { asciiField, HandDriver } from "./nvme-by-hand.js";
import { bind, dmarFaults, repoRoot } from "./rig.js";

const address = bind("vfio");

test("device_del: removed$ emits once, close lets the kernel finish removing the function", async () => {
  const device = VfioPciDevice.open(address, { removalPollMs: 50 });
  const driver = new HandDriver(device);
  await driver.enable();
  assert.is(asciiField((await driver.identifyController()).bytes, 4, 24), "nvmekit-hot-remove");
  let emitted = 0;
  device.removed$.subscribe(() => emitted++);
  const t0 = performance.now();
  execFileSync("sh", [
    join(repoRoot, "test/rig/guest/qmp.sh"),
    '{"execute":"device_del","arguments":{"id":"nvme0"}}',
  ]);
  await firstValueFrom(device.removed$.pipe(timeout(60_000)));
  console.log(`  removed$ after ${(performance.now() - t0).toFixed(0)} ms`);
  await device.close();
  const deadline = Date.now() + 30_000;
  while (existsSync(`/sys/bus/pci/devices/${address}`) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.not.ok(existsSync(`/sys/bus/pci/devices/${address}`), "the function is gone from the guest");
  assert.is(emitted, 1);
  let late = 0;
  device.removed$.subscribe(() => late++);
  assert.is(late, 1, "a late subscriber still learns of the removal");
  assert.is(emitted, 1, "and nothing emitted twice");
});

test("the vIOMMU reported no DMA fault", () => {
  assert.equal(dmarFaults(), []);
});

test.run();
