/**
 * One controller over NVMe-oF RDMA: a connection-manager event channel, a protection domain and
 * registered memory on the adapter that reaches the target, and an RDMA connection per queue (the
 * admin queue and each I/O queue), made when the core asks for the queue. No registers: the core
 * reads properties over the admin queue and sends each queue's Connect itself.
 * @module
 */
import {
  type AdminQueueSetup,
  type ControllerOptions,
  createMemoryDomain,
  DmaDeviceType,
  destroyMemoryDomain,
  type ExportedIoQueue,
  type IoQueueRequest,
  type MemoryDomain,
  type QueuePort,
  RDMA_DMA_DEVICE,
  type RdmaMemoryDomainContext,
  type TransportConnection,
  TransportError,
} from "@nvmekit/core/transport";
import { NEVER, type Observable, Subject } from "rxjs";
import { CmEventChannel, type CmId } from "../native/cm-channel.js";
import { DataPath } from "../native/data-path.js";
import { NativeBlock } from "../native/native-block.js";
import { allocPd, deallocPd, queryDevice } from "../native/verbs.js";
import { resolveRoute, socketAddress } from "./cm-connect.js";
import { connectRdmaQueue, contextOf, type QueueEndpoint } from "./rdma-queue.js";
import { RdmaQueuePort } from "./rdma-queue-port.js";
import { RegisteredMemory, type RegisteredRange } from "./registered-memory.js";
import { type RdmaQueueHandle, workerQueueBytes } from "./worker-queue.js";

/** The most entries Linux's target takes on an admin queue (NVME_AQ_DEPTH). */
export const RDMA_ADMIN_QUEUE_MAX = 32;

/** Where a connection goes and how much memory it registers. */
export interface RdmaConnectionSettings {
  /** The target's address (IPv4, IPv6 or a name). */
  host: string;
  /** The target's port (4420). */
  port: number;
  /** The subsystem NQN the core connects to (for worker queues, which Connect themselves). */
  subnqn: string;
  /** Bytes of memory registered with the adapter for this controller's buffers. */
  memoryBytes: number;
}

/** The live queues of one controller over NVMe-oF RDMA. */
export class RdmaConnection implements TransportConnection {
  /** No controller memory buffer over a fabric. */
  readonly cmbSqSupported = false;
  /** A fabric controller is never hot-removed; losing it is {@link lost$}. */
  readonly removed$: Observable<void> = NEVER;
  /** Registered memory: every buffer the core and the application allocate for this controller. */
  readonly dma: RegisteredRange;
  /**
   * The controller's RDMA memory domain (SPDK's RDMA DMA device): its context carries the protection
   * domain (`rdma.pd`, the ibv_pd pointer as a bigint), on which a source domain's translation
   * registers its memory ({@link registerMemory}) and answers with the keys (`result.rdma`).
   */
  readonly memoryDomain: MemoryDomain<RdmaMemoryDomainContext>;
  private readonly lostSubject = new Subject<Error>();
  /** Emits when a queue's connection fails or ends while in use. */
  readonly lost$: Observable<Error> = this.lostSubject.asObservable();
  private readonly queues = new Set<RdmaQueuePort>();
  private readonly endpoint: QueueEndpoint;
  private admin: RdmaQueuePort | null = null;
  private closed = false;

  private constructor(
    private readonly settings: RdmaConnectionSettings,
    private readonly options: Readonly<ControllerOptions>,
    address: Uint8Array,
    channel: CmEventChannel,
    context: bigint,
    private readonly pd: bigint,
    private readonly registered: RegisteredMemory,
    private firstId: CmId | null,
  ) {
    this.dma = registered.range;
    this.endpoint = {
      channel,
      address,
      where: `${settings.host}:${settings.port}`,
      context,
      pd,
      dataPath: new DataPath(context),
      limits: queryDevice(context),
      scratch: new NativeBlock(4096),
      timeoutMs: options.adminTimeoutMs,
    };
    this.memoryDomain = createMemoryDomain<RdmaMemoryDomainContext>(
      DmaDeviceType.Rdma,
      { rdma: { pd } },
      RDMA_DMA_DEVICE,
    );
  }

