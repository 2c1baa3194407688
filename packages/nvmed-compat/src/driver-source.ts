/**
 * Where nvmed_open finds controllers. This package depends on core only, so it cannot load a
 * transport itself: the application passes the {@link NvmeDriver} it built (an inversify container
 * with `coreModule` and its transports: PCIe with the VFIO and software-controller providers, as
 * `@nvmekit/cli`'s container does; TCP; or softnvme's in-thread transport in tests), either once with
 * {@link nvmed_set_driver} / {@link nvmed_set_container} or per call in {@link NvmedOpenOptions}.
 * @module
 */
import { type Controller, NvmeDriver } from "@nvmekit/core";

/** What nvmed_open may be given besides the seed's path and flags. */
export interface NvmedOpenOptions {
  /** The driver to connect through (default: the one set by {@link nvmed_set_driver}). */
  driver?: NvmeDriver;
  /**
   * An already attached controller to use instead of connecting (the path's transport ID is then not
   * connected; its `ns` still selects the namespace). nvmed_close never detaches it.
   */
  controller?: Controller;
  /** The sysfs mount point for `/dev/nvmeXnY` paths (default "/sys"; tests give a fake tree). */
  sysfsRoot?: string;
}

/** Something with inversify's `get`, to take a driver out of a container without importing inversify here. */
export interface DriverContainer {
  /** inversify's Container.get */
  get<T>(id: abstract new (...args: never[]) => T): T;
}

let defaultDriver: NvmeDriver | null = null;

/** Sets the driver nvmed_open uses when its options name none; null forgets it. Not in the seed. */
export function nvmed_set_driver(driver: NvmeDriver | null): void {
  defaultDriver = driver;
}

/** {@link nvmed_set_driver} with the {@link NvmeDriver} bound in an inversify container. Not in the seed. */
export function nvmed_set_container(container: DriverContainer): void {
  defaultDriver = container.get(NvmeDriver);
}

/** The driver set by {@link nvmed_set_driver}, or null. */
export function nvmed_get_driver(): NvmeDriver | null {
  return defaultDriver;
}
