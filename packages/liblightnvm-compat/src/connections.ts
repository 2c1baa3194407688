/**
 * One connection per controller, shared by every nvm_dev_open of it (reference counted): a second
 * connect of an attached controller would fail, and a close must not detach what another device
 * still uses. A controller the application attached itself is used and never detached.
 * @module
 */
import { type Controller, compareTransportIds, formatTransportId, type NvmeDriver } from "@nvmekit/core";

interface Shared {
  ctrlr: Promise<Controller>;
  refs: number;
  /** Whether this package connected it (and so detaches it at the last release). */
  ours: boolean;
}

const byDriver = new WeakMap<NvmeDriver, Map<string, Shared>>();

/**
 * The controller at `trid`, connected on first use.
 * @throws what the driver's parse or connect throws
 */
export async function acquireController(driver: NvmeDriver, trid: string): Promise<Controller> {
  const parsed = driver.parseTransportId(trid);
  const key = formatTransportId(parsed);
  let map = byDriver.get(driver);
  if (map === undefined) {
    map = new Map();
    byDriver.set(driver, map);
  }
  let s = map.get(key);
  if (s === undefined) {
    const mine = driver.controllers.find((c) => compareTransportIds(c.trid, parsed) === 0);
    s = { ctrlr: mine ? Promise.resolve(mine) : driver.connect(parsed), refs: 0, ours: mine === undefined };
    map.set(key, s);
    s.ctrlr.catch(() => map.delete(key));
  }
  s.refs++;
  try {
    return await s.ctrlr;
  } catch (e) {
    s.refs--;
    throw e;
  }
}

/** Gives back one {@link acquireController}; the last one detaches a controller this package connected. */
export async function releaseController(driver: NvmeDriver, ctrlr: Controller): Promise<void> {
  const map = byDriver.get(driver);
  const key = formatTransportId(ctrlr.trid);
  const s = map?.get(key);
  if (s === undefined || --s.refs > 0) return;
  map!.delete(key);
  if (s.ours) await driver.detach(ctrlr);
}
