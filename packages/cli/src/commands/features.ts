/**
 * `nvmekit features [-r TRID] get FEATURE [--cdw11 N] [--json]` and `features set FEATURE VALUE`:
 * Get and Set Features by name or identifier (nvme-cli's get-feature / set-feature), dword-valued
 * features only.
 * @module
 */
import type { Command } from "commander";
import { decodeFeature, featureId, featureName } from "../format/features.js";
import { jsonOption, type TargetFlags, tridOption } from "../options/common.js";
import { integer } from "../options/numbers.js";
import { print, printJson } from "../runtime/output.js";
import { withController } from "../runtime/session.js";

const hex32 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** Registers `features get` and `features set`. */
export function registerFeatures(program: Command): void {
  const features = program.command("features").description("Get or Set Features by name or identifier");
  const get = features
    .command("get")
    .description("read a feature's current value (nvme get-feature)")
    .argument("<feature>", "name (e.g. number-of-queues) or identifier (e.g. 7 or 0x07)")
    .option(
      "--cdw11 <value>",
      "command dword 11, for features that select with it",
      integer(0, 0xffffffff),
      0,
    );
  jsonOption(tridOption(get)).action(
    (feature: string, flags: TargetFlags & { cdw11: number; json?: boolean }) => {
      const fid = featureId(feature);
      return withController(flags.trid, async ({ ctrlr }) => {
        const value = (await ctrlr.getFeature(fid, flags.cdw11)) >>> 0;
        const decoded = decodeFeature(fid, value);
        if (flags.json)
          printJson({ fid, name: featureName(fid), value, ...(decoded === undefined ? {} : { decoded }) });
        else {
          print(
            `get-feature:0x${fid.toString(16).padStart(2, "0")} (${featureName(fid)}), Current value:${hex32(value)}`,
          );
          if (decoded !== undefined) print(`  ${JSON.stringify(decoded)}`);
        }
      });
    },
  );
  tridOption(
    features
      .command("set")
      .description("set a feature's value (nvme set-feature)")
      .argument("<feature>", "name (e.g. volatile-write-cache) or identifier")
      .argument("<value>", "command dword 11 (e.g. 1 or 0x1)", integer(0, 0xffffffff)),
  ).action((feature: string, value: number, flags: TargetFlags) => {
    const fid = featureId(feature);
    return withController(flags.trid, async ({ ctrlr }) => {
      const dw0 = (await ctrlr.setFeature(fid, value)) >>> 0;
      print(
        `set-feature:0x${fid.toString(16).padStart(2, "0")} (${featureName(fid)}), value:${hex32(value)}, cdw0:${hex32(dw0)}`,
      );
    });
  });
}
