/**
 * The entry point `bin/nvmekit.js` calls: runs the program and turns whatever ended it into a
 * message and an exit code ({@link ExitCode}).
 * @module
 */
import { CommanderError } from "commander";
import { buildProgram } from "./program.js";
import { ExitCode, reportError } from "./runtime/cli-error.js";

/** Runs `nvmekit` with `argv` (as process.argv) and resolves with the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander printed its message already; help and --version end with code 0.
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const report = reportError(e);
    process.stderr.write(`nvmekit: ${report.text}\n`);
    return report.exitCode;
  }
}
