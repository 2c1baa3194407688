/**
 * How the controller model reaches host memory: by device address (IOVA), through a {@link DmaSpace}
 * that either returns the bytes or reports a {@link DmaFault}, as an IOMMU would.
 * @module
 */

/** A device access to an IOVA that no live allocation covers: what an IOMMU would report as a fault. */
export class DmaFault extends Error {
  /** The first device address of the faulting access. */
  readonly iova: number;
  /** Length in bytes of the faulting access. */
  readonly length: number;

  /** @param iova faulting address  @param length access length  @param why what is wrong with it */
  constructor(iova: number, length: number, why: string) {
    super(`DMA fault: ${length} bytes at IOVA 0x${iova.toString(16)}: ${why}`);
    this.name = "DmaFault";
    this.iova = iova;
    this.length = length;
  }
}

/** Host memory as the device sees it. */
export interface DmaSpace {
  /**
   * The bytes at `[iova, iova + length)`, which must lie inside one live allocation.
   * @throws DmaFault when they do not (a wild pointer in a command, a freed buffer, a bad PRP).
   */
  resolve(iova: number, length: number): Uint8Array;
}
