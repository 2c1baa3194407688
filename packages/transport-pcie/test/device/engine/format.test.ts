// rig-config: default
// Format NVM on QEMU's controller: the namespace comes back with the LBA format asked for, the core
// re-reads its geometry, and I/O works in the new block size. The namespace is formatted back to the
// format it had, so that later suites in the same guest find it as the configuration describes it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "./rig.js";

test("format namespace 2 from 4096-byte to 512-byte blocks, do I/O in the new size, and format it back", async () => {
  const { driver, ctrlr } = await attachVfio();
  const ns = ctrlr.getNamespace(2)!;
  assert.equal(ns.sectorSize, 4096);
  const original = ns.data.formattedLbaIndex;
  const lbaf = ns.data.lbaf.findIndex((f) => f.lbads === 9 && f.ms === 0);
  assert.ok(lbaf >= 0, "the namespace offers a 512-byte format without metadata");
  await ctrlr.format(2, { lbaf });
  assert.equal(ns.data.formattedLbaIndex, lbaf);
  assert.equal(ns.sectorSize, 512, "the same Namespace object sees the new geometry");
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(8 * 512);
  const back = ctrlr.allocBuffer(8 * 512);
  randomFill(out.bytes, 77);
  await ns.write(qp, out.bytes, 1001, 8);
  await ns.read(qp, back.bytes, 1001, 8);
  assert.equal(Buffer.compare(out.bytes, back.bytes), 0);
  await ctrlr.format(2, { lbaf: original });
  assert.equal([ns.data.formattedLbaIndex, ns.sectorSize], [original, 4096], "as it was found");
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
