#!/usr/bin/env node
// The `nvmekit` command: the compiled CLI in ../dist (build with `pnpm exec tsc -b`). Polling commands
// start again in a Node.js with the V8 flags they need (dist/src/runtime/polling-runtime.js).
import { pollingRerunArgs, rerun } from "../dist/src/runtime/polling-runtime.js";

const rerunArgs = pollingRerunArgs(process.argv, process.execArgv);
if (rerunArgs !== null) process.exitCode = await rerun(rerunArgs);
else {
  const { run } = await import("../dist/src/main.js");
  process.exitCode = await run(process.argv);
}
