/**
 * `nvmekit discover -r TRID [--json]`: reads a fabric discovery service's log (the discovery
 * controller at the transport ID's address; no subsystem NQN needed) and prints it as
 * `nvme discover` does.
 * @module
 */
import type { Command } from "commander";
import { discoveryLogJson, discoveryLogText } from "../format/discovery-log.js";
import { jsonOption } from "../options/common.js";
import { CliError } from "../runtime/cli-error.js";
import { print, printJson } from "../runtime/output.js";
import { withController } from "../runtime/session.js";

interface DiscoverFlags {
  trid: string;
  json?: boolean;
}

/** Registers `discover`. */
export function registerDiscover(program: Command): void {
  const cmd = program
    .command("discover")
    .description("read a fabric discovery service's log (like nvme discover)")
    .requiredOption(
      "-r, --trid <TRID>",
      "the discovery service, e.g. 'trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:8009'",
    );
  jsonOption(cmd).action((flags: DiscoverFlags) =>
    withController(
      flags.trid,
      async ({ ctrlr }) => {
        if (!ctrlr.isDiscovery) {
          throw new CliError(
            `${flags.trid} is not a discovery controller: give a fabric address without subnqn (or subnqn:nqn.2014-08.org.nvmexpress.discovery)`,
          );
        }
        const log = await ctrlr.getDiscoveryLog();
        if (flags.json) printJson(discoveryLogJson(log));
        else for (const line of discoveryLogText(log)) print(line);
      },
      { keepAliveTimeoutMs: 0 },
    ),
  );
}
