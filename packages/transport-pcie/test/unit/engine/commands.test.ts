// The commands scenario (../../scenarios/commands.ts) on the software controller behind the PCI port.
import { test } from "uvu";
import { commandsScenario } from "../../scenarios/commands.js";
import { attachSoft } from "./harness.js";

commandsScenario(test, { attach: attachSoft });

test.run();
