/**
 * nvmed_open, nvmed_close and the device features (nvmed_feature_set/get).
 * @module
 */
import { acquireController, type Controller, type NvmeDriver, releaseController } from "@nvmekit/core";
import { freeBuffers } from "./buffer.js";
import { BlockCache } from "./cache/block-cache.js";
import {
  NVMED_CACHE_LAZY_INIT,
  NVMED_CACHE_SIZE,
  NVMED_FAULT,
  NVMED_INVALID,
  NVMED_NO_CACHE,
  NVMED_NOENTRY,
} from "./constants.js";
import { NVMED, type SharedController } from "./device.js";
import { builtInDriver, type NvmedOpenOptions, nvmed_get_driver } from "./driver-source.js";
import { fail, failNull } from "./errors.js";
import { parseNvmedPath } from "./path.js";

const byController = new Map<Controller, SharedController>();

/** The sharing record of `ctrlr` (created by its first open), with one more open counted on it. */
function shareOf(ctrlr: Controller): SharedController {
  let s = byController.get(ctrlr);
  if (s === undefined) {
    s = { ctrlr, refs: 0, caches: new Map() };
    byController.set(ctrlr, s);
  }
  s.refs++;
  return s;
}

/**
 * Gives back one open of `s`: the last disposes its caches; `driver` (null when the application gave
 * the controller) gives back the connection the open acquired.
 */
async function release(s: SharedController, driver: NvmeDriver | null): Promise<void> {
  if (--s.refs === 0) {
    for (const c of s.caches.values()) c.dispose();
    s.caches.clear();
    byController.delete(s.ctrlr);
  }
  if (driver !== null) await releaseController(driver, s.ctrlr);
}

/**
 * Opens a namespace. Seed: "Open the specified NVMe device. … On success, nvmed_open() returns a
 * pointer to the struct NVMED. On error, NULL is returned".
 *
 * - `path`: a transport ID with a namespace, `"trtype:PCIe traddr:0000:01:00.0 ns:1"` (any transport
 *   the driver has; `ns` defaults to 1), or `/dev/nvmeXnY`, resolved through sysfs to the function's
 *   PCI address when it is bound to vfio-pci (else null, and the error names the bind commands).
 *   The seed's example `/dev/nvmed0n1` was wrong for the original too.
 * - `flags`: NVMED_NO_CACHE (no block cache: buffered handles then read-modify-write through a bounce
 *   buffer, write-through); NVMED_CACHE_LAZY_INIT is accepted (pages are always allocated on use).
 * - Differs: returns a Promise (connecting waits for the device); needs a driver (see
 *   {@link nvmed_set_driver}) except for `trtype:SOFT` paths, which open softnvme's embedded software
 *   controller when none is set (`"trtype:SOFT traddr:soft0 ns:1"`); several opens of one controller share its connection and the namespace's
 *   cache, and the controller is detached when the last one closes (the original's fio plugin crashed
 *   on exactly that). The reason of a null is {@link nvmed_last_error}.
 */
export async function nvmed_open(
  path: string,
  flags = 0,
  options: NvmedOpenOptions = {},
): Promise<NVMED | null> {
  let target: ReturnType<typeof parseNvmedPath>;
  try {
    target = parseNvmedPath(path, options.sysfsRoot);
  } catch (e) {
    return failNull(null, -NVMED_NOENTRY, (e as Error).message);
  }
  if ((flags & ~(NVMED_NO_CACHE | NVMED_CACHE_LAZY_INIT)) !== 0)
    return failNull(
      null,
      -NVMED_INVALID,
      `flags 0x${flags.toString(16)}: only NVMED_NO_CACHE and NVMED_CACHE_LAZY_INIT`,
    );
  let ctrlr: Controller;
  let driver: NvmeDriver | null = null;
  if (options.controller !== undefined) ctrlr = options.controller;
  else {
    driver = options.driver ?? nvmed_get_driver() ?? builtInDriver(target.trid);
    if (driver === null)
      return failNull(
        null,
        -NVMED_NOENTRY,
        "no NvmeDriver: call nvmed_set_driver(driver) (or nvmed_set_container) first, or pass { driver } " +
          "(only the software controller, trtype:SOFT, opens without one)",
      );
    try {
      ctrlr = await acquireController(driver, target.trid);
    } catch (e) {
      return failNull(null, -NVMED_NOENTRY, `cannot connect to "${target.trid}"`, e);
    }
  }
  const shared = shareOf(ctrlr);
  const ns = ctrlr.getNamespace(target.nsid);
  if (ns === undefined || !ns.isActive) {
    await release(shared, driver).catch(() => {});
    return failNull(
      null,
      -NVMED_NOENTRY,
      `"${path}": namespace ${target.nsid} is not an active namespace of the controller`,
    );
  }
  let cache: BlockCache | null = null;
  if ((flags & NVMED_NO_CACHE) === 0) {
    cache = shared.caches.get(ns.id) ?? new BlockCache(shared.ctrlr, ns);
    shared.caches.set(ns.id, cache);
  }
  return new NVMED(path, flags, ns, shared, driver, cache);
}

