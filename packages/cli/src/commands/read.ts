/**
 * `nvmekit read --ns N --lba START --count BLOCKS [--data FILE]`: reads blocks to a file or stdout
 * (nvme-cli's `read`, with the count not 0-based).
 * @module
 */
import type { Command } from "commander";
import { transferBlocks } from "../io/block-transfer.js";
import { writeOutput } from "../io/data-stream.js";
import { checkRange, type RangeFlags, rangeOptions, withNamespaceQueue } from "../io/namespace-queue.js";

/** Registers `read`. */
export function registerRead(program: Command): void {
  rangeOptions(program.command("read").description("read logical blocks to --data FILE or stdout"))
    .option("-d, --data <file>", "where the data goes (default: stdout)")
    .action((flags: RangeFlags & { data?: string }) =>
      withNamespaceQueue(flags, async (target) => {
        checkRange(target.ns, flags.lba, flags.count);
        const data = new Uint8Array(flags.count * target.ns.extendedBlockSize);
        await transferBlocks(target, "read", flags.lba, flags.count, data);
        writeOutput(flags.data, data);
      }),
    );
}
