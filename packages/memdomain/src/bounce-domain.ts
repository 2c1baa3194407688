/**
 * The bounce domain: memory no device can reach (ordinary ArrayBuffers, memory owned elsewhere and
 * visible to JS). It offers no translation, so the driver bounces its data through DMA memory: it
 * pulls into a DMA buffer before a write and pushes back after a read, by copy.
 * @module
 */
import {
  createMemoryDomain,
  DmaDeviceType,
  type MemoryDomain,
  memzeroByFill,
  pullByCopy,
  pushByCopy,
} from "@nvmekit/core";

/** Creates a bounce domain; `id` names it in the registry (default "bounce"). */
export function createBounceMemoryDomain(id = "bounce"): MemoryDomain {
  const domain = createMemoryDomain(DmaDeviceType.Dma, null, id);
  domain.setPull(pullByCopy);
  domain.setPush(pushByCopy);
  domain.setMemzero(memzeroByFill);
  return domain;
}
