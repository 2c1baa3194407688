/**
 * What every I/O command starts with: the controller (`-r` or the embedded one), the namespace
 * (`--ns`) and an I/O queue pair, released afterwards; and the range flags (`--lba`, `--count`)
 * checked against the namespace before anything is sent.
 * @module
 */
import type { Controller, Namespace, QueuePair } from "@nvmekit/core";
import type { Command } from "commander";
import { nsOption, type TargetFlags, tridOption } from "../options/common.js";
import { integer } from "../options/numbers.js";
import { UsageError } from "../runtime/cli-error.js";
import { activeNamespace, withController } from "../runtime/session.js";

/** The flags of a command on a namespace. */
export interface NamespaceFlags extends TargetFlags {
  /** `--ns`. */
  ns: number;
}

/** The flags of a command on a block range. */
export interface RangeFlags extends NamespaceFlags {
  /** `--lba`: first block. */
  lba: number;
  /** `--count`: number of blocks (not 0-based, unlike nvme-cli's --block-count). */
  count: number;
}

/** What an I/O command works with. */
export interface IoTarget {
  /** The controller. */
  ctrlr: Controller;
  /** The namespace. */
  ns: Namespace;
  /** An I/O queue pair for the command. */
  qp: QueuePair;
}

/** Adds `-r` and `--ns` (default 1) to an I/O command. */
export function namespaceOptions(cmd: Command): Command {
  return nsOption(tridOption(cmd), 1);
}

/** Adds `-r`, `--ns`, and the required `--lba` and `--count`. */
export function rangeOptions(cmd: Command): Command {
  return namespaceOptions(cmd)
    .requiredOption("-s, --lba <lba>", "first logical block", integer(0))
    .requiredOption("-c, --count <blocks>", "number of logical blocks (1 or more)", integer(1));
}

/** Rejects a range that does not fit the namespace, before any block is touched. */
export function checkRange(ns: Namespace, lba: number, count: number): void {
  if (lba + count > ns.numSectors) {
    throw new UsageError(
      `--lba ${lba} --count ${count} ends past namespace ${ns.id}, which has ${ns.numSectors} blocks ` +
        `(LBAs 0 to ${ns.numSectors - 1})`,
    );
  }
}

/** Attaches, picks the namespace `--ns` names, allocates a queue pair, runs `fn`, and releases it all. */
export function withNamespaceQueue<T>(
  flags: NamespaceFlags,
  fn: (target: IoTarget) => Promise<T>,
): Promise<T> {
  return withQueue(flags, (ctrlr) => activeNamespace(ctrlr, flags.ns), fn);
}

/**
 * Attaches the controller `flags.trid` names, picks the namespace with `pick` (which throws for a
 * wrong one, before any queue exists), allocates a queue pair, runs `fn`, and releases it all.
 */
export function withQueue<T>(
  flags: TargetFlags,
  pick: (ctrlr: Controller) => Namespace,
  fn: (target: IoTarget) => Promise<T>,
): Promise<T> {
  return withController(flags.trid, async ({ ctrlr }) => {
    const ns = pick(ctrlr);
    const qp = await ctrlr.allocIoQpair();
    try {
      return await fn({ ctrlr, ns, qp });
    } finally {
      await ctrlr.freeIoQpair(qp);
    }
  });
}
