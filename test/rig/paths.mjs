/**
 * Where the rig lives on the host. The checkout is reached through its real path so the guest,
 * which sees the host root through 9p, finds it at the same place.
 */
import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This folder (test/rig), real path. */
export const rigDir = realpathSync(dirname(fileURLToPath(import.meta.url)));

/** The project checkout that holds test/rig. */
export const checkoutDir = realpathSync(join(rigDir, "..", ".."));

/** Kernel, modules and initramfs, shared by every checkout on the machine. */
export const cacheDir = process.env.NVMEKIT_RIG_CACHE ?? "/var/cache/nvmekit-rig";

/**
 * True when the module at `moduleUrl` is the script node was started with.
 * @param {string} moduleUrl import.meta.url of the caller
 */
export function isMain(moduleUrl) {
  return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(moduleUrl);
}
