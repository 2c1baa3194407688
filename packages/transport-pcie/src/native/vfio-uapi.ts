/**
 * The VFIO user ABI (include/uapi/linux/vfio.h): ioctl numbers, flags, fixed indexes and the
 * argument structures as koffi struct types. Every VFIO ioctl is `_IO(';', 100 + n)`, with the
 * structure size carried in its `argsz` field instead of the ioctl number.
 * @module
 */
import koffi from "koffi";

const vfioIoctl = (n: number) => (0x3b << 8) | (100 + n);

/** VFIO ioctl request numbers. */
export const VfioIoctl = {
  GET_API_VERSION: vfioIoctl(0),
  CHECK_EXTENSION: vfioIoctl(1),
  SET_IOMMU: vfioIoctl(2),
  GROUP_GET_STATUS: vfioIoctl(3),
  GROUP_SET_CONTAINER: vfioIoctl(4),
  GROUP_UNSET_CONTAINER: vfioIoctl(5),
  GROUP_GET_DEVICE_FD: vfioIoctl(6),
  DEVICE_GET_INFO: vfioIoctl(7),
  DEVICE_GET_REGION_INFO: vfioIoctl(8),
  DEVICE_GET_IRQ_INFO: vfioIoctl(9),
  DEVICE_SET_IRQS: vfioIoctl(10),
  DEVICE_RESET: vfioIoctl(11),
  IOMMU_GET_INFO: vfioIoctl(12),
  IOMMU_MAP_DMA: vfioIoctl(13),
  IOMMU_UNMAP_DMA: vfioIoctl(14),
  // Device cdev (/dev/vfio/devices/vfioN) ioctls of the iommufd path.
  DEVICE_BIND_IOMMUFD: vfioIoctl(18),
  DEVICE_ATTACH_IOMMUFD_PT: vfioIoctl(19),
} as const;

/** The only VFIO API version there is. */
export const VFIO_API_VERSION = 0;
/** Extension / IOMMU model: type1 v2. */
export const VFIO_TYPE1v2_IOMMU = 3;
/** Extension / IOMMU model: no IOMMU (only in kernels built with CONFIG_VFIO_NOIOMMU). */
export const VFIO_NOIOMMU_IOMMU = 8;

/** vfio_group_status.flags */
export const GroupFlags = { VIABLE: 1 << 0, CONTAINER_SET: 1 << 1 } as const;
/** vfio_device_info.flags */
export const DeviceFlags = { RESET: 1 << 0, PCI: 1 << 1 } as const;
/** vfio_region_info.flags */
export const RegionFlags = { READ: 1 << 0, WRITE: 1 << 1, MMAP: 1 << 2, CAPS: 1 << 3 } as const;
/** vfio_irq_info.flags */
export const IrqInfoFlags = {
  EVENTFD: 1 << 0,
  MASKABLE: 1 << 1,
  AUTOMASKED: 1 << 2,
  NORESIZE: 1 << 3,
} as const;
/** vfio_irq_set.flags */
export const IrqSetFlags = {
  DATA_NONE: 1 << 0,
  DATA_BOOL: 1 << 1,
  DATA_EVENTFD: 1 << 2,
  ACTION_MASK: 1 << 3,
  ACTION_UNMASK: 1 << 4,
  ACTION_TRIGGER: 1 << 5,
} as const;
/** vfio_iommu_type1_info.flags */
export const IommuInfoFlags = { PGSIZES: 1 << 0, CAPS: 1 << 1 } as const;
/** Capability id of the valid-IOVA-ranges capability in vfio_iommu_type1_info. */
export const VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
/** vfio_iommu_type1_dma_map.flags */
export const DmaMapFlags = { READ: 1 << 0, WRITE: 1 << 1 } as const;

/** vfio-pci's fixed region indexes. */
export const PciRegion = { BAR0: 0, BAR5: 5, ROM: 6, CONFIG: 7 } as const;
/** vfio-pci's fixed IRQ indexes. */
export const PciIrq = { INTX: 0, MSI: 1, MSIX: 2, ERR: 3, REQ: 4 } as const;

