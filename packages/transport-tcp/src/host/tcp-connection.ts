/**
 * One NVMe/TCP controller: a socket per queue (the admin queue and each I/O queue), opened when the
 * core asks for the queue; no registers (the core reads properties over the admin queue).
 * @module
 */
import {
  type AdminQueueSetup,
  type ControllerOptions,
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

  /**
   * @param host the target's address
   * @param port the target's TCP port
   * @param options the controller's options (digests, time limits)
   */
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: Readonly<ControllerOptions>,
  ) {
    this.digests = (options.headerDigest ? DigestBit.Header : 0) | (options.dataDigest ? DigestBit.Data : 0);
  }

  /** Opens the admin queue's connection (the core sends its Connect). Admin commands carry up to 8 KiB in-capsule. */
  async createAdminQueue(depth: number): Promise<AdminQueueSetup> {
    return { port: await this.open(0, depth, ADMIN_IN_CAPSULE_DATA_SIZE) };
  }

  /** Opens an I/O queue's connection (the core sends its Connect). */
  createIoQueue(request: IoQueueRequest): Promise<QueuePort> {
    return this.open(request.qid, request.depth, request.capsuleDataBytes);
  }

  /** Closing the connection deletes the queue on the target. */
  async deleteIoQueue(port: QueuePort): Promise<void> {
    await port.release();
  }

  /** Closes every queue's connection. */
  async close(): Promise<void> {
    for (const port of this.ports) await port.release();
    this.ports.clear();
  }

  private async open(qid: number, depth: number, inCapsuleBytes: number): Promise<TcpQueuePort> {
    const limit = this.options.adminTimeoutMs;
    let receiver: TcpQueuePort | null = null;
    const socket = await openSocket(this.host, this.port, limit, (bytes) => receiver?.receive(bytes));
    for (const p of this.ports) if (p.isClosed) this.ports.delete(p);
    const port = new TcpQueuePort(socket, { qid, depth, inCapsuleBytes, digests: this.digests }, (e) =>
      this.lostSubject.next(e),
    );
    receiver = port;
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
