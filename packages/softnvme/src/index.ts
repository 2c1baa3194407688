/**
 * @nvmekit/softnvme: a software NVMe controller. The model ({@link SoftController}) keeps its own
 * reading of the specification, independent of the core's encoders, so it checks the host side. It
 * runs in a worker thread behind the PCI-device port of `@nvmekit/pci-port` ({@link SoftPciDevice},
 * found through {@link SoftControllerProvider} at `fffe:00:<n>.0`), or in this thread behind its own
 * transport plugin (`trtype:SOFT`, {@link InThreadTransport}).
 * @module
 */
export { BAR0_SIZE } from "./bar-mirror.js";
export { type BlockStorage, FileStorage, MemoryStorage } from "./block-storage.js";
export { CHAOS_STATUS, Chaos, type ChaosOptions, type ChaosStats, ENDLESS_LIST_PAGES } from "./chaos.js";
export type { CommandRecord, RegisterWrite } from "./command-log.js";
export type {
  DmaFaultReport,
  PlainFaultMatch,
  RemoteSoftControl,
  SoftControl,
  SoftControllerStatus,
} from "./control.js";
export { SoftController } from "./controller.js";
export type { ControllerSignals, SoftControllerOptions } from "./controller-options.js";
export { resolveData, resolvePrps, resolveSgl, type SglDescriptor, type Transfer } from "./data-pointer.js";
export { DeviceCq, DeviceSq } from "./device-queues.js";
export { DmaArena, type DmaArenaOptions } from "./dma-arena.js";
export { DmaPool, type DmaPoolOptions } from "./dma-pool.js";
export { DMA_GRANULE, DmaRegion, type DmaRegionShare } from "./dma-region.js";
export { DmaFault, type DmaSpace } from "./dma-space.js";
export type { FaultAction, FaultHandle, FaultMatch } from "./faults.js";
export { type FeatureLimits, FeatureStore, type FeatureValue } from "./features.js";
export type { ControllerIdentity } from "./identify-data.js";
export * from "./in-thread/index.js";
export { SoftInterruptVector } from "./interrupts.js";
export type { ErrorLogEntry, HealthState } from "./log-pages.js";
export {
  DEFAULT_NAMESPACES,
  LBA_FORMATS,
  type LbaFormat,
  SoftNamespace,
  type SoftNamespaceOptions,
} from "./namespace.js";
export {
  AdminOpc,
  AsyncEventType,
  Cns,
  Fid,
  GenericSc,
  Lid,
  MediaSc,
  NvmOpc,
  nvmeStatus,
  Reg,
  Sct,
  SpecificSc,
  statusDnr,
  statusSc,
  statusSct,
} from "./nvme-raw.js";
export {
  NVME_CLASS_CODE,
  SOFT_DEVICE_ID,
  SOFT_VENDOR_ID,
  type SoftDeviceOptions,
  SoftPciDevice,
} from "./soft-pci-device.js";
export { SOFT_PCI_DOMAIN, SoftControllerProvider, softPciAddress } from "./soft-provider.js";
export type { PollStats, PollTiming } from "./worker-loop.js";
export { type Zone, ZoneAction, type ZonedOptions, ZoneSet, ZoneState } from "./zones.js";
