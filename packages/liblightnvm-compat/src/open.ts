/**
 * nvm_dev_open / nvm_dev_openf / nvm_dev_close and the device getters.
 * @module
 */
import {
  acquireController,
  type Namespace,
  type NvmeDriver,
  parseNamespacePath,
  releaseController,
} from "@nvmekit/core";
import { nvm_async_term, nvm_async_wait } from "./async.js";
import { unmark } from "./buffer.js";
import {
  EINVAL,
  ENODEV,
  ENOENT,
  ENOSYS,
  NVM_BE_ANY,
  NVM_BE_MASK,
  NVM_BE_NOCD,
  NVM_BE_ZNS,
  NVM_NADDR_MAX,
} from "./constants.js";
import { nvm_dev } from "./device.js";
import { driverFor } from "./driver-source.js";
import { fail, failNull } from "./errors.js";
import { type nvm_geo, syntheticGeometry, zonedGeometry } from "./geo.js";
import { SyntheticChunks } from "./synthetic.js";

/** What nvm_dev_open may be given besides liblightnvm's path (and flags). */
export interface NvmDevOpenOptions {
  /** The driver to connect through (default: {@link nvm_set_driver}'s, else the embedded soft one for `trtype:SOFT`). */
  driver?: NvmeDriver;
  /** The sysfs mount point for `/dev/nvmeXnY` paths (default "/sys"; tests give a fake tree). */
  sysfsRoot?: string;
}

/** The optimal write: the namespace's NOWS when it gives one, else 4 sectors (liblightnvm's NOCD value). */
function optimalWrite(ns: Namespace): number {
  return ns.data.nows > 0 ? ns.data.nows + 1 : 4;
}

/** {@link nvm_dev_openf} with flags 0 (the backend the namespace calls for). */
export function nvm_dev_open(path: string, options: NvmDevOpenOptions = {}): Promise<nvm_dev | null> {
  return nvm_dev_openf(path, NVM_BE_ANY, options);
}

/**
 * Opens a namespace as an Open-Channel-style device (liblightnvm's nvm_dev_openf).
 *
 * - `path`: a transport ID with a namespace, `"trtype:PCIe traddr:0000:01:00.0 ns:1"` (`ns` defaults
 *   to 1; any transport the driver has), or `/dev/nvmeXnY` resolved through sysfs to a function bound
 *   to vfio-pci. With no driver given or set, `trtype:SOFT traddr:soft0` opens softnvme's embedded
 *   in-thread controller.
 * - `flags`: the backend. {@link NVM_BE_ANY} (0): {@link NVM_BE_ZNS} for a zoned namespace (chunks
 *   are zones, erase is a zone reset), {@link NVM_BE_NOCD} for any other (synthetic chunks, erase is
 *   deallocate); naming one insists on it (ENODEV when the namespace is not zoned for NVM_BE_ZNS,
 *   EINVAL for NVM_BE_NOCD on a zoned one). liblightnvm's IOCTL, LBD and SPDK backends give ENOSYS.
 * - Returns a Promise (connecting waits for the device) of the device, or of null with errno
 *   ({@link nvm_errno}): EINVAL (bad path or flags), ENODEV (no driver, no connection), ENOENT (no such
 *   active namespace), ENOSYS.
 * - Several opens of one controller share its connection; it is detached when the last closes (unless
 *   the application attached it itself). Threading: the device belongs to this thread.
 */
