/**
 * The kinds of DMA device that can reach a memory domain (SPDK's `enum spdk_dma_device_type`).
 * @module
 */

/** Type of the DMA device that can access a memory domain. */
export enum DmaDeviceType {
  /** RDMA devices: DMA through the RDMA model (protection domain, lkey/rkey, address). */
  Rdma = 0,
  /** DMA devices: DMA by physical or I/O virtual addresses (the PCIe/VFIO path). */
  Dma = 1,
  /** A virtual domain for memory being transformed by an acceleration framework. */
  Accel = 2,
  /** First vendor-specific type; plugins pick their own types in [1000, 1999]. */
  VendorSpecificStart = 1000,
  /** Last vendor-specific type. */
  VendorSpecificEnd = 1999,
}

/** Device id SPDK gives its internal RDMA DMA device (`SPDK_RDMA_DMA_DEVICE`); the RDMA plugin uses it. */
export const RDMA_DMA_DEVICE = "SPDK_RDMA_DMA_DEVICE";

/** Whether `type` is one of the standard types or inside the vendor-specific range. */
export function isDmaDeviceType(type: number): boolean {
  if (!Number.isInteger(type)) return false;
  return (
    type === DmaDeviceType.Rdma ||
    type === DmaDeviceType.Dma ||
    type === DmaDeviceType.Accel ||
    (type >= DmaDeviceType.VendorSpecificStart && type <= DmaDeviceType.VendorSpecificEnd)
  );
}
