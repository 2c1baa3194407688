/**
 * What nvmed_open's `path` names: a transport ID with an `ns:N` key, or a kernel name `/dev/nvmeXnY`
 * resolved through sysfs. The parsing is core's (shared with liblightnvm-compat); this keeps the
 * names nvmed-compat has always exported.
 * @module
 */
import { type NamespaceTarget, parseNamespacePath } from "@nvmekit/core";

export {
  isDevPath,
  resolveDevPath,
  splitNamespace,
  vfioBindCommandLine as vfioBindCommands,
} from "@nvmekit/core";

/** A parsed nvmed_open path: the transport ID to connect to, and the namespace. */
export type NvmedTarget = NamespaceTarget;

/** Parses any nvmed_open path: `/dev/nvmeXnY` (through sysfs under `sysfsRoot`) or a transport ID with `ns`. */
export function parseNvmedPath(path: string, sysfsRoot = "/sys"): NvmedTarget {
  return parseNamespacePath(path, sysfsRoot);
}
