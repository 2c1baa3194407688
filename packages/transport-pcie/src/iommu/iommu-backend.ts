/**
 * The seam between a VFIO device and the IOMMU interface that isolates it. The legacy type1
 * container/group API implements it today; the iommufd API (/dev/iommu + the vfio device cdev) is
 * the second implementation where the kernel has it. Everything above (DMA allocator, device)
 * sees only this interface, as in libvfn's iommu/ layer.
 * @module
 */

/** A range of IOVAs the IOMMU accepts mappings in: [start, end), both page-aligned numbers. */
export interface IovaRange {
  /** First IOVA. */
  readonly start: number;
  /** One past the last IOVA. */
  readonly end: number;
}

/** An IOMMU address space with one PCI function attached. */
export interface IommuBackend {
  /** Which kernel interface this is, for messages. */
  readonly kind: "vfio-type1" | "iommufd";
  /** Where mappings may go (reserved regions such as the MSI window excluded), ascending. */
  readonly iovaRanges: readonly IovaRange[];
  /** Smallest IOMMU page size: the granularity of IOVAs and mapping sizes. */
  readonly minPageSize: number;
  /** The device's file descriptor (already attached to this address space). */
  readonly deviceFd: number;
  /** Makes `size` bytes of process memory at `vaddr` reachable by the device at `iova` (pins it). */
  mapDma(vaddr: bigint, iova: number, size: number): void;
  /** Removes a mapping made by {@link mapDma} with the same `iova` and `size` (unpins it). */
  unmapDma(iova: number, size: number): void;
  /** Closes the device, then the address space (idempotent). All mappings are gone afterwards. */
  close(): void;
}

/** Options every backend understands. */
export interface IommuBackendOptions {
  /** sysfs mount point (default /sys). */
  readonly sysfsRoot?: string;
  /** Device-node folder (default /dev). */
  readonly devRoot?: string;
  /**
   * Accept a function that is not isolated by an IOMMU (VFIO's no-IOMMU mode). Without it,
   * opening such a function is refused: a buggy command could then DMA anywhere in memory.
   */
  readonly unsafeNoIommu?: boolean;
}
