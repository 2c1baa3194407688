/**
 * Run by nonroot.test as an unprivileged user: opens the function, runs Identify through DMA
 * memory, and prints one JSON line with the outcome (or the error) for the parent to check.
 * @module
 */
import { getuid } from "../../../src/native/libc.js";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { asciiField, HandDriver } from "./nvme-by-hand.js";

const address = process.argv[2]!;
try {
  const device = VfioPciDevice.open(address);
  try {
    const driver = new HandDriver(device);
    await driver.enable();
    const serial = asciiField((await driver.identifyController()).bytes, 4, 24);
    await driver.disable();
    console.log(JSON.stringify({ uid: getuid(), serial }));
  } finally {
    await device.close();
  }
} catch (error) {
  console.log(JSON.stringify({ uid: getuid(), error: String((error as Error).message) }));
}
