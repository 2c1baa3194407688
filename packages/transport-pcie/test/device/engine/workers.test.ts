// rig-config: default
// The workers scenario (../../scenarios/workers.ts) on QEMU's controller through VFIO: the workers view
// the rings, BAR0 and their DMA memory by address; no test may cause a DMAR fault.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { workersScenario } from "../../scenarios/workers.js";
import { attachVfio, dmarFaults, releaseControllers } from "./rig.js";

workersScenario(test, { attach: attachVfio, afterDetach: () => assert.equal(dmarFaults(), []) });

test.after.each(releaseControllers);
test.run();
