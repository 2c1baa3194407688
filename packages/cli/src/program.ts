/**
 * The `nvmekit` command line: commander's program with every command registered, errors routed
 * through {@link reportError} instead of commander's own exit.
 * @module
 */
import { Command } from "commander";
import { registerCompare } from "./commands/compare.js";
import { registerDiscover } from "./commands/discover.js";
import { registerDsm } from "./commands/dsm.js";
import { registerFeatures } from "./commands/features.js";
import { registerFlush } from "./commands/flush.js";
import { registerFormat } from "./commands/format.js";
import { registerIdentify } from "./commands/identify.js";
import { registerList } from "./commands/list.js";
import { registerLog } from "./commands/log.js";
import { registerPerf } from "./commands/perf.js";
import { registerRead } from "./commands/read.js";
import { registerResetBinding } from "./commands/reset-binding.js";
import { registerSetup } from "./commands/setup.js";
import { registerTarget } from "./commands/target.js";
import { registerWrite } from "./commands/write.js";
import { registerWriteZeroes } from "./commands/write-zeroes.js";
import { registerZns } from "./commands/zns.js";
import { SOFT_DIR_ENV } from "./runtime/soft-default.js";

/** Builds the program; commander throws instead of exiting (see {@link run}). */
export function buildProgram(): Command {
  const program = new Command("nvmekit")
    .description(
      "Userspace NVMe from Node.js: controllers through VFIO, or the built-in software controller " +
        "when no -r is given.",
    )
    .version("0.1.0")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      // One line per error, prefixed like every other error the CLI prints.
      outputError: (text, write) =>
        write(
          `nvmekit: ${text
            .replace(/^error: /, "")
            .replace(/\s*\n\s*/g, " ")
            .trim()}\n`,
        ),
    })
    .addHelpText(
      "after",
      `\nWithout -r, commands use a software NVMe controller started in this process: namespaces 1 and 2,\n` +
        `and 3, which is zoned (nvmekit zns). Its data lives in memory (set ${SOFT_DIR_ENV}=DIR to keep it,\n` +
        `and the zone states, in files from one command to the next). Transport IDs are SPDK's:\n` +
        `  -r 'trtype:PCIe traddr:0000:01:00.0'`,
    );
  for (const register of [
    registerList,
    registerDiscover,
    registerIdentify,
    registerPerf,
    registerRead,
    registerWrite,
    registerCompare,
    registerFlush,
    registerDsm,
    registerWriteZeroes,
    registerZns,
    registerLog,
    registerFeatures,
    registerFormat,
    registerSetup,
    registerResetBinding,
    registerTarget,
  ])
    register(program);
  return program;
}
