// rig-config: shared-ns
// Namespace attachment on QEMU's controller in an NVM subsystem: detaching the shared namespace from
// this controller makes it inactive here, attaching it back makes it active with its data intact.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, randomFill, releaseControllers } from "./rig.js";

test("detach and re-attach namespace 1: inactive, then active again with its data", async () => {
  const { driver, ctrlr } = await attachVfio();
  assert.ok(ctrlr.activeNamespaceIds().includes(1));
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(4 * 512);
  randomFill(out.bytes, 5);
  await ctrlr.getNamespace(1)!.write(qp, out.bytes, 64, 4);
  await ctrlr.detachNamespace(1);
  assert.ok(!ctrlr.activeNamespaceIds().includes(1), "detached: no longer active on this controller");
  await ctrlr.attachNamespace(1);
  assert.ok(ctrlr.activeNamespaceIds().includes(1), "attached again");
  const back = ctrlr.allocBuffer(4 * 512);
  await ctrlr.getNamespace(1)!.read(qp, back.bytes, 64, 4);
  assert.equal(Buffer.compare(out.bytes, back.bytes), 0);
  await driver.detach(ctrlr);
});

test.after.each(releaseControllers);
test.run();
