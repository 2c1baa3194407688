// rig-config: media-error
// A blkdebug-injected media error surfaces as a typed NVMe error with its name, and the queue keeps
// working for the LBAs around it.
import { NvmeStatusError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, releaseControllers } from "./rig.js";

test("reading a bad LBA fails with Unrecovered Read Error; its neighbours read fine", async () => {
  const { driver, ctrlr } = await attachVfio({ transportRetryCount: 0 });
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  await ns.read(qp, buf.bytes, 999, 1);
  try {
    await ns.read(qp, buf.bytes, 1000, 1);
    assert.unreachable("bad LBA read succeeded");
  } catch (e) {
    assert.instance(e, NvmeStatusError);
    const s = e as NvmeStatusError;
    assert.equal([s.sct, s.sc, s.statusName], [2, 0x81, "Unrecovered Read Error"]);
  }
  await ns.read(qp, buf.bytes, 1002, 1);
  await driver.detach(ctrlr);
});

test.after.each(releaseControllers);
test.run();
