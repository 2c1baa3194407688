/**
 * One nvm_* command in flight: its planned NVMe commands (pieces), buffers, status and where its
 * completion goes. Asynchronous contexts preallocate theirs, so the asynchronous path allocates
 * nothing per command.
 * @module
 */
import type { DmaBuffer, QueuePair } from "@nvmekit/core";
import type { nvm_async_ctx } from "./async-ctx.js";
import type { nvm_dev } from "./device.js";
import { type Piece, pieceArray } from "./plan.js";
import type { nvm_ret } from "./ret.js";

/** What a record does. */
export const enum Op {
  Read = 0,
  Write = 1,
  Erase = 2,
  Copy = 3,
  Append = 4,
}

/** One nvm_* command in flight. Fields are set by the command that takes the record. */
export class CmdRecord {
  /** The NVMe commands, planned; for a copy, its reads. */
  readonly pieces: Piece[] = pieceArray();
  /** For a copy: its writes, run after every read completed. */
  readonly writes: Piece[] = pieceArray();
  /** Planned entries of `pieces`. */
  npieces = 0;
  /** Planned entries of `writes` (copy). */
  nwrites = 0;
  /** Requests of its queue pair it may use at once (an async context accounts for them). */
  reserved = 0;
  /** NVMe commands submitted and not completed. */
  left = 0;
  /** Packed status of the first failing piece, 0 while all succeeded. */
  status = 0;
  /** Completion DW0 of the last piece; an append's LBA. */
  result = 0;
  /** What it does. */
  op = Op.Read;
  /** Whether a copy has moved on to its writes. */
  writing = false;
  /** The device. */
  dev!: nvm_dev;
  /** The queue pair it runs on. */
  qp!: QueuePair;
  /** The data as the device sees it (the caller's buffer, or `bounce`). */
  data: Uint8Array | null = null;
  /** The caller's buffer when `bounce` stands in for it (a read copies back into it). */
  user: Uint8Array | null = null;
  /** DMA memory of this command, freed when it completes. */
  bounce: DmaBuffer | null = null;
  /**
   * Where the device reaches `data[0]` when the command's own checks hold core's `submitPrechecked`
   * contract for its pieces (see prepare.ts), else -1: its reads and writes then go through core's
   * checked calls.
   */
  iova = -1;
  /** Bytes per sector `data` was sized with (the namespace's extended block size then). */
  blockSize = 0;
  /** Out-of-band bytes (DMA memory), or null. */
  meta: Uint8Array | null = null;
  /** The caller's nvm_ret. */
  ret: nvm_ret | null = null;
  /** The async context whose record this is, or null (a synchronous command's). */
  ctx: nvm_async_ctx | null = null;
  /** Called once the command is complete and `ret` filled. */
  finish: ((rec: CmdRecord) => void) | null = null;
  /** Why the command is complete with an error status that is not the device's (a failed submission). */
  submitError: unknown = null;
}
