/**
 * `nvmekit compare --ns N --lba START --count BLOCKS [--data FILE]`: the NVM Compare command against
 * a file or stdin; a difference ends with the Compare Failure status and exit code 1.
 * @module
 */
import type { Command } from "commander";
import { transferBlocks } from "../io/block-transfer.js";
import { readInput } from "../io/data-stream.js";
import { checkRange, type RangeFlags, rangeOptions, withNamespaceQueue } from "../io/namespace-queue.js";
import { notice } from "../runtime/output.js";

/** Registers `compare`. */
export function registerCompare(program: Command): void {
  rangeOptions(program.command("compare").description("compare logical blocks with --data FILE or stdin"))
    .option("-d, --data <file>", "the expected data (default: stdin); shorter input is padded with zeroes")
    .action((flags: RangeFlags & { data?: string }) =>
      withNamespaceQueue(flags, async (target) => {
        checkRange(target.ns, flags.lba, flags.count);
        const data = await readInput(flags.data, flags.count * target.ns.extendedBlockSize);
        await transferBlocks(target, "compare", flags.lba, flags.count, data);
        notice(`compare: ${flags.count} blocks at LBA ${flags.lba} match`);
      }),
    );
}
