/**
 * One connection per controller, shared by every caller that opens it through
 * {@link acquireController} (reference counted): a second connect of an attached controller would
 * fail, and one caller's release must not detach what another still uses. A controller the
 * application attached itself is used and never detached. The compat packages' open and close calls
 * (nvmed_open, nvm_dev_open) stand on this.
 * @module
 */
import type { Controller } from "./ctrlr/controller.js";
import type { NvmeDriver } from "./driver.js";
import { compareTransportIds, formatTransportId } from "./trid/transport-id.js";

interface Shared {
  ctrlr: Promise<Controller>;
  refs: number;
  /** Whether acquireController connected it (and so detaches it at the last release). */
  ours: boolean;
}

const byDriver = new WeakMap<NvmeDriver, Map<string, Shared>>();

/**
 * The controller at `trid`: one `driver` already has attached (the application's, never detached
 * here), else connected on first use; concurrent calls for one controller wait for one connect.
 * Each successful call takes a reference that {@link releaseController} gives back.
 * - Threading: the driver's thread.
 * @throws what the driver's parse or connect throws (as a rejection); no reference is taken then
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

/**
 * Gives back one {@link acquireController} reference; the last one detaches a controller that
 * acquireController connected (the application's own stays attached).
 * - Threading: the driver's thread.
 * @throws what `driver.detach` throws (as a rejection)
 */
export async function releaseController(driver: NvmeDriver, ctrlr: Controller): Promise<void> {
  const map = byDriver.get(driver);
  const key = formatTransportId(ctrlr.trid);
  const s = map?.get(key);
  if (s === undefined || --s.refs > 0) return;
  map!.delete(key);
  if (s.ours) await driver.detach(ctrlr);
}
