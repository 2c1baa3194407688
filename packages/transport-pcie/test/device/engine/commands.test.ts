// rig-config: default
// The commands scenario (../../scenarios/commands.ts) on QEMU's controller through VFIO, with no DMAR
// fault after any test; and what only QEMU's controller does here: features, log pages and an
// asynchronous event raised by a temperature threshold.
import type { AsyncEvent } from "@nvmekit/core";
import { FeatureId, LogPageId } from "@nvmekit/core/nvme-spec";
import { firstValueFrom, timeout } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { commandsScenario } from "../../scenarios/commands.js";
import { attachVfio, dmarFaults, releaseControllers } from "./rig.js";

commandsScenario(test, { attach: attachVfio, afterDetach: () => assert.equal(dmarFaults(), []) });

test("features, log pages and a temperature-threshold asynchronous event", async () => {
  const { driver, ctrlr } = await attachVfio();
  const smart = await ctrlr.getLogPage(LogPageId.SmartHealth, 0xffffffff, 512);
  const kelvin = smart[1]! | (smart[2]! << 8);
  assert.ok(kelvin > 250 && kelvin < 400, `composite temperature ${kelvin} K`);
  await ctrlr.getLogPage(LogPageId.ErrorInformation, 0xffffffff, 64);
  const fw = await ctrlr.getLogPage(LogPageId.FirmwareSlot, 0xffffffff, 512);
  assert.ok(fw[0]! & 0x7, "an active firmware slot");
  const queues = await ctrlr.getFeature(FeatureId.NumberOfQueues);
  assert.ok((queues & 0xffff) + 1 >= ctrlr.options.numIoQueues);
  const event = firstValueFrom(ctrlr.aer$.pipe(timeout(5000)));
  // An over-temperature threshold below the current temperature raises a SMART/health event.
  await ctrlr.setFeature(FeatureId.TemperatureThreshold, kelvin - 10);
  const e: AsyncEvent = await event;
  assert.equal(e.type, 1, "SMART / health status");
  assert.equal(e.logPageId, LogPageId.SmartHealth);
  await ctrlr.getLogPage(LogPageId.SmartHealth, 0xffffffff, 512);
  await ctrlr.setFeature(FeatureId.TemperatureThreshold, 0xffff);
  await driver.detach(ctrlr);
});

test.after.each(releaseControllers);
test.run();
