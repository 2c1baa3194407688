// The workers scenario (../../scenarios/workers.ts) on the software controller behind the PCI port.
import { test } from "uvu";
import { workersScenario } from "../../scenarios/workers.js";
import { attachSoft } from "./harness.js";

workersScenario(test, { attach: attachSoft }, { rounds: 40 });

test.run();
