/**
 * Flags several commands share, defined once: the transport ID (`-r`, as SPDK's tools), the
 * namespace (`-n/--ns`, as nvme-cli's `--namespace-id`) and `--json`.
 * @module
 */
import type { Command } from "commander";
import { integer } from "./numbers.js";

/** The shared flags' values as commander hands them over. */
export interface TargetFlags {
  /** `-r`: the transport ID, undefined for the embedded software controller. */
  trid?: string;
}

/** Adds `-r, --trid <TRID>`. */
export function tridOption(cmd: Command): Command {
  return cmd.option(
    "-r, --trid <TRID>",
    "transport ID, e.g. 'trtype:PCIe traddr:0000:01:00.0' (default: the built-in software controller)",
  );
}

/** Adds `-n, --ns <NSID>` (required, or with `fallback` as its default). */
export function nsOption(cmd: Command, fallback?: number): Command {
  const description = "namespace ID";
  return fallback === undefined
    ? cmd.option("-n, --ns <NSID>", description, integer(1, 0xfffffffe))
    : cmd.option("-n, --ns <NSID>", description, integer(1, 0xfffffffe), fallback);
}

/** Adds `--json`. */
export function jsonOption(cmd: Command): Command {
  return cmd.option("--json", "print JSON instead of text");
}
