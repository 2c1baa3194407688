// rig-config: hot-remove
// Removing the controller through QMP (device_del) fails every outstanding command with an error
// status, fires the remove callback, and leaves the controller refusing new I/O.
import { execFileSync } from "node:child_process";
import { ControllerState } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bind, makeDriver, releaseControllers } from "./rig.js";

test("hot removal completes every outstanding command (success or error) and the remove event fires once", async () => {
  const bdf = bind("vfio");
  const driver = makeDriver();
  let removed = 0;
  await driver.probe(`trtype:PCIe traddr:${bdf}`, { remove: () => removed++ });
  const ctrlr = driver.controllers[0]!;
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const statuses: number[] = [];
  const submitted = 8;
  for (let i = 0; i < submitted; i++)
    ns.cmdRead(qp, buf.bytes, i, 1, (_a: null, cpl: Completion) => statuses.push(cpl.status), null);
  execFileSync("sh", ["test/rig/guest/qmp.sh", '{"execute":"device_del","arguments":{"id":"nvme0"}}']);
  const deadline = Date.now() + 20_000;
  while (ctrlr.state !== ControllerState.Removed && Date.now() < deadline) {
    qp.processCompletions();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(ctrlr.state, ControllerState.Removed);
  assert.equal(removed, 1, "remove callback fired once");
  assert.equal(
    statuses.length,
    submitted,
    "every command completed (some may have succeeded before removal)",
  );
  assert.throws(() => ns.cmdRead(qp, buf.bytes, 0, 1, null, null), /removed|closed/);
  await driver.detach(ctrlr);
});

test.after.each(releaseControllers);
test.run();