/** struct vfio_group_status */
export const GroupStatus = koffi.struct("vfio_group_status", { argsz: "uint32", flags: "uint32" });
/** Decoded vfio_group_status. */
export interface GroupStatusValue {
  argsz: number;
  flags: number;
}

/** struct vfio_device_info */
export const DeviceInfo = koffi.struct("vfio_device_info", {
  argsz: "uint32",
  flags: "uint32",
  num_regions: "uint32",
  num_irqs: "uint32",
  cap_offset: "uint32",
  pad: "uint32",
});
/** Decoded vfio_device_info. */
export interface DeviceInfoValue {
  argsz: number;
  flags: number;
  num_regions: number;
  num_irqs: number;
}

/** struct vfio_region_info */
export const RegionInfo = koffi.struct("vfio_region_info", {
  argsz: "uint32",
  flags: "uint32",
  index: "uint32",
  cap_offset: "uint32",
  size: "uint64",
  offset: "uint64",
});
/** Decoded vfio_region_info (u64 fields as koffi gives them). */
export interface RegionInfoValue {
  argsz: number;
  flags: number;
  index: number;
  cap_offset: number;
  size: number | bigint;
  offset: number | bigint;
}

/** struct vfio_irq_info */
export const IrqInfo = koffi.struct("vfio_irq_info", {
  argsz: "uint32",
  flags: "uint32",
  index: "uint32",
  count: "uint32",
});
/** Decoded vfio_irq_info. */
export interface IrqInfoValue {
  argsz: number;
  flags: number;
  index: number;
  count: number;
}

/** struct vfio_irq_set header; `data[]` (eventfds as s32) follows it. */
export const IrqSet = koffi.struct("vfio_irq_set", {
  argsz: "uint32",
  flags: "uint32",
  index: "uint32",
  start: "uint32",
  count: "uint32",
});

/** struct vfio_info_cap_header, the link of every capability chain. */
export const CapHeader = koffi.struct("vfio_info_cap_header", {
  id: "uint16",
  version: "uint16",
  next: "uint32",
});
/** Decoded vfio_info_cap_header. */
export interface CapHeaderValue {
  id: number;
  version: number;
  next: number;
}

/** struct vfio_iommu_type1_info */
export const IommuType1Info = koffi.struct("vfio_iommu_type1_info", {
  argsz: "uint32",
  flags: "uint32",
  iova_pgsizes: "uint64",
  cap_offset: "uint32",
  pad: "uint32",
});
/** Decoded vfio_iommu_type1_info. */
export interface IommuType1InfoValue {
  argsz: number;
  flags: number;
  iova_pgsizes: number | bigint;
  cap_offset: number;
}

/** struct vfio_iommu_type1_info_cap_iova_range header; `vfio_iova_range[nr_iovas]` follows it. */
export const IovaRangeCap = koffi.struct("vfio_iommu_type1_info_cap_iova_range", {
  header: CapHeader,
  nr_iovas: "uint32",
  reserved: "uint32",
});
/** struct vfio_iova_range (inclusive end). */
export const IovaRangeEntry = koffi.struct("vfio_iova_range", { start: "uint64", end: "uint64" });

/** struct vfio_iommu_type1_dma_map */
export const DmaMap = koffi.struct("vfio_iommu_type1_dma_map", {
  argsz: "uint32",
  flags: "uint32",
  vaddr: "uint64",
  iova: "uint64",
  size: "uint64",
});

/** struct vfio_iommu_type1_dma_unmap */
export const DmaUnmap = koffi.struct("vfio_iommu_type1_dma_unmap", {
  argsz: "uint32",
  flags: "uint32",
  iova: "uint64",
  size: "uint64",
});

/** struct vfio_device_bind_iommufd: binds a device cdev to an iommufd, returning the device's id in it. */
export const DeviceBindIommufd = koffi.struct("vfio_device_bind_iommufd", {
  argsz: "uint32",
  flags: "uint32",
  iommufd: "int32",
  out_devid: "uint32",
});

/** struct vfio_device_attach_iommufd_pt: attaches a bound device to an IOAS (or page table) by id. */
export const DeviceAttachIommufdPt = koffi.struct("vfio_device_attach_iommufd_pt", {
  argsz: "uint32",
  flags: "uint32",
  pt_id: "uint32",
});
