/**
 * Where nvmed_open finds controllers. The application passes the {@link NvmeDriver} it built (an
 * inversify container with `coreModule` and its transports: PCIe with the VFIO and software-controller
 * providers, as `@nvmekit/cli`'s container does; TCP; ...), either once with {@link nvmed_set_driver} /
 * {@link nvmed_set_container} or per call in {@link NvmedOpenOptions}. With none given, a path on the
 * software controller's transport (`trtype:SOFT`, e.g. softnvme's `EMBEDDED_SOFT_TRID` plus `ns:1`)
 * opens softnvme's embedded in-thread controller, one per process, so it works out of the box.
 * @module
 */
import { type Controller, NvmeDriver, parseTransportId } from "@nvmekit/core";
import { embeddedSoftRig, IN_THREAD_TRANSPORT_NAME } from "@nvmekit/softnvme";

/** What nvmed_open may be given besides the seed's path and flags. */
export interface NvmedOpenOptions {
  /**
   * The driver to connect through (default: the one set by {@link nvmed_set_driver}, else for a
   * `trtype:SOFT` path softnvme's embedded software controller).
   */
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

/**
 * The driver for `trid` when the application gave none: softnvme's process-wide embedded rig
 * (`embeddedSoftRig()`, created on first use) for a transport ID on its transport (`trtype:SOFT`),
 * else null. Its controller and data live as long as the process: what one open writes, the next reads.
 * @internal
 */
export function builtInDriver(trid: string): NvmeDriver | null {
  try {
    const parsed = parseTransportId(trid, undefined, { customTransports: [IN_THREAD_TRANSPORT_NAME] });
    return parsed.trstring === IN_THREAD_TRANSPORT_NAME ? embeddedSoftRig().driver : null;
  } catch {
    return null; // not a transport ID the embedded controller could take: the caller says "no driver"
  }
}
