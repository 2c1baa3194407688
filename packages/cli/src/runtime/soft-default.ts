/**
 * The embedded default device: one software NVMe controller at `fffe:00:00.0`, started in a worker
 * thread of this process when a command is given no `-r`. Its namespaces are those of
 * {@link DEFAULT_NAMESPACES}, in memory (fast, gone when the command ends) unless
 * {@link SOFT_DIR_ENV} names a folder to keep them in as files, so that what one `nvmekit write`
 * stores the next `nvmekit read` finds (and the zoned namespace's zone states, in `ns3.img.zones`).
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_NAMESPACES, type SoftDeviceOptions, softPciAddress } from "@nvmekit/softnvme";

/** The PCI address of the embedded software controller. */
export const SOFT_DEFAULT_ADDRESS = softPciAddress(0);

/** The transport ID of the embedded software controller. */
export const SOFT_DEFAULT_TRID = `trtype:PCIe traddr:${SOFT_DEFAULT_ADDRESS}`;

/** Environment variable naming a folder where the embedded controller keeps its namespaces as files. */
export const SOFT_DIR_ENV = "NVMEKIT_SOFT_DIR";

/** Where the embedded controller keeps its namespaces: a folder, or undefined for memory. */
export function softStorageDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env[SOFT_DIR_ENV];
  return dir === undefined || dir === "" ? undefined : dir;
}

/** The options of the embedded controller: the default namespaces, in files when `dir` is given. */
export function softDefaultControllers(dir = softStorageDir()): SoftDeviceOptions[] {
  const serial = "NVMEKIT-SOFT-0";
  if (dir === undefined) return [{ serial }];
  mkdirSync(dir, { recursive: true });
  return [
    { serial, namespaces: DEFAULT_NAMESPACES.map((ns) => ({ ...ns, file: join(dir, `ns${ns.nsid}.img`) })) },
  ];
}

/** The line a command prints when it uses the embedded controller, saying where its data lives. */
export function softDefaultNotice(dir = softStorageDir()): string {
  const storage =
    dir === undefined ? `data in memory only; ${SOFT_DIR_ENV}=DIR keeps it in files` : `data in ${dir}`;
  return `no -r given: using the built-in software NVMe controller (${SOFT_DEFAULT_ADDRESS}), ${storage}`;
}
