/**
 * What a machine needs before nvmekit can drive a PCIe controller, read without changing anything:
 * an IOMMU (groups in sysfs), vfio-pci, hugepages, access to /dev/vfio and the memlock limit. Each
 * check says what is missing and the command that fixes it, as SPDK's setup.sh does.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { vfioPciLoaded } from "@nvmekit/transport-pcie";
import { formatBytes } from "../format/units.js";

/** One check: whether it passed, what was found, and the fix when it did not. */
export interface Check {
  /** What is checked, e.g. "IOMMU". */
  name: string;
  /** Whether the machine is ready in this respect. */
  ok: boolean;
  /** What was found. */
  detail: string;
  /** The command or step that fixes it (when not ok). */
  fix?: string;
}

/** The size of one default hugepage in bytes, from /proc/meminfo (2 MiB when unknown). */
export function hugepageSize(procRoot = "/proc"): number {
  const m = /Hugepagesize:\s+(\d+) kB/.exec(safeRead(join(procRoot, "meminfo")));
  return m ? Number(m[1]) * 1024 : 2 * 1024 * 1024;
}

/** Hugepages reserved now (/proc/sys/vm/nr_hugepages). */
export function hugepagesReserved(procRoot = "/proc"): number {
  return Number(safeRead(join(procRoot, "sys/vm/nr_hugepages")).trim() || 0);
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** RLIMIT_MEMLOCK of this process in bytes (Infinity for unlimited), from /proc/self/limits. */
export function memlockLimit(procRoot = "/proc"): number {
  const m = /Max locked memory\s+(\S+)/.exec(safeRead(join(procRoot, "self/limits")));
  return m === null || m[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(m[1]);
}

/** The checks, for a wanted hugepage reservation of `hugemem` bytes. */
export function hostChecks(options: {
  sysfsRoot: string;
  devRoot: string;
  procRoot?: string;
  hugemem: number;
}): Check[] {
  const { sysfsRoot, devRoot, hugemem } = options;
  const groups = join(sysfsRoot, "kernel/iommu_groups");
  const groupCount = existsSync(groups) ? readdirSync(groups).length : 0;
  const pageSize = hugepageSize(options.procRoot);
  const reserved = hugepagesReserved(options.procRoot);
  const memlock = memlockLimit(options.procRoot);
  const vfioDev = join(devRoot, "vfio");
  const groupFiles = existsSync(vfioDev) ? readdirSync(vfioDev).filter((f) => /^\d+$/.test(f)) : [];
  const uid = process.getuid?.() ?? 0;
  const notOwned = groupFiles.filter((g) => uid !== 0 && statSync(join(vfioDev, g)).uid !== uid);
  return [
    {
      name: "IOMMU",
      ok: groupCount > 0,
      detail: groupCount > 0 ? `on (${groupCount} groups)` : `off (${groups} is empty)`,
      fix: "enable VT-d / AMD-Vi in the firmware and boot with intel_iommu=on iommu=pt (or amd_iommu=on)",
    },
    {
      name: "vfio-pci",
      ok: vfioPciLoaded(sysfsRoot),
      detail: vfioPciLoaded(sysfsRoot) ? "loaded" : "not loaded",
      fix: "modprobe vfio-pci",
    },
    {
      name: "hugepages",
      ok: reserved * pageSize >= hugemem,
      detail: `${reserved} × ${formatBytes(pageSize)} reserved (${formatBytes(reserved * pageSize)})`,
      fix: `echo ${Math.ceil(hugemem / pageSize)} > /proc/sys/vm/nr_hugepages`,
    },
    {
      name: "/dev/vfio",
      ok: notOwned.length === 0,
      detail:
        groupFiles.length === 0
          ? "no VFIO groups yet"
          : notOwned.length === 0
            ? `groups ${groupFiles.join(", ")} usable by this user`
            : `groups ${notOwned.join(", ")} belong to another user`,
      fix: `run as root, or \`sudo nvmekit setup --user ${process.env.USER ?? "$USER"}\` to give the groups to your user`,
    },
    {
      name: "memlock",
      ok: uid === 0 || memlock >= hugemem,
      detail: Number.isFinite(memlock) ? `${formatBytes(memlock)} may be pinned` : "unlimited",
      fix: "raise RLIMIT_MEMLOCK: `ulimit -l unlimited` (as root), memlock in /etc/security/limits.conf, or LimitMEMLOCK= in a systemd unit",
    },
  ];
}
