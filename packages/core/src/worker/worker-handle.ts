/**
 * Queue pairs driven from worker threads (the SPDK model: one queue pair per thread). The controller's
 * thread creates the queue and posts a {@link WorkerQueuePairHandle}; the worker opens the transport's
 * part with its transport's attach function, which calls {@link attachQueuePair} to get the same
 * QueuePair and Namespace objects the controller's thread uses, over shared memory. Admin commands
 * stay on the controller's thread.
 * @module
 */
import type { DmaAllocator } from "../dma/dma-memory.js";
import { DmaDeviceType } from "../memdomain/device-type.js";
import type { MemoryDomain } from "../memdomain/domain.js";
import { createMemoryDomain, destroyMemoryDomain } from "../memdomain/registry.js";
import { Namespace, type NamespaceOwner } from "../ns/namespace.js";
import type { IdentifyController } from "../nvme-spec/identify-controller.js";
import type { IdentifyNamespace } from "../nvme-spec/identify-namespace.js";
import type { ZnsIdentifyNamespace } from "../nvme-spec/zns.js";
import { QueueLink } from "../qpair/queue-link.js";
import { QueuePair, type QueuePairSettings } from "../qpair/queue-pair.js";
import type { QueuePort } from "../transport/contract.js";

/**
 * Everything a worker needs to drive one I/O queue pair; postMessage-able. Built on the controller's
 * thread by `Controller.allocIoQpairForWorker`; post it to exactly one worker, which opens it once.
 */
export interface WorkerQueuePairHandle {
  /** The transport's description of the queue and the worker's DMA memory (see its attach function). */
  readonly transport: unknown;
  /** The {@link QueueLink} words through which the controller's thread announces resets. */
  readonly link: SharedArrayBuffer;
  /** The queue pair engine's settings, as the controller would have used them. */
  readonly settings: Omit<QueuePairSettings, "onIdleTick">;
  /** What namespaces need of their controller. */
  readonly controller: {
    /** Identify Controller data. */
    readonly data: IdentifyController;
    /** Largest transfer of one command, in bytes. */
    readonly maxTransferSize: number;
    /** Whether I/O commands may use SGLs. */
    readonly sglSupported: boolean;
    /** Largest Zone Append in bytes (absent: the largest transfer). */
    readonly zoneAppendSizeLimit?: number;
  };
  /** The controller's namespaces when the queue was exported. */
  readonly namespaces: readonly {
    /** Namespace ID. */
    readonly id: number;
    /** Its Identify Namespace data. */
    readonly data: IdentifyNamespace;
    /** Its Zoned Namespace command set Identify Namespace data, when it is zoned. */
    readonly zns?: ZnsIdentifyNamespace | undefined;
  }[];
}

/** What `Controller.allocIoQpairForWorker` returns. */
export interface ExportedQueuePair {
  /** Post this to the worker that will own the queue pair (one worker, opened once). */
  readonly handle: WorkerQueuePairHandle;
  /**
   * Deletes the queue, then frees its memory. Call on the controller's thread once the worker has
   * closed its {@link AttachedQueuePair} and dropped every view of that memory.
   */
  release(): Promise<void>;
}

/**
 * A queue pair opened in a worker, with its namespaces. Everything here belongs to the worker that
 * attached it: submit, poll and receive callbacks on that thread only.
 */
export interface AttachedQueuePair {
  /**
   * The queue pair: submit with `namespaces`' `cmd*` methods, complete with `processCompletions`.
   * Its callbacks run from this worker's `processCompletions` (or its poller, for the Promise face),
   * including the aborts of a controller reset or failure, which it learns of when it polls. Not
   * covered by the controller's timeout callback.
   */
  readonly qpair: QueuePair;
  /**
   * The controller's namespaces by ID, bound to this thread's DMA memory. They cannot see the
   * controller's state: a failed or removed controller closes the queue pair at its next poll, after
   * which their `cmd*` methods throw StateError.
   */
  readonly namespaces: ReadonlyMap<number, Namespace>;
  /** This worker's DMA memory: allocate I/O buffers here (the only memory its commands accept). */
  readonly dma: DmaAllocator;
  /**
   * Stops the queue pair; then tell the controller's thread it may release the queue. Commands still
   * outstanding are dropped, not completed (their callbacks never run, their Promises never settle):
   * let them complete first.
   */
  close(): void;
}

/** The controller as a worker's namespaces see it: no admin queue, so nothing to be detached from. */
class WorkerNamespaceOwner implements NamespaceOwner {
  readonly data: IdentifyController;
  readonly maxTransferSize: number;
  readonly sglSupported: boolean;
  readonly zoneAppendSizeLimit: number | undefined;
  private domain: MemoryDomain | null = null;

  constructor(
    readonly dma: DmaAllocator,
    handle: WorkerQueuePairHandle,
    private readonly name: string,
  ) {
    ({
      data: this.data,
      maxTransferSize: this.maxTransferSize,
      sglSupported: this.sglSupported,
      zoneAppendSizeLimit: this.zoneAppendSizeLimit,
    } = handle.controller);
  }

  get memoryDomain(): MemoryDomain {
    this.domain ??= createMemoryDomain(DmaDeviceType.Dma, null, this.name);
    return this.domain;
  }

  assertUsable(): void {}

  close(): void {
    if (this.domain !== null) destroyMemoryDomain(this.domain);
  }
}

/**
 * Builds the queue pair and namespaces of `handle` over a transport queue and DMA memory that the
 * transport has opened in this thread. Transports call this from their attach function.
 * Threading: call in the worker that will own the queue pair, once per handle; what it returns
 * belongs to that thread.
 */
export function attachQueuePair(
  handle: WorkerQueuePairHandle,
  port: QueuePort,
  dma: DmaAllocator,
): AttachedQueuePair {
  const owner = new WorkerNamespaceOwner(dma, handle, `nvmekit:worker-qpair-${port.qid}`);
  const qpair = new QueuePair(port, dma, handle.settings, new QueueLink(handle.link));
  const namespaces = new Map(
    handle.namespaces.map(({ id, data, zns }) => [id, new Namespace(owner, id, data, zns)]),
  );
  return {
    qpair,
    namespaces,
    dma,
    close() {
      qpair.destroy();
      owner.close();
    },
  };
}
