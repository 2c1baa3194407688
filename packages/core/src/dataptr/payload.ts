/**
 * The payload descriptor: a command's data as the submitter described it (SPDK's nvme_payload), one
 * per request, preallocated. The transport turns it into its own data pointer: PCIe into PRPs or an
 * SGL over IOVAs, NVMe/TCP into a transport SGL with the bytes carried in PDUs, RDMA into keyed SGLs.
 * @module
 */
import type { IoVec } from "../dma/dma-memory.js";
import type { NvmeCommand } from "../nvme-spec/command.js";
import type { PrpListPages } from "./prp.js";
import type { SglSegment } from "./sgl.js";

/**
 * Restarts a scattered payload walk at byte `offset` (spdk_nvme_req_reset_sgl_cb). Called on the
 * queue pair's thread each time a piece of the I/O is posted (at submission, later when it waited
 * for a tracker, again on a retry). An exception it throws fails the command with PRP Offset Invalid.
 */
export type ResetSglCallback<A = unknown> = (arg: A, offset: number) => void;

/** Where {@link NextSgeCallback} puts the next segment. */
export interface SgeOut {
  /** A view of the segment (DMA memory on transports that need device addresses). */
  view: ArrayBufferView | null;
}

/**
 * Stores the current segment in `out.view` and advances to the next one; returns 0, or non-zero
 * on error (spdk_nvme_req_next_sge_cb). Called after {@link ResetSglCallback}, on the same thread.
 * A non-zero return, a segment the transport cannot use or an empty one, or a walk short of the
 * transfer fails the command with Data SGL Length Invalid; an exception, with PRP Offset Invalid.
 */
export type NextSgeCallback<A = unknown> = (arg: A, out: SgeOut) => number;

/** How a payload's data is described. */
export enum PayloadKind {
  /** No data transfer. */
  None = 0,
  /** One contiguous view. */
  Contiguous = 1,
  /** Segments produced by the caller's reset/next callbacks, starting at `sglOffset`. */
  Scattered = 2,
  /** A list of device addresses given up front (e.g. a memory domain's translation). */
  IoVecs = 3,
}

/**
 * One command's data. Fields are public for the engine and transports; applications never see it.
 * A transport reads it only while building the data pointer and, on transports that copy (TCP),
 * until the command completes: the caller's buffers stay untouched until then.
 */
export class Payload {
  /** How the data is described. */
  kind = PayloadKind.None;
  /** Bytes of data the command moves (metadata in a separate buffer not included). */
  length = 0;
  /** Contiguous: the caller's view; the data starts at `viewOffset` bytes into it. */
  view: ArrayBufferView | null = null;
  /** Contiguous: byte offset of the data within `view` (a split piece's place in the caller's buffer). */
  viewOffset = 0;
  /** Contiguous: device address of the data's first byte, or -1 when `view` is not DMA memory. */
  iova = -1;
  /** IoVecs: the segments (device addresses, and views where the CPU can see them). */
  iovs: readonly IoVec[] | null = null;
  /** IoVecs: how many of `iovs` are used. */
  iovCount = 0;
  /** Scattered: the caller's argument for the callbacks. */
  sglArg: unknown = undefined;
  /** Scattered: reset callback. */
  resetSgl: ResetSglCallback<never> | null = null;
  /** Scattered: next-segment callback. */
  nextSge: NextSgeCallback<never> | null = null;
  /** Scattered: byte offset of this command's data within the caller's list. */
  sglOffset = 0;
  /** A separate metadata buffer, or null. */
  metadata: ArrayBufferView | null = null;
  /** Byte offset of this command's metadata within `metadata`. */
  metadataOffset = 0;
  /** Device address of this command's metadata, or -1 for none. */
  metadataIova = -1;

  /** Back to no data. */
  clear(): void {
    this.kind = PayloadKind.None;
    this.length = 0;
    this.view = null;
    this.viewOffset = 0;
    this.iova = -1;
    this.iovs = null;
    this.iovCount = 0;
    this.sglArg = undefined;
    this.resetSgl = null;
    this.nextSge = null;
    this.sglOffset = 0;
    this.metadata = null;
    this.metadataOffset = 0;
    this.metadataIova = -1;
  }

  /** Describes `length` bytes of contiguous `view`, whose device address is `iova` (-1: none). */
  setContiguous(view: ArrayBufferView, iova: number, length: number): void {
    this.kind = PayloadKind.Contiguous;
    this.view = view;
    this.viewOffset = 0;
    this.iova = iova;
    this.length = length;
  }

  /**
   * Describes the piece of `whole` that is `length` bytes from byte `offset` (metadata from byte
   * `metadataOffset`): one command of a split I/O. IoVecs are sliced into a new list.
   */
  setPiece(whole: Payload, offset: number, length: number, metadataOffset: number): void {
    this.kind = whole.kind;
    this.length = length;
    if (whole.kind === PayloadKind.Contiguous) {
      this.view = whole.view;
      this.viewOffset = whole.viewOffset + offset;
      this.iova = whole.iova < 0 ? -1 : whole.iova + offset;
    } else if (whole.kind === PayloadKind.IoVecs) {
      this.iovs = sliceIoVecs(whole.iovs!, whole.iovCount, offset, length);
      this.iovCount = this.iovs.length;
    } else if (whole.kind === PayloadKind.Scattered) {
      this.sglArg = whole.sglArg;
      this.resetSgl = whole.resetSgl;
      this.nextSge = whole.nextSge;
      this.sglOffset = whole.sglOffset + offset;
    }
    if (whole.metadata !== null) {
      this.metadata = whole.metadata;
      this.metadataOffset = whole.metadataOffset + metadataOffset;
      this.metadataIova = whole.metadataIova < 0 ? -1 : whole.metadataIova + metadataOffset;
    }
  }
}

/** The part of `iovs[0..count)` covering `length` bytes from byte `offset` (a new list: not on the per-I/O path). */
export function sliceIoVecs(iovs: readonly IoVec[], count: number, offset: number, length: number): IoVec[] {
  const out: IoVec[] = [];
  for (let i = 0; i < count && length > 0; i++) {
    const v = iovs[i]!;
    if (offset >= v.length) {
      offset -= v.length;
      continue;
    }
    const take = Math.min(v.length - offset, length);
    const piece: IoVec = { iova: v.iova + offset, length: take };
    if (v.view !== undefined) piece.view = v.view.subarray(offset, offset + take);
    if (v.rkey !== undefined) piece.rkey = v.rkey;
    out.push(piece);
    length -= take;
    offset = 0;
  }
  return out;
}

/** Per-command list memory a data pointer may need: a request tracker's PRP list pages and SGL segment. */
export interface DataPointerLists {
  /** PRP list pages. */
  readonly prpPages: PrpListPages;
  /** SGL segment. */
  readonly sglSegment: SglSegment;
}

/**
 * Builds a command's data pointer from its payload, just before the command is posted with its
 * command identifier set. Runs per I/O: no FFI call, no allocation, no closure.
 */
export interface DataPointerBuilder {
  /**
   * Describes `payload` in `cmd` (PCIe: PRP1/PRP2 or SGL1, and MPTR), using `lists` for list memory.
   * @returns 0, or the generic status code the command fails with (then nothing is posted)
   */
  build(cmd: NvmeCommand, payload: Payload, lists: DataPointerLists): number;
}
