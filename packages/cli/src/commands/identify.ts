/**
 * `nvmekit identify [-r TRID] [--ns N] [--json]`: Identify Controller, or Identify Namespace with
 * `--ns`, readable or as nvme-cli's `id-ctrl -o json` / `id-ns -o json`.
 * @module
 */
import type { Command } from "commander";
import { idCtrlJson } from "../format/id-ctrl-json.js";
import { idNsJson } from "../format/id-ns-json.js";
import { idCtrlText, idNsText } from "../format/id-text.js";
import { jsonOption, nsOption, type TargetFlags, tridOption } from "../options/common.js";
import { print, printJson } from "../runtime/output.js";
import { activeNamespace, withController } from "../runtime/session.js";

interface IdentifyFlags extends TargetFlags {
  ns?: number;
  json?: boolean;
}

/** Registers `identify`. */
export function registerIdentify(program: Command): void {
  const cmd = program
    .command("identify")
    .description("Identify Controller, or Identify Namespace with --ns (like nvme id-ctrl / id-ns)");
  jsonOption(nsOption(tridOption(cmd))).action((flags: IdentifyFlags) =>
    withController(flags.trid, async ({ ctrlr }) => {
      if (flags.ns === undefined) {
        if (flags.json) printJson(idCtrlJson(ctrlr.data));
        else for (const line of idCtrlText(ctrlr)) print(line);
        return;
      }
      const ns = activeNamespace(ctrlr, flags.ns);
      if (flags.json) printJson(idNsJson(ns.data));
      else for (const line of idNsText(ns)) print(line);
    }),
  );
}
