/**
 * Where nvm_dev_open finds controllers. This package depends on core only, so it cannot load a
 * transport itself: the application passes the {@link NvmeDriver} of its container, once with
 * {@link nvm_set_driver} or per call. With none, a `trtype:SOFT` path opens softnvme's embedded
 * in-thread controller, so the software device works out of the box.
 * @module
 */
import { NvmeDriver } from "@nvmekit/core";
import { embeddedSoftRig } from "@nvmekit/softnvme";

let defaultDriver: NvmeDriver | null = null;

/** Sets the driver nvm_dev_open uses when its options name none; null forgets it. Not in liblightnvm. */
export function nvm_set_driver(driver: NvmeDriver | null): void {
  defaultDriver = driver;
}

/** Something with inversify's `get`, to take a driver out of a container without importing inversify. */
export interface DriverContainer {
  /** inversify's Container.get */
  get<T>(id: abstract new (...args: never[]) => T): T;
}

/** {@link nvm_set_driver} with the {@link NvmeDriver} bound in an inversify container. Not in liblightnvm. */
export function nvm_set_container(container: DriverContainer): void {
  defaultDriver = container.get(NvmeDriver);
}

/** The driver set by {@link nvm_set_driver}, or null. */
export function nvm_get_driver(): NvmeDriver | null {
  return defaultDriver;
}

const SOFT = /(^|\s)trtype[:=]soft(\s|$)/i;

/**
 * The driver for `trid`: the one given, else the one set, else for a `trtype:SOFT` transport ID
 * softnvme's embedded controller's; null when there is none.
 */
export function driverFor(trid: string, given: NvmeDriver | undefined): NvmeDriver | null {
  if (given !== undefined) return given;
  if (defaultDriver !== null) return defaultDriver;
  return SOFT.test(trid) ? embeddedSoftRig().driver : null;
}
