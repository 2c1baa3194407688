/**
 * The objects of the API (NVMED, NVMED_QUEUE, NVMED_HANDLE) and the per-controller sharing behind
 * them: several nvmed_open calls on one controller share one connection (reference counted, so closing
 * one does not pull the device from the others: NVMeDirect PR #21's crash) and one block cache per
 * namespace.
 * @module
 */
import type { Controller, DmaBuffer, Namespace, NvmeDriver, QueuePair } from "@nvmekit/core";
import type { BlockCache } from "./cache/block-cache.js";
import type { NvmedError } from "./errors.js";

/** One controller as every nvmed_open on it shares it. @internal */
export interface SharedController {
  /** The attached controller. */
  readonly ctrlr: Controller;
  /** Open NVMEDs on it. */
  refs: number;
  /** Block caches by namespace ID (created by the first cached open of that namespace). */
  readonly caches: Map<number, BlockCache>;
}

/**
 * An open device (the seed's `struct NVMED`): one namespace of one controller. Create with
 * nvmed_open, release with nvmed_close. Fields are read-only for applications.
 */
export class NVMED {
  /** Reason of the last failed call on this device, or null. */
  lastError: NvmedError | null = null;
  /** Queues created on it and not destroyed. */
  readonly queues = new Set<NVMED_QUEUE>();
  /** Buffers from nvmed_get_buffer not yet put back. @internal */
  readonly buffers = new Map<Uint8Array, DmaBuffer>();
  /** False once nvmed_close succeeded. */
  open = true;

  /** @internal */
  constructor(
    /** The path as given to nvmed_open. */
    readonly path: string,
    /** nvmed_open's flags. */
    readonly flags: number,
    /** The namespace. */
    readonly ns: Namespace,
    /** @internal */
    readonly shared: SharedController,
    /** @internal The driver whose connection this open acquired; null when the application gave the controller. */
    readonly driver: NvmeDriver | null,
    /** @internal The block cache, or null under NVMED_NO_CACHE. */
    readonly cache: BlockCache | null,
  ) {}

  /** The controller. */
  get ctrlr(): Controller {
    return this.shared.ctrlr;
  }

  /** Bytes of the namespace (the seed's `capacity`). */
  get capacity(): number {
    return this.ns.size;
  }

  /** Bytes per sector: the alignment of direct I/O and discard (the seed says 512; it is the namespace's). */
  get sectorSize(): number {
    return this.ns.sectorSize;
  }

  /** The cache of this namespace, whoever created it: direct I/O keeps it coherent even under NO_CACHE. @internal */
  get sharedCache(): BlockCache | null {
    return this.cache ?? this.shared.caches.get(this.ns.id) ?? null;
  }
}

/** An I/O queue (the seed's `struct NVMED_QUEUE`): one core I/O queue pair. */
export class NVMED_QUEUE {
  /** Reason of the last failed call on this queue, or null. */
  lastError: NvmedError | null = null;
  /** Handles using this queue (the original's numHandle). */
  numHandle = 0;
  /** False once nvmed_queue_destroy succeeded. */
  live = true;
  /** AIO contexts of HANDLE_INTERRUPT handles in flight on it: while any, it is reaped on interrupts. @internal */
  interruptWaiters = 0;
  /** Whether its interrupt loop runs. @internal */
  reaping = false;

  /** @internal */
  constructor(
    /** The device. */
    readonly nvmed: NVMED,
    /** The core queue pair. */
    readonly qp: QueuePair,
    /** nvmed_queue_create's flags (QUEUE_INTERRUPT, QUEUE_DELAYED_DOORBELL, QUEUE_MANUAL_COMPLETION). */
    readonly flags: number,
  ) {}

  /** The queue ID on the controller. */
  get qid(): number {
    return this.qp.id;
  }
}

/** A multi-queue handle's queue selector (seed: `NVMED_QUEUE* (func)(NVMED_HANDLE handle, u8 opcode, unsigned long offs, unsigned int len)`). */
export type NvmedSelectFn = (
  handle: NVMED_HANDLE,
  opcode: number,
  offset: number,
  len: number,
) => NVMED_QUEUE | null;

/** An I/O handle (the seed's `struct NVMED_HANDLE`): a file-like position and a path (direct or cached). */
export class NVMED_HANDLE {
  /** Reason of the last failed call on this handle, or null. */
  lastError: NvmedError | null = null;
  /** The read/write position in bytes (nvmed_lseek). */
  offset = 0;
  /** False once destroyed. */
  live = true;
  // AIO counts, only ever increased (one increment per I/O on each side): in flight and "since the
  // last call" are differences.
  /** AIO contexts submitted on this handle, ever. @internal */
  aioSubmitted = 0;
  /** Of those, completed. @internal */
  aioDone = 0;
  /** aioSubmitted at the last nvmed_aio_queue_submit. @internal */
  aioSubmittedSeen = 0;
  /** aioDone at the last nvmed_aio_handle_complete. @internal */
  aioDoneSeen = 0;

  /** AIO contexts submitted and not yet completed. */
  get aioInFlight(): number {
    return this.aioSubmitted - this.aioDone;
  }

  /** @internal */
  constructor(
    /** Its queues: one, or several for a multi-queue handle (the first is the original's home queue). */
    readonly queues: readonly NVMED_QUEUE[],
    /** HANDLE_* flags; change them with nvmed_handle_feature_set. */
    public flags: number,
    /** The multi-queue selector, or null. */
    readonly select: NvmedSelectFn | null,
  ) {
    this.distinctQueues = [...new Set(queues)];
    this.nvmed = queues[0]!.nvmed;
  }

  /** @internal Its queues without repeats, computed once: every AIO poll walks them. */
  readonly distinctQueues: readonly NVMED_QUEUE[];

  /** The device (a field, not a getter: every I/O reads it). */
  readonly nvmed: NVMED;
}
