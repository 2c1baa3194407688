/**
 * The data pointer of memory-addressed transports (PCIe, and transports that model it): PRPs, or an
 * SGL when the controller supports SGLs, over the IOVAs of the controller's DMA memory. A queue port
 * without a {@link DataPointerBuilder} of its own gets this one.
 * @module
 */
import type { DmaAllocator, IoVec } from "../dma/dma-memory.js";
import type { NvmeCommand } from "../nvme-spec/command.js";
import { GenericStatus } from "../nvme-spec/status.js";
import {
  type DataPointerBuilder,
  type DataPointerLists,
  type NextSgeCallback,
  type Payload,
  PayloadKind,
  type ResetSglCallback,
  type SgeOut,
} from "./payload.js";
import { mapOnePagePrp, mapPrp, mapvPrp } from "./prp.js";
import { mapvSgl } from "./sgl.js";

/** Largest scatter list one command may have; beyond it the command fails with Data SGL Length Invalid. */
export const MAX_SEGMENTS = 512;

/** PRPs or SGLs over IOVAs, with list memory from each request tracker. Allocates nothing per command. */
export class PrpSglBuilder implements DataPointerBuilder {
  private readonly iov: IoVec[] = [];
  private readonly sge: SgeOut = { view: null };

  /**
   * @param dma the controller's DMA memory: scattered segments must lie in it
   * @param sglSupported whether the controller takes SGLs for this queue's commands (else PRPs)
   */
  constructor(
    private readonly dma: DmaAllocator,
    private readonly sglSupported: boolean,
  ) {
    for (let i = 0; i < MAX_SEGMENTS; i++) this.iov.push({ iova: 0, length: 0 });
  }

  /**
   * Writes PRP1/PRP2 or SGL1 and MPTR. Returns 0, or the generic status the command fails with: the
   * caller's segments do not describe its length, or they break PRP rules on a controller without SGLs.
   */
  build(cmd: NvmeCommand, payload: Payload, lists: DataPointerLists): number {
    // The common case, one page of contiguous data, in one step; anything else the general way, in a
    // function of its own so that this one stays small enough to inline into the per-I/O path.
    if (
      payload.kind !== PayloadKind.Contiguous ||
      !mapOnePagePrp(cmd, payload.iova, payload.length, this.dma.pageSize)
    ) {
      const failed = this.mapOrFail(cmd, payload, lists);
      if (failed !== 0) return failed;
    }
    if (payload.metadataIova >= 0) cmd.mptr = payload.metadataIova;
    return 0;
  }

  /** {@link map}, with what it refuses turned into the status the command fails with (0: mapped). */
  private mapOrFail(cmd: NvmeCommand, payload: Payload, lists: DataPointerLists): number {
    try {
      return this.map(cmd, payload, lists) ? 0 : GenericStatus.DataSglLengthInvalid;
    } catch {
      return GenericStatus.PrpOffsetInvalid;
    }
  }

  private map(cmd: NvmeCommand, payload: Payload, lists: DataPointerLists): boolean {
    const pageSize = this.dma.pageSize;
    if (payload.kind === PayloadKind.Contiguous) {
      mapPrp(cmd, payload.iova, payload.length, pageSize, lists.prpPages);
      return true;
    }
    if (payload.kind === PayloadKind.IoVecs) {
      this.mapv(cmd, payload.iovs!, payload.iovCount, lists);
      return true;
    }
    if (payload.kind !== PayloadKind.Scattered) return true;
    const resetSgl = payload.resetSgl as unknown as ResetSglCallback;
    const nextSge = payload.nextSge as unknown as NextSgeCallback;
    resetSgl(payload.sglArg, payload.sglOffset);
    let left = payload.length;
    let n = 0;
    while (left > 0) {
      this.sge.view = null;
      if (n === MAX_SEGMENTS || nextSge(payload.sglArg, this.sge) !== 0 || this.sge.view === null)
        return false;
      const view: ArrayBufferView = this.sge.view;
      const iova = this.dma.iovaOf(view);
      if (iova < 0 || view.byteLength === 0) return false;
      const seg = this.iov[n++]!;
      seg.iova = iova;
      seg.length = Math.min(view.byteLength, left);
      left -= seg.length;
    }
    this.mapv(cmd, this.iov, n, lists);
    return true;
  }

  private mapv(cmd: NvmeCommand, iov: readonly IoVec[], n: number, lists: DataPointerLists): void {
    if (this.sglSupported) mapvSgl(cmd, iov, n, lists.sglSegment);
    else mapvPrp(cmd, iov, n, this.dma.pageSize, lists.prpPages);
  }
}
