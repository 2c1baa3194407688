/**
 * `nvmekit format [-r TRID] --ns N --lbaf K [--ses S] [--force]`: Format NVM with LBA format K (nvme-cli's
 * `format`). It erases the namespace, so a real device needs `--force`; the built-in controller's
 * memory does not outlive the command anyway.
 * @module
 */
import type { Command } from "commander";
import { formatBytes } from "../format/units.js";
import { nsOption, type TargetFlags, tridOption } from "../options/common.js";
import { integer } from "../options/numbers.js";
import { UsageError } from "../runtime/cli-error.js";
import { notice } from "../runtime/output.js";
import { activeNamespace, withController } from "../runtime/session.js";

interface FormatFlags extends TargetFlags {
  ns: number;
  lbaf: number;
  ses: number;
  force?: boolean;
}

/** Registers `format`. */
export function registerFormat(program: Command): void {
  const cmd = program
    .command("format")
    .description("Format NVM: erase a namespace and give it LBA format --lbaf (see identify --ns)")
    .requiredOption("-l, --lbaf <index>", "LBA format index", integer(0, 63))
    .option("-s, --ses <value>", "secure erase: 0 none, 1 user data, 2 cryptographic", integer(0, 7), 0)
    .option("--force", "format a real device without asking (it erases the namespace)");
  nsOption(tridOption(cmd), 1).action((flags: FormatFlags) => {
    if (flags.trid !== undefined && !flags.force) {
      throw new UsageError(`format erases namespace ${flags.ns} of ${flags.trid}: add --force to do it`);
    }
    return withController(flags.trid, async ({ ctrlr }) => {
      const ns = activeNamespace(ctrlr, flags.ns);
      const formats = ns.data.lbaf;
      if (flags.lbaf >= formats.length || formats[flags.lbaf]!.lbads === 0) {
        throw new UsageError(
          `--lbaf ${flags.lbaf}: namespace ${ns.id} offers LBA formats 0 to ${formats.length - 1}`,
        );
      }
      await ctrlr.format(ns.id, { lbaf: flags.lbaf, ses: flags.ses });
      const now = ctrlr.getNamespace(ns.id)!;
      notice(
        `formatted namespace ${ns.id}: LBA format ${flags.lbaf}, ${now.numSectors} blocks of ` +
          `${formatBytes(now.sectorSize)} + ${now.metadataSize} B`,
      );
    });
  });
}
