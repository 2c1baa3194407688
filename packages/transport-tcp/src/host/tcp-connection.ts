/**
 * One NVMe/TCP controller: a socket per queue (the admin queue and each I/O queue), opened when the
 * core asks for the queue; no registers (the core reads properties over the admin queue).
 * @module
 */
import {
  type AdminQueueSetup,
  type ControllerOptions,
  type ExportedIoQueue,
  type IoQueueRequest,
  type QueuePort,
  type TransportConnection,
  TransportError,
} from "@nvmekit/core/transport";
import { NEVER, type Observable, Subject } from "rxjs";
import { ADMIN_IN_CAPSULE_DATA_SIZE, DigestBit } from "../pdu/constants.js";
import { PlainMemory } from "./plain-memory.js";
import { openSocket } from "./socket.js";
import { TcpQueuePort } from "./tcp-queue-port.js";
import type { TcpQueueHandle } from "./worker-queue.js";

/** The live queues of one controller over NVMe/TCP. */
export class TcpConnection implements TransportConnection {
  /** Ordinary memory: the transport copies data into and out of PDUs. */
  readonly dma = new PlainMemory();
  /** No controller memory buffer over a fabric. */
  readonly cmbSqSupported = false;
  /** A fabric controller is never hot-removed; losing it is {@link lost$}. */
  readonly removed$: Observable<void> = NEVER;
  private readonly lostSubject = new Subject<Error>();
  /** Emits when a queue's connection ends while in use. */
  readonly lost$: Observable<Error> = this.lostSubject.asObservable();
  private readonly ports = new Set<TcpQueuePort>();
  private readonly digests: number;
  private admin: TcpQueuePort | null = null;

  /**
   * @param host the target's address
   * @param port the target's TCP port
   * @param subnqn the subsystem NQN the core connects to (for worker queues, which Connect themselves)
   * @param options the controller's options (digests, time limits, host identity)
   */
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly subnqn: string,
    private readonly options: Readonly<ControllerOptions>,
  ) {
    this.digests = (options.headerDigest ? DigestBit.Header : 0) | (options.dataDigest ? DigestBit.Data : 0);
  }

  /** Opens the admin queue's connection (the core sends its Connect). Admin commands carry up to 8 KiB in-capsule. */
  async createAdminQueue(depth: number): Promise<AdminQueueSetup> {
    this.admin = await this.open(0, depth, ADMIN_IN_CAPSULE_DATA_SIZE);
    return { port: this.admin };
  }

  /**
   * Hands an I/O queue to a worker thread: the worker opens its own connection for the queue ID (a
   * socket cannot change threads), so this one closes. The worker reads the controller ID to Connect
   * with from a shared word, which a reset's `recreate` updates. Its buffers are the worker's own
   * plain memory (`chunkBytes` has no use here).
   */
  exportIoQueue(port: QueuePort, _chunkBytes: number): ExportedIoQueue {
    const tcp = port as TcpQueuePort;
    const controllerId = new SharedArrayBuffer(4);
    const word = new Int32Array(controllerId);
    Atomics.store(word, 0, this.admin?.controllerId ?? -1);
    const handle: TcpQueueHandle = {
      host: this.host,
      port: this.port,
      qid: tcp.qid,
      depth: tcp.depth,
      inCapsuleBytes: tcp.inCapsuleBytes,
      digests: this.digests,
      hostnqn: this.options.hostnqn,
      hostid: this.options.hostid,
      subnqn: this.subnqn,
      timeoutMs: this.options.adminTimeoutMs,
      controllerId,
    };
    this.ports.delete(tcp);
    void tcp.release();
    return {
      handle,
      release: () => undefined, // the worker's connection closing deletes the queue
      recreate: async () => {
        Atomics.store(word, 0, this.admin?.controllerId ?? -1);
      },
    };
  }

  /** Opens an I/O queue's connection (the core sends its Connect). */
  createIoQueue(request: IoQueueRequest): Promise<QueuePort> {
    return this.open(request.qid, request.depth, request.capsuleDataBytes);
  }

  /** Closing the connection deletes the queue on the target. */
  async deleteIoQueue(port: QueuePort): Promise<void> {
    this.ports.delete(port as TcpQueuePort);
    await port.release();
  }

  /** Closes every queue's connection. */
  async close(): Promise<void> {
    for (const port of this.ports) await port.release();
    this.ports.clear();
  }

  private async open(qid: number, depth: number, inCapsuleBytes: number): Promise<TcpQueuePort> {
    const limit = this.options.adminTimeoutMs;
    const port = new TcpQueuePort({ qid, depth, inCapsuleBytes, digests: this.digests }, (e) =>
      this.lostSubject.next(e),
    );
    port.attach(await openSocket(this.host, this.port, limit, (bytes) => port.receive(bytes)));
    for (const p of this.ports) if (p.isClosed) this.ports.delete(p);
    try {
      await port.initialize(limit);
    } catch (e) {
      await port.release();
      throw new TransportError(
        `NVMe/TCP queue ${qid} to ${this.host}:${this.port}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    this.ports.add(port);
    return port;
  }
}
