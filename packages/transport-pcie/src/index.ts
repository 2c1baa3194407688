/**
 * @nvmekit/transport-pcie: NVMe controllers on PCIe, driven from JavaScript through VFIO. The queue
 * engine talks to a device only through the {@link @nvmekit/pci-port!PciDevice} port.
 * @module
 */

export type { HostMemoryKind, HugepagePolicy } from "./dma/host-memory.js";
export { type DmaOptions, type DmaStats, VfioDmaAllocator } from "./dma/vfio-dma-allocator.js";
export * from "./engine/bar-registers.js";
export * from "./engine/cmb.js";
export * from "./engine/connection.js";
export * from "./engine/queue-port.js";
export * from "./engine/shadow-doorbells.js";
export * from "./engine/shared-memory.js";
export * from "./engine/worker-queue.js";
export {
  type IommufdFiles,
  type IommufdMissing,
  type IommufdProbe,
  IommufdUnavailableError,
  type IommufdUsable,
  probeIommufd,
} from "./iommu/device-cdev.js";
export type { IommuBackend, IommuBackendOptions, IovaRange } from "./iommu/iommu-backend.js";
export {
  chooseIommuBackend,
  IOMMU_CHOICES,
  type IommuChoice,
  type IommuSelectionOptions,
  openIommuBackend,
} from "./iommu/iommu-selection.js";
export * from "./module.js";
export { kernelBindCommands, vfioBindCommands } from "./sysfs/bind-commands.js";
export {
  DEFAULT_SYSFS_ROOT,
  listPciAddresses,
  NVME_CLASS_CODE,
  type PciFunctionInfo,
  pciDevicePath,
  readPciFunction,
  vfioPciLoaded,
} from "./sysfs/pci-function.js";
export * from "./transport.js";
export { VfioBar } from "./vfio/bar.js";
export { VfioProvider } from "./vfio/provider.js";
export { type VfioOpenOptions, VfioPciDevice } from "./vfio/vfio-pci-device.js";
