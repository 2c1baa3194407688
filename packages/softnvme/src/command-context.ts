/**
 * What a command handler of the soft controller works with: the raw entry, and data movement through
 * the command's data and metadata pointers, recorded for tests as it happens.
 * @module
 */
import type { CommandRecord } from "./command-log.js";
import { gather, resolveData, resolveMetadata, scatter } from "./data-pointer.js";
import type { DmaSpace } from "./dma-space.js";

/** Returned by a handler whose command completes later (Asynchronous Event Request). */
export const PENDING: unique symbol = Symbol("pending completion");

/** A handler's outcome: completion DW0, or {@link PENDING}. Errors are thrown as CommandFailure. */
export type HandlerResult = number | typeof PENDING;

/** One command being executed. */
export class CommandContext {
  /** Completion DW1 the handler sets when its command returns one (Zone Append's LBA, high half). */
  dw1 = 0;

  /**
   * @param qid submission queue it came from
   * @param sqe the 16 dwords of the entry (the record's copy)
   * @param record the command's log record, where moved data is copied to
   * @param dma host DMA memory
   * @param pageSize memory page size (CC.MPS)
   * @param recordData whether to copy moved data into the record
   */
  constructor(
    readonly qid: number,
    readonly sqe: Uint32Array,
    readonly record: CommandRecord,
    private readonly dma: DmaSpace,
    private readonly pageSize: number,
    private readonly recordData: boolean,
  ) {}

  /** Host → device: reads `length` bytes through the data pointer. */
  dataIn(length: number): Uint8Array {
    const t = resolveData(this.dma, this.sqe, length, this.pageSize, true);
    const data = gather(t, length);
    this.record.listIovas = t.listIovas;
    this.record.direction = "toDevice";
    if (this.recordData) this.record.data = data.slice();
    return data;
  }

  /** Device → host: writes `bytes` through the data pointer. */
  dataOut(bytes: Uint8Array): void {
    const t = resolveData(this.dma, this.sqe, bytes.length, this.pageSize, false);
    scatter(t, bytes);
    this.record.listIovas = t.listIovas;
    this.record.direction = "toHost";
    if (this.recordData) this.record.data = bytes.slice();
  }

  /** Host → device: reads `length` bytes of separate metadata through MPTR. */
  metadataIn(length: number): Uint8Array {
    const data = gather(resolveMetadata(this.dma, this.sqe, length, true), length);
    if (this.recordData) this.record.metadata = data.slice();
    return data;
  }

  /** Device → host: writes separate metadata through MPTR. */
  metadataOut(bytes: Uint8Array): void {
    scatter(resolveMetadata(this.dma, this.sqe, bytes.length, false), bytes);
    if (this.recordData) this.record.metadata = bytes.slice();
  }
}
