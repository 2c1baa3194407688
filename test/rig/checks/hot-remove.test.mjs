// rig-config: hot-remove
/**
 * A test can hot-remove the NVMe controller through QMP (guest/qmp.sh): after device_del the PCI
 * function disappears from the guest and QEMU reports DEVICE_DELETED.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

const guestDir = fileURLToPath(new URL("../guest/", import.meta.url));
const bdf = "0000:01:00.0";

test("device_del through QMP removes the controller from the guest", async () => {
  assert.is(execFileSync("sh", [`${guestDir}nvme-bind.sh`, "nvme"], { encoding: "utf8" }).trim(), bdf);
  const answer = execFileSync(
    "sh",
    [`${guestDir}qmp.sh`, '{"execute":"device_del","arguments":{"id":"nvme0"}}'],
    {
      encoding: "utf8",
    },
  );
  assert.match(answer, /"return"/);
  // pciehp powers the slot off after its 5 s attention-button grace period.
  for (let i = 0; i < 150 && existsSync(`/sys/bus/pci/devices/${bdf}`); i++) await sleep(100);
  assert.not.ok(existsSync(`/sys/bus/pci/devices/${bdf}`), "the function is gone");
  assert.not.ok(existsSync("/dev/nvme0"), "the kernel controller is gone");
  // QEMU reports the deletion once the guest has let go of the device.
  const deleted = /"DEVICE_DELETED".*"device": *"nvme0"/;
  const events = () => (existsSync("/run/rig/qmp/events") ? readFileSync("/run/rig/qmp/events", "utf8") : "");
  for (let i = 0; i < 50 && !deleted.test(events()); i++) await sleep(100);
  assert.match(events(), deleted);
});

test.run();
