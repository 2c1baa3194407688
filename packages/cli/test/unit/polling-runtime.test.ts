// `nvmekit perf` starts again in a Node.js with the polling flags; other commands, and a perf that has
// them already, run where they are. The user's own Node.js flags survive the restart.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { POLLING_NODE_FLAGS, pollingRerunArgs } from "../../src/runtime/polling-runtime.js";

const BIN = "/x/bin/nvmekit.js";

test("perf without the flags: restarted with them, then the user's flags, then the command line", () => {
  const args = pollingRerunArgs(["node", BIN, "perf", "-q", "32"], ["--cpu-prof"]);
  assert.equal(args, [...POLLING_NODE_FLAGS, "--cpu-prof", BIN, "perf", "-q", "32"]);
});

test("perf with every flag, under the inspector, other commands, and no command run in this process", () => {
  assert.is(pollingRerunArgs(["node", BIN, "perf", "-t", "1"], [...POLLING_NODE_FLAGS]), null);
  assert.is(pollingRerunArgs(["node", BIN, "perf"], ["--inspect-brk=9230"]), null);
  assert.is(pollingRerunArgs(["node", BIN, "read", "perf"], []), null);
  assert.is(pollingRerunArgs(["node", BIN, "--help"], []), null);
  assert.is(pollingRerunArgs(["node", BIN], []), null);
});

test.run();
