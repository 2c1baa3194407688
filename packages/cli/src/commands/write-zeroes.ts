/**
 * `nvmekit write-zeroes --ns N --lba START --count BLOCKS`: the Write Zeroes command, in pieces of
 * at most 65536 blocks (its NLB field's limit).
 * @module
 */
import type { Command } from "commander";
import { checkRange, type RangeFlags, rangeOptions, withNamespaceQueue } from "../io/namespace-queue.js";
import { notice } from "../runtime/output.js";

// NLB is a 16-bit, 0-based field.
const MAX_BLOCKS = 0x10000;

/** Registers `write-zeroes`. */
export function registerWriteZeroes(program: Command): void {
  rangeOptions(program.command("write-zeroes").description("set logical blocks to zeroes")).action(
    (flags: RangeFlags) =>
      withNamespaceQueue(flags, async ({ ns, qp }) => {
        checkRange(ns, flags.lba, flags.count);
        for (let done = 0; done < flags.count; done += MAX_BLOCKS) {
          await ns.writeZeroes(qp, flags.lba + done, Math.min(MAX_BLOCKS, flags.count - done));
        }
        notice(`zeroed ${flags.count} blocks at LBA ${flags.lba} of namespace ${ns.id}`);
      }),
  );
}
