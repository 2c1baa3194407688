// rig-config: cmb
// Submission queues placed in the controller memory buffer carry I/O like ordinary ones.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "./rig.js";

test("with useCmbSqs the I/O submission queue lives in the CMB and I/O works", async () => {
  const { driver, ctrlr } = await attachVfio({ useCmbSqs: true });
  assert.equal(ctrlr.options.useCmbSqs, true, "the controller offers a CMB that holds SQs");
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const out = ctrlr.allocBuffer(16 * 512);
  const back = ctrlr.allocBuffer(16 * 512);
  randomFill(out.bytes, 21);
  await ns.write(qp, out.bytes, 5, 16);
  await ns.read(qp, back.bytes, 5, 16);
  assert.equal(Buffer.compare(out.bytes, back.bytes), 0);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