  /**
   * Resolves the route to the target (which names the adapter), then sets up the protection domain
   * and registered memory on that adapter. Queues connect later, as the core creates them.
   * @throws TransportError or NativeError naming what is missing (no RDMA device on the route, the
   *   rdma_cm module, memory lock limits)
   */
  static async open(
    settings: RdmaConnectionSettings,
    options: Readonly<ControllerOptions>,
  ): Promise<RdmaConnection> {
    const address = await socketAddress(settings.host, settings.port);
    const channel = new CmEventChannel();
    let id: CmId | null = null;
    let pd = 0n;
    try {
      id = channel.createId();
      await resolveRoute(id, address, `${settings.host}:${settings.port}`);
      const context = contextOf(id);
      pd = allocPd(context);
      const memory = new RegisteredMemory(pd, settings.memoryBytes);
      return new RdmaConnection(settings, options, address, channel, context, pd, memory, id);
    } catch (e) {
      if (pd !== 0n) deallocPd(pd);
      if (id !== null) channel.destroyId(id);
      channel.close();
      throw e;
    }
  }

  /** Connects the admin queue (at most {@link RDMA_ADMIN_QUEUE_MAX} entries); the core sends its Connect. */
  async createAdminQueue(depth: number): Promise<AdminQueueSetup> {
    // A re-created admin queue (a reset or a reconnect) replaces the old one outright.
    if (this.admin !== null) await this.admin.release();
    // Linux's target receives no in-capsule data on the admin queue: everything goes by keyed SGL.
    this.admin = await this.openQueue(0, Math.min(depth, RDMA_ADMIN_QUEUE_MAX), 0);
    return { port: this.admin };
  }

  /** Connects an I/O queue (its size within the adapter's limit); the core sends its Connect. */
  createIoQueue(request: IoQueueRequest): Promise<QueuePort> {
    const depth = Math.min(request.depth, this.endpoint.limits.maxQpWr);
    return this.openQueue(request.qid, depth, request.capsuleDataBytes);
  }

  /** Disconnecting the queue deletes it on the target. */
  async deleteIoQueue(port: QueuePort): Promise<void> {
    await port.release();
  }

  /**
   * Hands an I/O queue to a worker thread, which opens its own RDMA connection for the queue ID (its
   * own event channel and queue pair, on this controller's protection domain) and Connects it with
   * the controller ID in a shared word, updated after a reset. This thread's connection for the
   * queue closes. The worker's buffers, capsules and responses come from `chunkBytes` (plus what the
   * queue needs) of this controller's registered memory, freed by `release`.
   */
  exportIoQueue(port: QueuePort, chunkBytes: number): ExportedIoQueue {
    const rdma = port as RdmaQueuePort;
    const chunk = this.dma.alloc(chunkBytes + workerQueueBytes(rdma.depth));
    const controllerId = new SharedArrayBuffer(4);
    const word = new Int32Array(controllerId);
    const cntlid = (): number => this.admin?.controllerId ?? -1;
    Atomics.store(word, 0, cntlid());
    const handle: RdmaQueueHandle = {
      host: this.settings.host,
      port: this.settings.port,
      qid: rdma.qid,
      depth: rdma.depth,
      inCapsuleBytes: rdma.inCapsuleBytes,
      context: this.endpoint.context,
      pd: this.pd,
      limits: this.endpoint.limits,
      memory: this.dma.describe(chunk),
      hostnqn: this.options.hostnqn,
      hostid: this.options.hostid,
      subnqn: this.settings.subnqn,
      timeoutMs: this.options.adminTimeoutMs,
      controllerId,
    };
    void rdma.release();
    return {
      handle,
      release: () => this.dma.free(chunk),
      recreate: async () => {
        Atomics.store(word, 0, cntlid());
      },
    };
  }

  /** Disconnects every queue and frees the memory, the protection domain and the event channel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const port of [...this.queues]) await port.release();
    if (this.firstId !== null) this.endpoint.channel.destroyId(this.firstId);
    this.firstId = null;
    destroyMemoryDomain(this.memoryDomain);
    this.registered.destroy();
    deallocPd(this.pd);
    this.endpoint.channel.close();
  }

  private async openQueue(qid: number, depth: number, inCapsuleBytes: number): Promise<RdmaQueuePort> {
    if (this.closed) throw new TransportError(`RDMA connection to ${this.endpoint.where} is closed`);
    const port = new RdmaQueuePort(
      { qid, depth, inCapsuleBytes },
      this.dma,
      (e) => this.lostSubject.next(e),
      (p) => {
        this.queues.delete(p);
        if (this.admin === p) this.admin = null;
      },
    );
    // The route resolved at open serves the first queue; later ones resolve their own.
    const resolved = this.firstId;
    this.firstId = null;
    try {
      await connectRdmaQueue(this.endpoint, port, resolved);
    } catch (e) {
      await port.release();
      throw e;
    }
    this.queues.add(port);
    return port;
  }
}
