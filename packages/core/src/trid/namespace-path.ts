/**
 * Paths that name a namespace, as the compat packages' open calls take them: a transport ID with an
 * `ns:N` key (parseTransportId accepts `ns` and ignores it, so it is taken out here), or a kernel
 * name `/dev/nvmeXnY` resolved through sysfs to the function's PCI address and namespace.
 * @module
 */
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { TransportIdError } from "../errors/errors.js";

/** A parsed namespace path: the transport ID to connect to, and the namespace. */
export interface NamespaceTarget {
  /** The transport ID string without its `ns` key (what NvmeDriver.connect takes). */
  trid: string;
  /** The namespace ID (`ns:N`; 1 when the path names none). */
  nsid: number;
}

/**
 * Splits `ns:N` (or `ns=N`) out of a transport ID string.
 * @throws TransportIdError for an `ns` that is not a positive integer, or an empty transport ID
 */
export function splitNamespace(path: string): NamespaceTarget {
  const rest: string[] = [];
  let nsid = 1;
  for (const token of path.trim().split(/\s+/)) {
    if (token === "") continue;
    const m = /^ns[:=](.*)$/i.exec(token);
    if (m === null) {
      rest.push(token);
      continue;
    }
    const v = m[1]!;
    if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 0xfffffffe)
      throw new TransportIdError(token, "the namespace must be a positive integer (e.g. ns:1)");
    nsid = Number(v);
  }
  if (rest.length === 0)
    throw new TransportIdError(path, 'names no controller: give e.g. "trtype:PCIe traddr:0000:01:00.0 ns:1"');
  return { trid: rest.join(" "), nsid };
}

/** The commands that hand PCI function `addr` from its current driver to vfio-pci, as one line. */
export function vfioBindCommandLine(addr: string): string {
  return (
    `echo ${addr} | sudo tee /sys/bus/pci/devices/${addr}/driver/unbind && ` +
    `echo vfio-pci | sudo tee /sys/bus/pci/devices/${addr}/driver_override && ` +
    `echo ${addr} | sudo tee /sys/bus/pci/drivers_probe` +
    ` (or: sudo nvmekit setup ${addr}; sudo driverctl set-override ${addr} vfio-pci)`
  );
}

const DEV_NAME = /^\/dev\/nvme([0-9]+)n([0-9]+)$/;

/** Whether `path` is a kernel block-device name of the form `/dev/nvmeXnY`. */
export function isDevPath(path: string): boolean {
  return DEV_NAME.test(path.trim());
}

/**
 * Resolves `/dev/nvmeXnY` through sysfs: `<root>/class/nvme/nvmeX/device` links to the PCI function,
 * `<root>/bus/pci/devices/<addr>/driver` names its driver, and the namespace is
 * `<root>/class/nvme/nvmeX/nvmeXnY/nsid` when present, else Y.
 *
 * Note: the kernel's `nvmeX` exists only while the nvme driver owns the function, so on a real system
 * this nearly always ends in the "bind it to vfio-pci" error, whose message also names the transport
 * ID to open once it is bound (the kernel name is gone then).
 * @param root the sysfs mount point (default "/sys"); tests pass a fake tree
 * @throws TransportIdError with the reason, naming the vfio-pci bind commands when the function is
 *   not bound to it
 */
export function resolveDevPath(path: string, root = "/sys"): NamespaceTarget {
  const m = DEV_NAME.exec(path.trim());
  if (m === null) throw new TransportIdError(path, "not a /dev/nvmeXnY name");
  const ctrl = `nvme${m[1]}`;
  const classDir = join(root, "class", "nvme", ctrl);
  let addr: string;
  try {
    addr = basename(readlinkSync(join(classDir, "device")));
  } catch {
    throw new TransportIdError(
      path,
      `no ${classDir}: no NVMe controller ${ctrl} is known to the kernel's nvme driver ` +
        `(if you already bound it to vfio-pci, its kernel name is gone: open it by transport ID, ` +
        `"trtype:PCIe traddr:<pci address> ns:${m[2]}")`,
    );
  }
  let nsid = Number(m[2]);
  const nsidFile = join(classDir, `${ctrl}n${m[2]}`, "nsid");
  if (existsSync(nsidFile)) {
    const v = Number(readFileSync(nsidFile, "utf8").trim());
    if (Number.isInteger(v) && v > 0) nsid = v;
  }
  let driver = "";
  try {
    driver = basename(readlinkSync(join(root, "bus", "pci", "devices", addr, "driver")));
  } catch {
    driver = "";
  }
  if (driver !== "vfio-pci") {
    throw new TransportIdError(
      path,
      `PCI function ${addr}, ${driver === "" ? "bound to no driver" : `bound to ${driver}`}, ` +
        `not vfio-pci: bind it with: ${vfioBindCommandLine(addr)}; then open "trtype:PCIe traddr:${addr} ns:${nsid}"`,
    );
  }
  return { trid: `trtype:PCIe traddr:${addr}`, nsid };
}

/** Parses any namespace path: `/dev/nvmeXnY` (through sysfs under `sysfsRoot`) or a transport ID with `ns`. */
export function parseNamespacePath(path: string, sysfsRoot = "/sys"): NamespaceTarget {
  return isDevPath(path) ? resolveDevPath(path, sysfsRoot) : splitNamespace(path);
}
