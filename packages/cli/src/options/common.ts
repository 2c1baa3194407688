/**
 * Flags several commands share, defined once: the transport ID (`-r`, as SPDK's tools), the
 * namespace (`-n/--ns`, as nvme-cli's `--namespace-id`), `--json` and nvme-cli's `-o json`.
 * @module
 */
import type { Command } from "commander";
import { integer, oneOf } from "./numbers.js";

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

/** Adds `-n, --ns <NSID>` (optional, or with `fallback` as its default). */
export function nsOption(cmd: Command, fallback?: number, description = "namespace ID"): Command {
  return fallback === undefined
    ? cmd.option("-n, --ns <NSID>", description, integer(1, 0xfffffffe))
    : cmd.option("-n, --ns <NSID>", description, integer(1, 0xfffffffe), fallback);
}

/** Adds `--json`. */
export function jsonOption(cmd: Command): Command {
  return cmd.option("--json", "print JSON instead of text");
}

/** The values of {@link outputFormatOption}'s flags. */
export interface OutputFormatFlags {
  /** `--json`. */
  json?: boolean;
  /** `-o, --output-format`. */
  outputFormat?: "normal" | "json";
}

/** Adds `--json` and nvme-cli's `-o, --output-format normal|json`, which say the same thing. */
export function outputFormatOption(cmd: Command): Command {
  return jsonOption(cmd).option(
    "-o, --output-format <format>",
    "normal or json (as nvme-cli; -o json is --json)",
    oneOf(["normal", "json"] as const),
  );
}

/** Whether {@link outputFormatOption}'s flags ask for JSON. */
export function wantsJson(flags: OutputFormatFlags): boolean {
  return flags.json === true || flags.outputFormat === "json";
}
