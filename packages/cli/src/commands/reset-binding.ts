/**
 * `nvmekit reset-binding [BDF...]`: gives NVMe functions on vfio-pci (all, or those named) back to
 * the kernel's nvme driver, with the PCIe transport's kernel bind commands (SPDK's `setup.sh reset`).
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../runtime/cli-error.js";
import { notice, print } from "../runtime/output.js";
import { nvmeFunctions, roots, runCommands, toKernelCommands } from "../setup/bindings.js";

/** Registers `reset-binding`. */
export function registerResetBinding(program: Command): void {
  program
    .command("reset-binding")
    .description("give NVMe functions on vfio-pci back to the kernel's nvme driver (as root)")
    .argument("[BDF...]", "PCI addresses (default: every NVMe function on vfio-pci)")
    .option("--dry-run", "print the commands, change nothing")
    .action((addresses: string[], flags: { dryRun?: boolean }) => {
      const { sysfsRoot } = roots();
      const commands: string[] = [];
      for (const fn of nvmeFunctions(sysfsRoot, addresses)) {
        const back = toKernelCommands(fn);
        notice(
          back.length > 0
            ? `${fn.address}: vfio-pci -> nvme`
            : `${fn.address}: on ${fn.driver ?? "no driver"}, left as is`,
        );
        commands.push(...back);
      }
      const root = (process.getuid?.() ?? 0) === 0;
      if (flags.dryRun || !root || commands.length === 0) {
        print(
          commands.length === 0
            ? "nothing to change"
            : `${root ? "would run" : "as root, run"}:\n  ${commands.join("\n  ")}`,
        );
        if (!root && !flags.dryRun && commands.length > 0) {
          throw new CliError(
            "reset-binding changes driver bindings: run it as root (sudo nvmekit reset-binding)",
          );
        }
        return;
      }
      runCommands(commands);
    });
}
