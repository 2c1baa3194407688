/**
 * `nvmekit write --ns N --lba START --count BLOCKS [--data FILE]`: writes blocks from a file or stdin
 * (nvme-cli's `write`, with the count not 0-based).
 * @module
 */
import type { Command } from "commander";
import { transferBlocks } from "../io/block-transfer.js";
import { readInput } from "../io/data-stream.js";
import { checkRange, type RangeFlags, rangeOptions, withNamespaceQueue } from "../io/namespace-queue.js";
import { notice } from "../runtime/output.js";

/** Registers `write`. */
export function registerWrite(program: Command): void {
  rangeOptions(program.command("write").description("write logical blocks from --data FILE or stdin"))
    .option("-d, --data <file>", "the data (default: stdin); shorter input is padded with zeroes")
    .action((flags: RangeFlags & { data?: string }) =>
      withNamespaceQueue(flags, async (target) => {
        checkRange(target.ns, flags.lba, flags.count);
        const data = await readInput(flags.data, flags.count * target.ns.extendedBlockSize);
        await transferBlocks(target, "write", flags.lba, flags.count, data);
        notice(`wrote ${flags.count} blocks at LBA ${flags.lba} of namespace ${target.ns.id}`);
      }),
    );
}
