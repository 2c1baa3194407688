// rig-config: small-mdts
// With MDTS 2 (16 KiB), large transfers are split into children that the controller accepts, and the
// data still lands where it belongs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "./rig.js";

test("writes larger than MDTS are split and read back byte-exact", async () => {
  const { driver, ctrlr } = await attachVfio();
  assert.equal(ctrlr.maxTransferSize, 16 * 1024);
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const blocks = 300; // 150 KiB: ten children, the last one short
  const out = ctrlr.allocBuffer(blocks * 512);
  const back = ctrlr.allocBuffer(blocks * 512);
  randomFill(out.bytes, 11);
  await ns.write(qp, out.bytes, 1001, blocks);
  await ns.read(qp, back.bytes, 1001, blocks);
  assert.equal(Buffer.compare(out.bytes, back.bytes), 0);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
