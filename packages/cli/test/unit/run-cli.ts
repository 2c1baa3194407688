// Runs the real `nvmekit` (packages/cli/bin/nvmekit.js) as a child process, as a user would.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = new URL("../../../bin/nvmekit.js", import.meta.url).pathname;
const ROOT = new URL("../../../../../", import.meta.url).pathname;

/** What a run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stderr without the embedded-controller notice line. */
  errors: string[];
  /** stdout as bytes (for `read` to stdout). */
  bytes: Buffer;
}

/** The line every command prints when it uses the built-in controller. */
export const SOFT_NOTICE = /^no -r given: using the built-in software NVMe controller \(fffe:00:00\.0\)/;

/** Runs `nvmekit args...` with extra environment and optional stdin. */
export function nvmekit(args: string[], env: Record<string, string> = {}, input?: Buffer | string): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NVMEKIT_SOFT_DIR: "", ...env },
    input,
    timeout: 60_000,
  });
  const stderr = r.stderr.toString();
  return {
    code: r.status ?? -1,
    stdout: r.stdout.toString(),
    stderr,
    errors: stderr.split("\n").filter((l) => l !== "" && !SOFT_NOTICE.test(l)),
    bytes: r.stdout,
  };
}

/** Folders {@link tempDir} made, removed when the test process exits. */
const made: string[] = [];
process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `nvmekit-cli-${prefix}-`));
  made.push(dir);
  return dir;
}

/**
 * A fake sysfs tree with an NVMe function bound to the kernel's nvme driver (0000:01:00.0), one on
 * vfio-pci (0000:03:00.0), one without an IOMMU group (0000:04:00.0) and a network card (0000:02:00.0),
 * and an empty /dev (no VFIO).
 */
export function fakeMachine(): { NVMEKIT_SYSFS_ROOT: string; NVMEKIT_DEV_ROOT: string } {
  const root = tempDir("sysfs");
  const fn = (address: string, cls: string, driver: string | null, group: number | null) => {
    const dir = join(root, "bus/pci/devices", address);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "vendor"), "0x1b36\n");
    writeFileSync(join(dir, "device"), "0x0010\n");
    writeFileSync(join(dir, "class"), `${cls}\n`);
    if (driver !== null) {
      mkdirSync(join(root, "bus/pci/drivers", driver), { recursive: true });
      symlinkSync(`../../../bus/pci/drivers/${driver}`, join(dir, "driver"));
    }
    if (group !== null) {
      mkdirSync(join(root, "kernel/iommu_groups", String(group), "devices"), { recursive: true });
      symlinkSync(`../../../kernel/iommu_groups/${group}`, join(dir, "iommu_group"));
    }
  };
  fn("0000:01:00.0", "0x010802", "nvme", 5);
  fn("0000:02:00.0", "0x020000", "e1000", 6);
  fn("0000:03:00.0", "0x010802", "vfio-pci", 7);
  fn("0000:04:00.0", "0x010802", null, null);
  const dev = tempDir("dev");
  return { NVMEKIT_SYSFS_ROOT: root, NVMEKIT_DEV_ROOT: dev };
}
