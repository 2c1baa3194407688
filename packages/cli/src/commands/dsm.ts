/**
 * `nvmekit dsm --deallocate --lba START --count BLOCKS`: Dataset Management over one range, with
 * nvme-cli's attribute flags (`--deallocate`/`--ad`, `--idr`, `--idw`).
 * @module
 */
import { DsmAttribute } from "@nvmekit/core/nvme-spec";
import type { Command } from "commander";
import { checkRange, type RangeFlags, rangeOptions, withNamespaceQueue } from "../io/namespace-queue.js";
import { UsageError } from "../runtime/cli-error.js";
import { notice } from "../runtime/output.js";

interface DsmFlags extends RangeFlags {
  deallocate?: boolean;
  idr?: boolean;
  idw?: boolean;
}

/** The attributes the flags ask for. */
function attributesOf(flags: DsmFlags): number {
  const attributes =
    (flags.deallocate ? DsmAttribute.Deallocate : 0) |
    (flags.idr ? DsmAttribute.IntegralDatasetForRead : 0) |
    (flags.idw ? DsmAttribute.IntegralDatasetForWrite : 0);
  if (attributes === 0) throw new UsageError("dsm: give at least one of --deallocate, --idr, --idw");
  return attributes;
}

/** Registers `dsm`. */
export function registerDsm(program: Command): void {
  rangeOptions(program.command("dsm").description("Dataset Management (deallocate/trim) over a range"))
    .option("-d, --deallocate", "deallocate the blocks (trim)")
    .option("--idr", "attribute: integral dataset for read")
    .option("--idw", "attribute: integral dataset for write")
    .action((flags: DsmFlags) => {
      const attributes = attributesOf(flags);
      return withNamespaceQueue(flags, async ({ ns, qp }) => {
        checkRange(ns, flags.lba, flags.count);
        await ns.datasetManagement(qp, attributes, [{ lba: flags.lba, count: flags.count }]);
        notice(`dsm: ${flags.count} blocks at LBA ${flags.lba} of namespace ${ns.id} done`);
      });
    });
}
