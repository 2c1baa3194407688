/**
 * Moving a block range that may be larger than one command: pieces of at most the namespace's
 * largest transfer, through one DMA buffer, in order.
 * @module
 */
import type { Namespace, QueuePair } from "@nvmekit/core";
import type { IoTarget } from "./namespace-queue.js";

/** The NVM commands that move data, as the Promise face names them. */
export type DataCommand = "read" | "write" | "compare";

/**
 * Runs `command` over blocks `lba` .. `lba + count - 1`, with `data` holding (for write and
 * compare) or receiving (for read) their bytes.
 */
export async function transferBlocks(
  { ctrlr, ns, qp }: IoTarget,
  command: DataCommand,
  lba: number,
  count: number,
  data: Uint8Array,
): Promise<void> {
  const block = ns.extendedBlockSize;
  const perCommand = Math.max(1, Math.min(count, ns.maxBlocksPerIo));
  const buffer = ctrlr.allocBuffer(perCommand * block);
  try {
    for (let done = 0; done < count; done += perCommand) {
      const n = Math.min(perCommand, count - done);
      const view = buffer.bytes.subarray(0, n * block);
      const bytes = data.subarray(done * block, (done + n) * block);
      if (command !== "read") view.set(bytes);
      await run(ns, qp, command, view, lba + done, n);
      if (command === "read") bytes.set(view);
    }
  } finally {
    ctrlr.freeBuffer(buffer);
  }
}

function run(ns: Namespace, qp: QueuePair, command: DataCommand, view: Uint8Array, lba: number, n: number) {
  if (command === "read") return ns.read(qp, view, lba, n);
  if (command === "write") return ns.write(qp, view, lba, n);
  return ns.compare(qp, view, lba, n);
}
