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
import { QueueLink } from "../qpair/queue-link.js";
import { QueuePair, type QueuePairSettings } from "../qpair/queue-pair.js";
import type { QueuePort } from "../transport/contract.js";

/** Everything a worker needs to drive one I/O queue pair; postMessage-able. */
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
  };
  /** The controller's namespaces when the queue was exported. */
  readonly namespaces: readonly {
    /** Namespace ID. */
    readonly id: number;
    /** Its Identify Namespace data. */
    readonly data: IdentifyNamespace;
  }[];
}

/** What `Controller.allocIoQpairForWorker` returns. */
export interface ExportedQueuePair {
  /** Post this to the worker that will own the queue pair. */
  readonly handle: WorkerQueuePairHandle;
  /** Deletes the queue and frees its memory: call once the worker has stopped using it. */
  release(): Promise<void>;
}

/** A queue pair opened in a worker, with its namespaces. */
export interface AttachedQueuePair {
  /** The queue pair: submit with `namespaces`' `cmd*` methods, complete with `processCompletions`. */
  readonly qpair: QueuePair;
  /** The controller's namespaces by ID, bound to this thread's DMA memory. */
  readonly namespaces: ReadonlyMap<number, Namespace>;
  /** This worker's DMA memory: allocate I/O buffers here. */
  readonly dma: DmaAllocator;
  /** Stops the queue pair; then tell the controller's thread it may release the queue. */
  close(): void;
}

/** The controller as a worker's namespaces see it: no admin queue, so nothing to be detached from. */
class WorkerNamespaceOwner implements NamespaceOwner {
  readonly data: IdentifyController;
  readonly maxTransferSize: number;
  readonly sglSupported: boolean;
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
 */
export function attachQueuePair(
  handle: WorkerQueuePairHandle,
  port: QueuePort,
  dma: DmaAllocator,
): AttachedQueuePair {
  const owner = new WorkerNamespaceOwner(dma, handle, `nvmekit:worker-qpair-${port.qid}`);
  const qpair = new QueuePair(port, dma, handle.settings, new QueueLink(handle.link));
  const namespaces = new Map(handle.namespaces.map(({ id, data }) => [id, new Namespace(owner, id, data)]));
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
