// rig-config: default
/**
 * Function-level reset through VFIO_DEVICE_RESET: the controller comes back disabled (CC and
 * CSTS cleared), BAR and DMA mappings stay usable, and the controller can be brought up again.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { asciiField, HandDriver, Reg } from "./nvme-by-hand.js";
import { bind, dmarFaults } from "./rig.js";

const address = bind("vfio");
const device = VfioPciDevice.open(address);

test("the function offers a reset, and it disables a running controller", async () => {
  assert.ok(device.canReset, "VFIO_DEVICE_FLAGS_RESET");
  const driver = new HandDriver(device);
  await driver.enable();
  assert.is(driver.bar.u32[Reg.CSTS]! & 1, 1, "running before the reset");
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const t0 = performance.now();
  assert.is(await device.reset(), true);
  const ms = performance.now() - t0;
  clearInterval(timer);
  console.log(`  reset took ${ms.toFixed(1)} ms; the event loop ran ${ticks} timer callbacks meanwhile`);
  assert.is(driver.bar.u32[Reg.CC], 0, "CC after reset");
  assert.is(driver.bar.u32[Reg.CSTS]! & 1, 0, "CSTS.RDY after reset");
  await driver.enable();
  assert.is(asciiField((await driver.identifyController()).bytes, 4, 24), "nvmekit-default");
  await driver.disable();
});

test.after(async () => {
  await device.close();
  assert.equal(dmarFaults(), []);
  bind("nvme", address);
});

test.run();