export async function nvm_dev_openf(
  path: string,
  flags: number,
  options: NvmDevOpenOptions = {},
): Promise<nvm_dev | null> {
  let target: ReturnType<typeof parseNamespacePath>;
  try {
    target = parseNamespacePath(String(path), options.sysfsRoot);
  } catch (e) {
    return failNull(EINVAL, (e as Error).message);
  }
  if (!Number.isInteger(flags) || (flags & ~NVM_BE_MASK) !== 0)
    return failNull(EINVAL, `flags 0x${Number(flags).toString(16)}: give a backend (NVM_BE_*) or 0`);
  const want = flags & NVM_BE_MASK;
  if (want !== NVM_BE_ANY && want !== NVM_BE_ZNS && want !== NVM_BE_NOCD)
    return failNull(
      ENOSYS,
      `backend 0x${want.toString(16)}: liblightnvm's IOCTL, LBD and SPDK backends are not here; ` +
        "use NVM_BE_ZNS, NVM_BE_NOCD or 0",
    );
  const driver = driverFor(target.trid, options.driver);
  if (driver === null)
    return failNull(ENODEV, "no NvmeDriver: call nvm_set_driver(driver) first, or pass { driver }");
  let ctrlr: Awaited<ReturnType<typeof acquireController>>;
  try {
    ctrlr = await acquireController(driver, target.trid);
  } catch (e) {
    return failNull(ENODEV, `cannot connect to "${target.trid}"`, e);
  }
  const refuse = async (errno: number, why: string): Promise<null> => {
    await releaseController(driver, ctrlr).catch(() => {});
    return failNull(errno, `"${path}": ${why}`);
  };
  const ns = ctrlr.getNamespace(target.nsid);
  if (ns === undefined || !ns.isActive) return refuse(ENOENT, `namespace ${target.nsid} is not active`);
  if (want === NVM_BE_ZNS && !ns.isZoned) return refuse(ENODEV, "NVM_BE_ZNS: the namespace is not zoned");
  if (want === NVM_BE_NOCD && ns.isZoned)
    return refuse(EINVAL, "NVM_BE_NOCD: the namespace is zoned; its chunks are its zones (NVM_BE_ZNS)");
  let syncQp: Awaited<ReturnType<typeof ctrlr.allocIoQpair>>;
  try {
    // Room for a copy's planned commands (a vector's worth) twice over.
    syncQp = await ctrlr.allocIoQpair({ ioQueueRequests: 2 * NVM_NADDR_MAX });
  } catch (e) {
    await releaseController(driver, ctrlr).catch(() => {});
    return failNull(ENODEV, `"${path}": no I/O queue pair`, e);
  }
  let geo: nvm_geo;
  try {
    if (ns.isZoned) {
      // The writable sectors of a chunk are the zone capacity, which only a zone report tells.
      const first = (await ns.reportZones(syncQp, 0, { maxZones: 1 })).zones[0];
      geo = zonedGeometry(ns, first?.capacity ?? ns.zoneSize);
    } else {
      geo = syntheticGeometry(ns);
    }
  } catch (e) {
    await ctrlr.freeIoQpair(syncQp).catch(() => {});
    await releaseController(driver, ctrlr).catch(() => {});
    return failNull(ENODEV, `"${path}": reading the zone geometry failed`, e);
  }
  return new nvm_dev({
    path,
    backend: ns.isZoned ? NVM_BE_ZNS : NVM_BE_NOCD,
    driver,
    ctrlr,
    ns,
    geo,
    chunkStride: ns.isZoned ? ns.zoneSize : geo.nsectr,
    wsOpt: optimalWrite(ns),
    syncQp,
    synthetic: ns.isZoned ? null : new SyntheticChunks(geo.nchunk, geo.nsectr),
  });
}

/**
 * Closes a device (liblightnvm's nvm_dev_close): lets the synchronous commands already called
 * finish, waits for every async context's outstanding commands and terminates it, frees the
 * nvm_buf_alloc buffers (their views must not be used afterwards) and the queue pair, and releases the
 * controller. A Promise of nothing, as C's is void; closing a closed device does nothing.
 */
export async function nvm_dev_close(dev: nvm_dev | null | undefined): Promise<void> {
  if (!(dev?.open === true)) return;
  await dev.syncTail;
  for (const ctx of [...dev.contexts]) {
    await nvm_async_wait(dev, ctx);
    await nvm_async_term(dev, ctx);
  }
  dev.open = false;
  for (const b of dev.buffers.values()) {
    unmark(b.bytes);
    dev.ctrlr.freeBuffer(b);
  }
  dev.buffers.clear();
  await dev.ctrlr.freeIoQpair(dev.syncQp).catch(() => {});
  await releaseController(dev.driver, dev.ctrlr).catch(() => {});
}

const isOpen = (dev: nvm_dev | null | undefined): dev is nvm_dev => dev?.open === true;

/** The device's geometry (liblightnvm's nvm_dev_get_geo), or null with ENODEV for a closed device. */
export function nvm_dev_get_geo(dev: nvm_dev | null | undefined): nvm_geo | null {
  return isOpen(dev) ? dev.geo : failNull(ENODEV, "the device is not open");
}

/** Smallest write in sectors (1); 0 for a closed device. */
export function nvm_dev_get_ws_min(dev: nvm_dev | null | undefined): number {
  return isOpen(dev) ? dev.wsMin : 0;
}

/** Optimal write in sectors (the namespace's NOWS, else 4); 0 for a closed device. */
export function nvm_dev_get_ws_opt(dev: nvm_dev | null | undefined): number {
  return isOpen(dev) ? dev.wsOpt : 0;
}

/** Sectors to keep cached after a write before reading them back: 0 (none, on ZNS or NOCD). */
export function nvm_dev_get_mw_cunits(dev: nvm_dev | null | undefined): number {
  return isOpen(dev) ? dev.mwCunits : 0;
}

/** The Open-Channel version of the geometry: 2; 0 for a closed device. */
export function nvm_dev_get_verid(dev: nvm_dev | null | undefined): number {
  return isOpen(dev) ? dev.geo.verid : 0;
}

/** The namespace ID; 0 for a closed device. */
export function nvm_dev_get_nsid(dev: nvm_dev | null | undefined): number {
  return isOpen(dev) ? dev.ns.id : 0;
}

/** The backend the device got: {@link NVM_BE_ZNS} or {@link NVM_BE_NOCD}; -1 with ENODEV for a closed device. */
export function nvm_dev_get_be_id(dev: nvm_dev | null | undefined): number {
  return isOpen(dev) ? dev.backend : fail(ENODEV, "the device is not open");
}

/** The backend's name: "zns" or "nocd" (not in liblightnvm); "" for a closed device. */
export function nvm_dev_get_be_name(dev: nvm_dev | null | undefined): string {
  if (!isOpen(dev)) return "";
  return dev.backend === NVM_BE_ZNS ? "zns" : "nocd";
}
