/**
 * The iommufd user ABI (include/uapi/linux/iommufd.h): ioctl numbers, flags and the argument
 * structures as koffi struct types. Every iommufd ioctl is `_IO(';', 0x80 + n)` on /dev/iommu, with
 * the structure size in its leading `size` field; the kernel rejects non-zero bytes it does not know.
 * @module
 */
import koffi from "koffi";

const iommufdIoctl = (cmd: number) => (0x3b << 8) | cmd;

/** iommufd ioctl request numbers (IOMMUFD_CMD_*). */
export const IommufdIoctl = {
  DESTROY: iommufdIoctl(0x80),
  IOAS_ALLOC: iommufdIoctl(0x81),
  IOAS_IOVA_RANGES: iommufdIoctl(0x84),
  IOAS_MAP: iommufdIoctl(0x85),
  IOAS_UNMAP: iommufdIoctl(0x86),
} as const;

/** enum iommufd_ioas_map_flags */
export const IoasMapFlags = { FIXED_IOVA: 1 << 0, WRITEABLE: 1 << 1, READABLE: 1 << 2 } as const;

/** struct iommu_destroy */
export const IommuDestroy = koffi.struct("iommu_destroy", { size: "uint32", id: "uint32" });

/** struct iommu_ioas_alloc */
export const IoasAlloc = koffi.struct("iommu_ioas_alloc", {
  size: "uint32",
  flags: "uint32",
  out_ioas_id: "uint32",
});

/** struct iommu_iova_range (inclusive last). */
export const IommuIovaRange = koffi.struct("iommu_iova_range", { start: "uint64", last: "uint64" });
/** Decoded iommu_iova_range (u64 fields as koffi gives them). */
export interface IommuIovaRangeValue {
  start: number | bigint;
  last: number | bigint;
}

/** struct iommu_ioas_iova_ranges; `allowed_iovas` points at an array of iommu_iova_range. */
export const IoasIovaRanges = koffi.struct("iommu_ioas_iova_ranges", {
  size: "uint32",
  ioas_id: "uint32",
  num_iovas: "uint32",
  reserved: "uint32",
  allowed_iovas: "uint64",
  out_iova_alignment: "uint64",
});
/** Decoded iommu_ioas_iova_ranges. */
export interface IoasIovaRangesValue {
  num_iovas: number;
  out_iova_alignment: number | bigint;
}

/** struct iommu_ioas_map */
export const IoasMap = koffi.struct("iommu_ioas_map", {
  size: "uint32",
  flags: "uint32",
  ioas_id: "uint32",
  reserved: "uint32",
  user_va: "uint64",
  length: "uint64",
  iova: "uint64",
});

/** struct iommu_ioas_unmap; the kernel writes back in `length` how many bytes it unmapped. */
export const IoasUnmap = koffi.struct("iommu_ioas_unmap", {
  size: "uint32",
  ioas_id: "uint32",
  iova: "uint64",
  length: "uint64",
});
