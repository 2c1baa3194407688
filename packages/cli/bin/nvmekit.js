#!/usr/bin/env node
// The `nvmekit` command: the compiled CLI in ../dist (build with `pnpm exec tsc -b`).
import { run } from "../dist/src/main.js";

process.exitCode = await run(process.argv);
