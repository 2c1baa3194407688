/**
 * Explaining failed DMA pinning. Both IOMMU backends (VFIO type1 and iommufd) charge pinned pages
 * to RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK, so a non-root user usually hits this limit first.
 * @module
 */
import { getuid, memlockLimit } from "../native/libc.js";

const mib = (n: number) => (Number.isFinite(n) ? `${(n / 2 ** 20).toFixed(1)} MiB` : "unlimited");

/** A hint for an ENOMEM/EPERM from pinning `size` more bytes, naming the limit and how to raise it. */
export function memlockHint(errnoName: string, size: number): string | undefined {
  if (errnoName !== "ENOMEM" && errnoName !== "EPERM") return undefined;
  const { soft, hard } = memlockLimit();
  return (
    `pinning ${mib(size)} more for DMA was refused; the IOMMU driver charges pinned memory to RLIMIT_MEMLOCK ` +
    `(uid ${getuid()}: soft ${mib(soft)}, hard ${mib(hard)}). Raise it for this process ` +
    "(`ulimit -l <KiB>` in the shell, `prlimit --pid <pid> --memlock=<bytes>`, LimitMEMLOCK= in a " +
    "systemd unit, or memlock in /etc/security/limits.conf), or grant CAP_IPC_LOCK"
  );
}
