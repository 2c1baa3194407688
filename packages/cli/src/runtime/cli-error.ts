/**
 * How the CLI ends: exit codes, the one-line message for every error a user can cause or fix, and
 * the stack trace kept only for errors nobody expected.
 * @module
 */
import { InvalidArgumentError, NvmeError, TransportIdError } from "@nvmekit/core";

/** Exit codes of `nvmekit`. */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** The device, the machine or the data said no (absent device, NVMe error, verify failure). */
  Failure: 1,
  /** The command line is wrong (unknown flag, bad number, malformed transport ID). */
  Usage: 2,
  /** A bug: an error nobody expected (printed with its stack). */
  Internal: 70,
} as const;

/** An error the CLI itself detected, with the fix in its message; no stack is shown. */
export class CliError extends Error {
  /**
   * @param message what is wrong and how to fix it, one line
   * @param exitCode the process's exit code
   */
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failure,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A bad value on the command line. */
export class UsageError extends CliError {
  /** @param message what is wrong and what to give instead */
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = "UsageError";
  }
}

/** Several lines (a reason listing shell commands) as one: `cmd1; cmd2`. */
export function oneLine(text: string): string {
  return text
    .trim()
    .replace(/:\s*\n\s*/g, ": ")
    .replace(/\s*\n\s*/g, "; ");
}

/** What to print for an error and how to exit: a one-line message, or a stack for the unexpected. */
export interface ErrorReport {
  /** The text for stderr. */
  text: string;
  /** The process's exit code. */
  exitCode: number;
}

// Errors from the file system (a --data file that is missing or unreadable) carry these.
interface SystemError extends Error {
  code: string;
  syscall: string;
  path?: string;
}

function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as SystemError).code === "string" && "syscall" in e;
}

/** The report for `e`: user errors in one line, anything else with its stack. */
export function reportError(e: unknown): ErrorReport {
  if (e instanceof CliError) return { text: oneLine(e.message), exitCode: e.exitCode };
  if (e instanceof TransportIdError) {
    return {
      text: `${e.message}; write it as -r 'trtype:PCIe traddr:0000:01:00.0' (see \`nvmekit list\`)`,
      exitCode: ExitCode.Usage,
    };
  }
  if (e instanceof InvalidArgumentError) return { text: oneLine(e.message), exitCode: ExitCode.Usage };
  if (e instanceof NvmeError) return { text: oneLine(e.message), exitCode: ExitCode.Failure };
  if (isSystemError(e)) {
    const where = e.path === undefined ? e.syscall : `${e.path}`;
    return { text: `${where}: ${e.code} (${e.message})`, exitCode: ExitCode.Failure };
  }
  const stack = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return { text: `internal error, please report it:\n${stack}`, exitCode: ExitCode.Internal };
}
