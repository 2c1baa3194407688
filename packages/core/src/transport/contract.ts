/**
 * The transport-plugin contract: what a transport (PCIe over VFIO, RDMA, TCP, a third party's) gives
 * the core. The core drives everything NVMe-generic (initialisation, identify, features, queues'
 * request trackers, I/O splitting); a transport only moves registers, queue entries and memory.
 * @module
 */
import type { Observable } from "rxjs";
import type { DataPointerBuilder } from "../dataptr/payload.js";
import type { DmaAllocator, DmaBuffer } from "../dma/dma-memory.js";
import type { MemoryDomain } from "../memdomain/domain.js";
import type { NvmeCommand } from "../nvme-spec/command.js";
import type { ControllerOptions } from "../options/controller-options.js";
import type { TransportId, TransportType } from "../trid/transport-id.js";

/**
 * Controller register (PCIe: BAR0 MMIO) or property (fabrics: Property Get/Set) access, by the
 * register's byte offset. Never on the per-I/O path, so it may be asynchronous.
 */
export interface RegisterAccess {
  /** Reads a 32-bit register. */
  read32(offset: number): Promise<number>;
  /** Reads a 64-bit register. */
  read64(offset: number): Promise<bigint>;
  /** Writes a 32-bit register. */
  write32(offset: number, value: number): Promise<void>;
  /** Writes a 64-bit register. */
  write64(offset: number, value: bigint): Promise<void>;
}

/**
 * One submission/completion queue pair as the transport moves entries. The core owns the request
 * trackers and never posts more than `depth - 1` commands at once, so `post` always finds room.
 * Every method here is on the per-I/O path: implementations make no FFI call, allocation or closure.
 */
export interface QueuePort {
  /** Queue identifier: 0 for the admin queue. */
  readonly qid: number;
  /** Number of entries in the submission queue ring. */
  readonly depth: number;
  /**
   * Builds each command's data pointer from its payload descriptor, just before {@link post}: present
   * when the transport has its own (TCP: a transport SGL, the bytes carried in PDUs; RDMA: keyed SGLs).
   * Absent: the core writes PRPs or an SGL over the IOVAs of the connection's DMA memory (PCIe's way).
   */
  readonly dataPointer?: DataPointerBuilder;
  /**
   * True when completions arrive only while the event loop runs (a socket's data events), not by DMA:
   * a loop that polls this queue must yield to the event loop when it finds nothing, not spin.
   */
  readonly eventDriven?: boolean;
  /**
   * Copies one 64-byte command (16 dwords, command identifier and data pointer set) into the next
   * submission slot, without telling the controller.
   */
  post(cmd: Uint32Array): void;
  /** Tells the controller about every entry posted since the last call (PCIe: the SQ tail doorbell). */
  ringSubmission(): void;
  /**
   * If a new completion is at the head of the completion queue, copies its 4 dwords into `out`,
   * advances the head and returns true; otherwise returns false.
   */
  poll(out: Uint32Array): boolean;
  /** Tells the controller which completions were consumed (PCIe: the CQ head doorbell). */
  ringCompletion(): void;
  /** Frees the transport's resources for this queue (memory, connection). The controller has forgotten it. */
  release(): Promise<void>;
  /**
   * For queues driven from another thread ({@link TransportConnection.exportIoQueue}): back to the
   * rings' first slots and phase, in that thread, after a controller reset deleted the queue, so
   * {@link ExportedIoQueue.recreate} (which clears the completion ring) can create it again.
   */
  restart?(): void;
  /**
   * For queues driven from another thread whose link that thread must re-establish itself (a
   * socket): called there once the controller's thread has re-created the controller after a reset
   * ({@link ExportedIoQueue.recreate}); the queue pair resumes when it resolves, and closes (failing
   * what waited) when it rejects.
   */
  resume?(): Promise<void>;
  /**
   * Present when the queue raises interrupts (e.g. MSI-X): resolves true when one arrived since the
   * last call, false after `timeoutMs` without one. Pollers sleep on it instead of on timers.
   */
  waitForInterrupt?(timeoutMs: number): Promise<boolean>;
}

/** What the core needs to start the admin queue. */
export interface AdminQueueSetup {
  /** The admin queue itself. */
  port: QueuePort;
  /**
   * IOVAs of the admin submission and completion rings when the core must program ASQ/ACQ/AQA itself
   * (PCIe). Absent when the transport has already connected the admin queue (fabrics).
   */
  rings?: {
    /** IOVA of the admin submission queue ring (ASQ). */
    sqIova: number;
    /** IOVA of the admin completion queue ring (ACQ). */
    cqIova: number;
  };
}

/** Arbitration priority of an I/O submission queue, used when weighted round robin is enabled. */
export enum QueuePriority {
  /** Urgent priority class. */
  Urgent = 0,
  /** High priority. */
  High = 1,
  /** Medium priority. */
  Medium = 2,
  /** Low priority. */
  Low = 3,
}

/** What the core asks of a transport when it creates an I/O queue pair. */
export interface IoQueueRequest {
  /** Queue identifier, 1-based. */
  qid: number;
  /** Entries in each ring. */
  depth: number;
  /** Submission queue priority (only meaningful under weighted round robin). */
  priority: QueuePriority;
  /** Place the submission queue in the controller memory buffer. */
  useCmbSq: boolean;
  /** Have the controller raise an interrupt for completions (when the transport can deliver them). */
  interrupts: boolean;
  /**
   * Fabrics: the most in-capsule data an I/O command may carry (Identify Controller's IOCCSZ × 16 − 64,
   * when ICDOFF is 0), 0 for none; always 0 on PCIe.
   */
  capsuleDataBytes: number;
}

