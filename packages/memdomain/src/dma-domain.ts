/**
 * The DMA domain: memory a DMA allocator hands out (the PCIe transport's IOMMU-mapped memory, the
 * software controller's shared memory). Translation yields IOVAs, so the driver puts a buffer of this
 * domain straight into a command; pull and push copy between it and CPU-visible memory; memzero fills.
 * @module
 */
import {
  createMemoryDomain,
  type DmaAllocator,
  DmaDeviceType,
  EFAULT,
  type MemoryDomain,
  memzeroByFill,
  pullByCopy,
  pushByCopy,
} from "@nvmekit/core";

/** Creates the DMA domain of `dma`; `id` names it in the registry (default "dma"). */
export function createDmaMemoryDomain(dma: DmaAllocator, id = "dma"): MemoryDomain {
  const domain = createMemoryDomain(DmaDeviceType.Dma, null, id);
  domain.setTranslation((_src, _srcCtx, _dst, _dstCtx, iov, result) => {
    const iova = iov.bytes ? dma.iovaOf(iov.bytes) : -1;
    if (iova < 0) return -EFAULT; // not this allocator's memory: nothing to translate
    result.iovCount = 1;
    result.iov.addr = iova + (iov.offset ?? 0);
    result.iov.length = iov.length;
    return 0;
  });
  domain.setPull(pullByCopy);
  domain.setPush(pushByCopy);
  domain.setMemzero(memzeroByFill);
  return domain;
}
