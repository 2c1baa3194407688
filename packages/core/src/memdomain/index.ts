/**
 * Memory domains: SPDK's `spdk_memory_domain` (include/spdk/dma.h) in TypeScript. A memory domain
 * describes memory some DMA device can reach and how to move (pull, push, transfer, memzero) or
 * translate data between domains, so an application can hand the driver buffers that do not live
 * in the driver's own DMA memory.
 *
 * How a plugin provides a domain (e.g. the VFIO/IOVA domain or the RDMA domain of another package):
 * ```ts
 * const domain = createMemoryDomain<RdmaMemoryDomainContext>(DmaDeviceType.Rdma, { rdma: { pd } }, RDMA_DMA_DEVICE);
 * domain.setTranslation((_srcDomain, _srcCtx, _dstDomain, _dstCtx, iov, result) => {
 *   const mr = lookUp(iov);                  // the plugin's own registration lookup
 *   if (mr === undefined) return -EFAULT;
 *   result.iovCount = 1;
 *   result.iov.addr = mr.addrOf(iov);        // the address the destination device uses (an IOVA, a VA)
 *   result.iov.length = iov.length;          // fewer bytes than asked makes translateData fail (-EFAULT)
 *   result.rdma = mr.keys;                   // { lkey, rkey } for an RDMA destination, else leave null
 *   return 0;
 * });
 * domain.setPull(pullByCopy);                // or an asynchronous pull: return 0, complete later
 * // ... on shutdown:
 * destroyMemoryDomain(domain);
 * ```
 * The DMA (VFIO) domain does the same with `DmaDeviceType.Dma`, translating views of its DMA
 * buffers into IOVAs (`result.iov.addr`) and leaving `rdma` null.
 * @module
 */

export { EFAULT, EINVAL, ENOTSUP, errnoName } from "../errors/errno.js";
export * from "./callbacks.js";
export * from "./context.js";
export * from "./copy.js";
export * from "./copy-callbacks.js";
export * from "./device-type.js";
export * from "./domain.js";
export * from "./errors.js";
export { type MemoryDomainEvent, memoryDomainEvents$ } from "./events.js";
export * from "./iovec.js";
export * from "./registry.js";
export * from "./translation.js";