/** Lets a transport issue admin commands on the core's admin queue, e.g. Create I/O Completion Queue. */
export interface AdminChannel {
  /**
   * Submits `cmd` and resolves with the completion's DW0; rejects with NvmeStatusError on error status.
   * The core sets the command identifier; it builds the data pointer only when `data` is given, so a
   * command whose PRP1 the transport set itself (e.g. a queue's ring in Create I/O SQ) keeps it.
   */
  execute(cmd: NvmeCommand, data?: DmaBuffer): Promise<number>;
}

/** A transport queue described for another thread; see {@link TransportConnection.exportIoQueue}. */
export interface ExportedIoQueue {
  /** What the other thread opens with the transport's attach function (structured-clonable). */
  readonly handle: unknown;
  /** Frees the carved DMA memory, once the other thread is done and the queue is deleted. */
  release(): void;
  /**
   * After a controller reset, once the other thread has restarted its port: creates the queue on the
   * controller again, over the same rings and doorbells. Rejects with the admin command's error.
   */
  recreate(admin: AdminChannel): Promise<void>;
}

/** A live connection to one controller, returned by {@link NvmeTransport.connect}. */
export interface TransportConnection {
  /**
   * Register access (PCIe: BAR0). Absent on a fabric: the core sends Connect on the admin queue
   * itself, then reads and writes the controller's registers as properties (Property Get/Set), and
   * sends Connect on each I/O queue the transport creates.
   */
  readonly registers?: RegisterAccess;
  /** The DMA memory this controller can reach. */
  readonly dma: DmaAllocator;
  /** Whether a controller memory buffer is usable for submission queues. */
  readonly cmbSqSupported: boolean;
  /**
   * The memory domain of `dma` (e.g. the VFIO/IOVA domain), which foreign domains translate into; when
   * absent the controller makes a plain one of type DMA.
   */
  readonly memoryDomain?: MemoryDomain;
  /** Emits once if the device disappears (surprise removal); never emits otherwise. */
  readonly removed$: Observable<void>;
  /**
   * Fabrics: emits when the connection to the controller is lost (a queue's connection closed or
   * failed while in use); the core then fails the controller and may reconnect through
   * {@link createAdminQueue} and {@link createIoQueue} again.
   */
  readonly lost$?: Observable<Error>;
  /**
   * Creates (or, after a controller reset, re-creates from scratch) the admin queue with `depth` entries.
   * Called with the controller disabled.
   */
  createAdminQueue(depth: number): Promise<AdminQueueSetup>;
  /**
   * Present when the transport has doorbells that shadow doorbells can spare: sends Doorbell Buffer
   * Config through `admin` with buffers the transport owns, after which the I/O queues it creates
   * write their tails and heads there and ring only when the controller's EventIdx asks. Called during
   * every initialisation (a reset makes the controller forget the buffers), before any I/O queue
   * exists, and only when Identify Controller's OACS offers the command. Throws the command's error.
   */
  enableShadowDoorbells?(admin: AdminChannel): Promise<void>;
  /** Creates an I/O queue pair, using `admin` for any admin commands that takes. */
  createIoQueue(request: IoQueueRequest, admin: AdminChannel): Promise<QueuePort>;
  /** Deletes an I/O queue pair from the controller and releases it. */
  deleteIoQueue(port: QueuePort, admin: AdminChannel): Promise<void>;
  /**
   * Present when queues can be driven from another thread: describes `port` (rings, doorbells) and
   * `chunkBytes` of DMA memory carved for that thread, all as shared memory, in a postMessage-able
   * handle. The caller stops touching `port` itself.
   */
  exportIoQueue?(port: QueuePort, chunkBytes: number): ExportedIoQueue;
  /** Closes the connection and frees everything. The core has shut the controller down first. */
  close(): Promise<void>;
}

/**
 * A transport plugin. Bind implementations to {@link NVME_TRANSPORT} in an inversify ContainerModule;
 * the core's registry finds them by `trtype` (and by `name` for custom transports).
 */
export interface NvmeTransport {
  /** The transport type this plugin serves. */
  readonly trtype: TransportType;
  /** The transport's name as it appears in a transport ID string, e.g. "PCIe". */
  readonly name: string;
  /**
   * True for an NVMe over Fabrics transport: an address without a subsystem NQN then names the
   * fabric's discovery service, which the core's probe reads (and attaches what it lists).
   */
  readonly fabric?: boolean;
  /** Whether this transport can work on this machine (drivers, libraries, permissions present). */
  available(): boolean;
  /** When {@link available} is false: what is missing and how to get it, for the error a connect gives. */
  unavailableReason?(): string;
  /**
   * Discovers controllers reachable through `trid` (PCIe: a bus scan, or one address; fabrics: a
   * discovery service). Emits each controller's full transport ID, then completes.
   */
  probe(trid: TransportId): Observable<TransportId>;
  /** Connects to the controller at `trid`. The controller is still to be initialised by the core. */
  connect(trid: TransportId, options: Readonly<ControllerOptions>): Promise<TransportConnection>;
}

/** The inversify multi-injection token every transport plugin binds to. */
export const NVME_TRANSPORT = Symbol.for("@nvmekit/core/NvmeTransport");