/**
 * Writes back `nvmed`'s dirty cached pages, issues NVMe Flush when the controller has a volatile
 * write cache, frees its nvmed_get_buffer buffers, and releases the controller (detached when no
 * other open uses it and the application did not attach it itself).
 * Seed: "On success, nvmed_close() returns 0. On error, -1 (NVMED_FAULT) or -2 (NVMED_NOENTRY) is
 * returned": -2 for a null or closed device, -1 while queues remain (destroy them first) or when the
 * write-back fails (the device then stays open). Differs: a Promise; writes the cache back (the original
 * dropped it), on an I/O queue pair it creates for the purpose and frees (so it needs one queue ID free
 * for a moment).
 */
export async function nvmed_close(nvmed: NVMED | null | undefined): Promise<number> {
  if (!nvmed?.open) return fail(nvmed, -NVMED_NOENTRY, "the device is not open");
  if (nvmed.queues.size > 0)
    return fail(nvmed, -NVMED_FAULT, `${nvmed.queues.size} queue(s) remain: nvmed_queue_destroy them first`);
  const cache = nvmed.sharedCache;
  if (cache !== null && cache.table.dirtyCount > 0) {
    try {
      const qp = await nvmed.ctrlr.allocIoQpair();
      try {
        await cache.flushAll(qp);
        if ((nvmed.ctrlr.data.vwc & 1) !== 0) await nvmed.ns.flush(qp);
      } finally {
        await nvmed.ctrlr.freeIoQpair(qp);
      }
    } catch (e) {
      return fail(nvmed, -NVMED_FAULT, "writing the block cache back failed", e);
    }
  }
  freeBuffers(nvmed);
  nvmed.open = false;
  try {
    await release(nvmed.shared, nvmed.driver);
  } catch (e) {
    return fail(nvmed, -NVMED_FAULT, "detaching the controller failed", e);
  }
  return 0;
}

/**
 * Sets a device feature: NVMED_CACHE_SIZE = the block cache's bound in pages (a positive integer).
 * Growing is immediate; shrinking takes effect at the next cached I/O, which evicts (writing dirty
 * pages first) down to it (the original could only grow). Returns `value`, or -1 (no cache, bad value)
 * or -6 (unknown feature). The bound is the namespace's, shared by every open of it.
 */
export function nvmed_feature_set(nvmed: NVMED | null | undefined, feature: number, value: number): number {
  if (!nvmed?.open) return fail(nvmed, -NVMED_NOENTRY, "the device is not open");
  if (feature !== NVMED_CACHE_SIZE) return fail(nvmed, -NVMED_INVALID, `unknown feature ${feature}`);
  if (nvmed.cache === null) return fail(nvmed, -NVMED_FAULT, "the device was opened with NVMED_NO_CACHE");
  if (!Number.isInteger(value) || value < 1)
    return fail(nvmed, -NVMED_FAULT, `cache size ${value}: give a positive number of pages`);
  nvmed.cache.setCapacity(value);
  return value;
}

/**
 * Reads a device feature: NVMED_CACHE_SIZE (the bound in pages; 0 without a cache) or NVMED_NO_CACHE
 * (1 or 0). -6 for an unknown feature, -2 for a closed device.
 */
export function nvmed_feature_get(nvmed: NVMED | null | undefined, feature: number): number {
  if (!nvmed?.open) return fail(nvmed, -NVMED_NOENTRY, "the device is not open");
  if (feature === NVMED_CACHE_SIZE) return nvmed.cache?.capacityPages ?? 0;
  if (feature === NVMED_NO_CACHE) return nvmed.cache === null ? 1 : 0;
  return fail(nvmed, -NVMED_INVALID, `unknown feature ${feature}`);
}
