// rig-config: small-mdts
// With MDTS 2 (16 KiB), large transfers are split into children that the controller accepts, and the
// data still lands where it belongs: the split-transfer test of the commands scenario
// (../../scenarios/commands.ts), at this controller's MDTS.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { splitTransfersScenario } from "../../scenarios/commands.js";
import { attachVfio, dmarFaults, releaseControllers } from "./rig.js";

splitTransfersScenario(
  test,
  { attach: attachVfio, afterDetach: () => assert.equal(dmarFaults(), []) },
  { lba: 1001, blocks: 300, maxTransferSize: 16 * 1024 }, // 150 KiB: ten children, the last one short
);

test.after.each(releaseControllers);
test.run();
