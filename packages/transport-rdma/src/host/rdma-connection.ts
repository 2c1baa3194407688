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
  type IoQueueRequest,
  type MemoryDomain,
  type QueuePort,
  RDMA_DMA_DEVICE,
  type RdmaMemoryDomainContext,
  type TransportConnection,
  TransportError,
} from "@nvmekit/core/transport";
import koffi from "koffi";
import { NEVER, type Observable, Subject } from "rxjs";
import { type CmEvent, CmEventChannel, type CmId, cmEventName } from "../native/cm-channel.js";
import { DataPath } from "../native/data-path.js";
import { CmEventType, RdmaCmId } from "../native/layouts.js";
import { rdmaLibraries } from "../native/libraries.js";
import { NativeBlock } from "../native/native-block.js";
import { allocPd, type DeviceLimits, deallocPd, queryDevice } from "../native/verbs.js";
import { establish, resolveRoute, socketAddress } from "./cm-connect.js";
import { QueueVerbs } from "./queue-verbs.js";
import { RdmaQueuePort } from "./rdma-queue-port.js";
import { RegisteredMemory } from "./registered-memory.js";

/** The most entries Linux's target takes on an admin queue (NVME_AQ_DEPTH). */
export const RDMA_ADMIN_QUEUE_MAX = 32;

/** Where a connection goes and how much memory it registers. */
export interface RdmaConnectionSettings {
  /** The target's address (IPv4, IPv6 or a name). */
  host: string;
  /** The target's port (4420). */
  port: number;
  /** Bytes of memory registered with the adapter for this controller's buffers. */
  memoryBytes: number;
}

interface OpenQueue {
  id: CmId;
  verbs: QueueVerbs;
}

/** The live queues of one controller over NVMe-oF RDMA. */
export class RdmaConnection implements TransportConnection {
  /** No controller memory buffer over a fabric. */
  readonly cmbSqSupported = false;
  /** A fabric controller is never hot-removed; losing it is {@link lost$}. */
  readonly removed$: Observable<void> = NEVER;
  /**
   * The controller's RDMA memory domain (SPDK's RDMA DMA device): its context carries the protection
   * domain (`rdma.pd`, the ibv_pd pointer as a bigint), on which a source domain's translation
   * registers its memory ({@link registerMemory}) and answers with the keys (`result.rdma`).
   */
  readonly memoryDomain: MemoryDomain<RdmaMemoryDomainContext>;
  private readonly lostSubject = new Subject<Error>();
  /** Emits when a queue's connection fails or ends while in use. */
  readonly lost$: Observable<Error> = this.lostSubject.asObservable();
  private readonly queues = new Map<RdmaQueuePort, OpenQueue>();
  private readonly dataPath: DataPath;
  private readonly limits: DeviceLimits;
  private readonly scratch = new NativeBlock(4096);
  private readonly where: string;
  private admin: RdmaQueuePort | null = null;
  private closed = false;

  private constructor(
    settings: RdmaConnectionSettings,
    private readonly options: Readonly<ControllerOptions>,
    private readonly address: Uint8Array,
    private readonly channel: CmEventChannel,
    private readonly context: bigint,
    private readonly pd: bigint,
    /** Registered memory: every buffer the core and the application allocate for this controller. */
    readonly dma: RegisteredMemory,
    private firstId: CmId | null,
  ) {
    this.where = `${settings.host}:${settings.port}`;
    this.dataPath = new DataPath(context);
    this.limits = queryDevice(context);
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
      await channel.close();
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
    return this.openQueue(
      request.qid,
      Math.min(request.depth, this.limits.maxQpWr),
      request.capsuleDataBytes,
    );
  }

  /** Disconnecting the queue deletes it on the target. */
  async deleteIoQueue(port: QueuePort): Promise<void> {
    await port.release();
  }

  /** Disconnects every queue and frees the memory, the protection domain and the event channel. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const port of [...this.queues.keys()]) await port.release();
    if (this.firstId !== null) this.channel.destroyId(this.firstId);
    this.firstId = null;
    destroyMemoryDomain(this.memoryDomain);
    this.dma.destroy();
    deallocPd(this.pd);
    this.scratch.free();
    await this.channel.close();
  }

  private async openQueue(qid: number, depth: number, inCapsuleBytes: number): Promise<RdmaQueuePort> {
    if (this.closed) throw new TransportError(`RDMA connection to ${this.where} is closed`);
    // The route resolved at open serves the first queue; later ones resolve their own.
    const reused = this.firstId;
    const id = reused ?? this.channel.createId();
    this.firstId = null;
    let verbs: QueueVerbs | null = null;
    let port: RdmaQueuePort | null = null;
    try {
      if (reused === null) await resolveRoute(id, this.address, this.where);
      if (contextOf(id) !== this.context)
        throw new TransportError(
          `RDMA queue ${qid} to ${this.where} resolved to another adapter than the controller's`,
        );
      verbs = new QueueVerbs(id, this.context, this.pd, this.dataPath, depth);
      const queue: OpenQueue = { id, verbs };
      const self: RdmaQueuePort = new RdmaQueuePort(
        { qid, depth, inCapsuleBytes },
        this.dma,
        (e) => this.lostSubject.next(e),
        () => this.teardown(self, queue),
      );
      port = self;
      port.attach(verbs);
      await establish(
        id,
        this.scratch,
        {
          qid,
          depth,
          responderResources: this.limits.maxQpRdAtom,
          initiatorDepth: this.limits.maxQpInitRdAtom,
        },
        this.where,
        this.options.adminTimeoutMs,
      );
      id.onEvent = (event: CmEvent) => this.onQueueEvent(self, event);
      this.queues.set(port, queue);
      return port;
    } catch (e) {
      verbs?.destroy();
      port?.destroy();
      this.channel.destroyId(id);
      throw e;
    }
  }

  /** A connected queue's later events: a disconnect or the adapter's removal fails the queue. */
  private onQueueEvent(port: RdmaQueuePort, event: CmEvent): void {
    if (event.type === CmEventType.Disconnected || event.type === CmEventType.DeviceRemoval)
      port.lose(new TransportError(`RDMA queue ${port.qid} to ${this.where}: ${cmEventName(event.type)}`));
  }

  /** Disconnects the queue (the target deletes it), destroys its queue pair and frees its memory. */
  private teardown(port: RdmaQueuePort, queue: OpenQueue): void {
    this.queues.delete(port);
    if (this.admin === port) this.admin = null;
    rdmaLibraries().rdma_disconnect(queue.id.id);
    queue.verbs.destroy();
    port.destroy();
    this.channel.destroyId(queue.id);
  }
}

/** The device context a resolved cm id is bound to (`id->verbs`). */
function contextOf(id: CmId): bigint {
  return new DataView(koffi.view(id.id, 8)).getBigUint64(RdmaCmId.verbs, true);
}
