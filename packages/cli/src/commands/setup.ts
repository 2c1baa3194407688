/**
 * `nvmekit setup [BDF...]`: what SPDK's setup.sh does for nvmekit: binds NVMe functions (all, or
 * those named) to vfio-pci, reserves hugepages, optionally gives the VFIO groups to a user, then
 * checks the IOMMU, vfio-pci, hugepages, /dev/vfio and the memlock limit and says exactly what is
 * still missing. `--dry-run` (or running without root) only prints the commands it would run.
 * @module
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { byteSize } from "../options/numbers.js";
import { CliError } from "../runtime/cli-error.js";
import { notice, print } from "../runtime/output.js";
import { mountedNamespaces, nvmeFunctions, roots, runCommands, toVfioCommands } from "../setup/bindings.js";
import { hostChecks, hugepageSize, hugepagesReserved } from "../setup/host-state.js";

interface SetupFlags {
  hugemem: number;
  user?: string;
  dryRun?: boolean;
}

/** The commands setup would run for `addresses`, with the functions it leaves alone and why. */
function plan(addresses: readonly string[], hugemem: number, sysfsRoot: string): string[] {
  const commands: string[] = [];
  for (const fn of nvmeFunctions(sysfsRoot, addresses)) {
    const mounted = mountedNamespaces(fn, sysfsRoot);
    if (mounted.length > 0) {
      notice(`${fn.address}: not binding, ${mounted.join(", ")} mounted (unmount first)`);
      continue;
    }
    if (fn.iommuGroup === null) {
      notice(`${fn.address}: not binding, it has no IOMMU group (see the IOMMU check below)`);
      continue;
    }
    const bind = toVfioCommands(fn, sysfsRoot).filter((c) => !commands.includes(c));
    notice(
      `${fn.address} (${fn.vendorId.toString(16)} ${fn.deviceId.toString(16)}): ${fn.driver ?? "no driver"} -> vfio-pci${bind.length === 0 ? " (already)" : ""}`,
    );
    commands.push(...bind);
  }
  const pages = Math.ceil(hugemem / hugepageSize());
  if (hugemem > 0 && hugepagesReserved() < pages) commands.push(`echo ${pages} > /proc/sys/vm/nr_hugepages`);
  return commands;
}

/** Gives every VFIO group file to `user` (as setup.sh does for $SUDO_USER). */
function giveGroups(user: string, devRoot: string): void {
  let ids: number[];
  try {
    ids = ["-u", "-g"].map((flag) => Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim()));
  } catch {
    throw new CliError(`--user ${user}: no such user`);
  }
  const dir = join(devRoot, "vfio");
  if (!existsSync(dir)) return;
  for (const g of readdirSync(dir).filter((f) => /^\d+$/.test(f))) chownSync(join(dir, g), ids[0]!, ids[1]!);
  notice(`/dev/vfio groups given to ${user}`);
}

/** Registers `setup`. */
export function registerSetup(program: Command): void {
  program
    .command("setup")
    .description("bind NVMe functions to vfio-pci, reserve hugepages, check IOMMU and permissions (as root)")
    .argument("[BDF...]", "PCI addresses of the functions to bind (default: every NVMe function)")
    .option(
      "--hugemem <size>",
      "hugepage memory to reserve, e.g. 1024m (0: leave as is)",
      byteSize(0, 2 ** 40),
      1024 * 1024 * 1024,
    )
    .option("--user <name>", "give the VFIO groups to this user (default: $SUDO_USER)")
    .option("--dry-run", "print the commands, change nothing")
    .action((addresses: string[], flags: SetupFlags) => {
      const { sysfsRoot, devRoot } = roots();
      const commands = plan(addresses, flags.hugemem, sysfsRoot);
      const root = (process.getuid?.() ?? 0) === 0;
      if (flags.dryRun || !root) {
        if (commands.length > 0) print(`${root ? "would run" : "as root, run"}:\n  ${commands.join("\n  ")}`);
        else print("nothing to change");
      } else {
        runCommands(commands);
        const user = flags.user ?? process.env.SUDO_USER;
        if (user !== undefined) giveGroups(user, devRoot);
      }
      const checks = hostChecks({ sysfsRoot, devRoot, hugemem: flags.hugemem });
      for (const c of checks)
        print(
          `${c.ok ? "ok  " : "MISSING"} ${c.name}: ${c.detail}${c.ok || !c.fix ? "" : `; fix: ${c.fix}`}`,
        );
      if (!root && !flags.dryRun && commands.length > 0) {
        throw new CliError(
          "setup changes driver bindings and kernel settings: run it as root (sudo nvmekit setup)",
        );
      }
      const missing = checks.filter((c) => !c.ok).map((c) => c.name);
      if (missing.length > 0 && !flags.dryRun)
        throw new CliError(`not ready for PCIe devices: ${missing.join(", ")} (see above)`);
    });
}
