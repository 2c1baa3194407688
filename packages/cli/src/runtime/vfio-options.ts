/**
 * How the CLI opens VFIO devices. The sysfs and /dev roots can be moved with NVMEKIT_SYSFS_ROOT and
 * NVMEKIT_DEV_ROOT, a seam for tests that show the CLI a fake PCI bus (a function bound to the
 * kernel's driver, a missing IOMMU) on a machine that has none.
 * @module
 */
import type { VfioOpenOptions } from "@nvmekit/transport-pcie";

/** The VFIO provider's options from the environment (empty by default: the real /sys and /dev). */
export function vfioOptions(env: NodeJS.ProcessEnv = process.env): VfioOpenOptions {
  return {
    ...(env.NVMEKIT_SYSFS_ROOT ? { sysfsRoot: env.NVMEKIT_SYSFS_ROOT } : {}),
    ...(env.NVMEKIT_DEV_ROOT ? { devRoot: env.NVMEKIT_DEV_ROOT } : {}),
  };
}
