/**
 * The device side of shared DMA memory: the regions the host announced, looked up by IOVA. A region
 * the host created after the last look is fetched on demand, so an address in brand-new memory never
 * faults just because its announcement was still in flight.
 * @module
 */
import { DmaRegion, type DmaRegionShare } from "./dma-region.js";
import { DmaFault, type DmaSpace } from "./dma-space.js";

/** A {@link DmaSpace} over the host's shared regions. */
export class RegionMap implements DmaSpace {
  private readonly regions: DmaRegion[] = [];

  /**
   * @param initial regions known at start
   * @param fetch returns the regions announced since the last call (e.g. drains a message port)
   */
  constructor(
    initial: readonly DmaRegionShare[],
    private readonly fetch: () => readonly DmaRegionShare[] = () => [],
  ) {
    for (const share of initial) this.add(share);
  }

  /** Adds a region (ignored when already known). */
  add(share: DmaRegionShare): void {
    if (this.regions.some((r) => r.iovaBase === share.iovaBase)) return;
    this.regions.push(DmaRegion.fromShare(share));
  }

  /** Device access to `[iova, iova + length)`; see {@link DmaSpace.resolve}. */
  resolve(iova: number, length: number): Uint8Array {
    let region = this.find(iova);
    if (region === undefined) {
      for (const share of this.fetch()) this.add(share);
      region = this.find(iova);
    }
    if (region === undefined) throw new DmaFault(iova, length, "outside every DMA region");
    return region.resolve(iova, length);
  }

  private find(iova: number): DmaRegion | undefined {
    for (const r of this.regions) if (r.contains(iova)) return r;
    return undefined;
  }
}
