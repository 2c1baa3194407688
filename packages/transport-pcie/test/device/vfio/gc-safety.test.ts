// rig-config: default
/**
 * No use-after-free: after close, views of DMA memory and of the BAR stay safe to touch (they no
 * longer reach the device), the function can be reopened at once, and the address ranges are
 * munmapped only once the views are garbage.
 *
 * View work happens in synchronous helpers: a suspended async function keeps its whole register
 * file, stale temporaries included, which would keep a view reachable and hide what is tested.
 */
import { StateError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mappingStats } from "../../../src/native/mapping.js";
import { VfioPciDevice } from "../../../src/vfio/vfio-pci-device.js";
import { asciiField, HandDriver } from "./nvme-by-hand.js";
import { bind, collectUntil, dmarFaults } from "./rig.js";

const address = bind("vfio");

interface Kept {
  bar: Uint32Array;
  buffers: Uint8Array[];
  iovaOf: (view: ArrayBufferView) => number;
  alloc: (size: number) => unknown;
}

/** Opens the function, maps BAR0 and two DMA regions, fills them; returns the views. */
function openAndFill(): { device: VfioPciDevice; kept: Kept } {
  const device = VfioPciDevice.open(address);
  const bar = device.bar(0)!.u32;
  assert.is(bar[2], 0x00010400);
  const buffers = [device.dma.alloc(4096).bytes, device.dma.alloc(3 * 1024 * 1024).bytes];
  for (const b of buffers) b.fill(0xa5);
  const dma = device.dma;
  return {
    device,
    kept: { bar, buffers, iovaOf: (v) => dma.iovaOf(v), alloc: (n) => dma.alloc(n) },
  };
}

/** Uses the views after close: no crash, fresh zero pages, nothing reaches the device. */
function touchAfterClose(kept: Kept): void {
  assert.is(kept.bar[2], 0, "BAR view now aliases anonymous memory");
  kept.bar[5] = 1; // a stale CC write goes nowhere
  for (const b of kept.buffers) {
    assert.is(b[0], 0);
    b[1] = 7;
    assert.is(b[1], 7);
  }
  assert.is(kept.iovaOf(kept.buffers[0]!), -1, "no IOVA after close");
  assert.throws(
    () => kept.alloc(64),
    (e: unknown) => e instanceof StateError,
  );
}

/** Opens the function, runs Identify, closes it. */
async function identifyOnce(): Promise<void> {
  const device = VfioPciDevice.open(address);
  const driver = new HandDriver(device);
  await driver.enable();
  assert.is(asciiField((await driver.identifyController()).bytes, 4, 24), "nvmekit-default");
  await driver.disable();
  await device.close();
}

test("views kept past close are harmless, and are unmapped once collected", async () => {
  const before = mappingStats();
  let opened: ReturnType<typeof openAndFill> | null = openAndFill();
  await opened.device.close();
  touchAfterClose(opened.kept);
  assert.is(mappingStats().retired - before.retired, 3, "BAR0 + two DMA regions retired");

  // Retiring the BAR released the device file: the function opens again at once.
  await identifyOnce();

  assert.is(mappingStats().unmapped, before.unmapped, "nothing unmapped while views are alive");
  opened = null;
  // Both devices' mappings (3, then BAR0 and one region) go once nothing views them.
  const freed = await collectUntil(() => mappingStats().unmapped >= before.unmapped + 5);
  assert.ok(freed, `unmapped after GC: ${JSON.stringify(mappingStats())} (before ${JSON.stringify(before)})`);
});

test("the vIOMMU reported no DMA fault", () => {
  assert.equal(dmarFaults(), []);
});

test.after(() => {
  bind("nvme", address);
});

test.run();
