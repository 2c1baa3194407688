/**
 * `nvmekit flush --ns N`: commits the volatile write cache of a namespace (nvme-cli's `flush`).
 * @module
 */
import type { Command } from "commander";
import { type NamespaceFlags, namespaceOptions, withNamespaceQueue } from "../io/namespace-queue.js";
import { notice } from "../runtime/output.js";

/** Registers `flush`. */
export function registerFlush(program: Command): void {
  namespaceOptions(program.command("flush").description("flush the volatile write cache")).action(
    (flags: NamespaceFlags) =>
      withNamespaceQueue(flags, async ({ ns, qp }) => {
        await ns.flush(qp);
        notice(`flushed namespace ${ns.id}`);
      }),
  );
}
