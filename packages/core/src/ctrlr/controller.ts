/**
 * An attached NVMe controller (spdk_nvme_ctrlr), whatever the transport: identify data, registers,
 * namespaces, I/O queue pairs, admin commands in the three faces, asynchronous events, timeouts,
 * keep-alive, reset and detach. Initialisation lives in init.ts; this file is the public surface.
 * @module
 */
import { BehaviorSubject, defer, type Observable, Subject } from "rxjs";
import { prpListPagesNeeded } from "../dataptr/prp.js";
import { bounceIn, copiesBack } from "../dma/bounce.js";
import type { DmaBuffer } from "../dma/dma-memory.js";
import { ENOMEM, ENXIO } from "../errors/errno.js";
import { InvalidArgumentError, StateError } from "../errors/errors.js";
import { readDiscoveryLog } from "../fabrics/discovery-log-reader.js";
import { PropertyRegisters } from "../fabrics/property-registers.js";
import { connectQueue, whileQueueIdBusy } from "../fabrics/queue-connect.js";
import { DmaDeviceType } from "../memdomain/device-type.js";
import type { MemoryDomain } from "../memdomain/domain.js";
import { createMemoryDomain, destroyMemoryDomain } from "../memdomain/registry.js";
import { Namespace, type NamespaceOwner } from "../ns/namespace.js";
import { NvmeCommand } from "../nvme-spec/command.js";
import * as cmds from "../nvme-spec/commands.js";
import type { Completion } from "../nvme-spec/completion.js";
import type { DiscoveryLog } from "../nvme-spec/discovery-log.js";
import { ADMIN_CNTLID_DYNAMIC, DISCOVERY_NQN } from "../nvme-spec/fabrics.js";
import { FeatureId } from "../nvme-spec/features.js";
import type { IdentifyController } from "../nvme-spec/identify-controller.js";
import { decodeIdentifyNamespace } from "../nvme-spec/identify-namespace.js";
import { LogPageId } from "../nvme-spec/log-pages.js";
import { type Cap, type Csts, decodeCsts, Register, type Vs } from "../nvme-spec/registers.js";
import { CommandSpecificStatus, GenericStatus, StatusCodeType } from "../nvme-spec/status.js";
import { NvmeStatusError } from "../nvme-spec/status-error.js";
import { type ZnsIdentifyController, zoneAppendLimitBytes } from "../nvme-spec/zns.js";
import { type ControllerOptions, TimeoutAction } from "../options/controller-options.js";
import { parseHostId } from "../options/host-identity.js";
import { awaitCompletion, awaitCompletionDwords } from "../qpair/promise.js";
import {
  DOORBELL_BATCH,
  QueuePair,
  type QueuePairSettings,
  QueuePairState,
  TimeoutStage,
} from "../qpair/queue-pair.js";
import { TrackerPool } from "../rq/pool.js";
import type { CommandCallback } from "../rq/request.js";
import type { RequestTracker } from "../rq/tracker.js";
import type {
  AdminChannel,
  ExportedIoQueue,
  IoQueueRequest,
  QueuePort,
  RegisterAccess,
  TransportConnection,
} from "../transport/contract.js";
import { QueuePriority } from "../transport/contract.js";
import type { TransportId } from "../trid/transport-id.js";
import { formatTransportId } from "../trid/transport-id.js";
import type { ExportedQueuePair, WorkerQueuePairHandle } from "../worker/worker-handle.js";
import { WORKER_ACK_TIMEOUT_MS, type WorkerQueue, WorkerQueues } from "../worker/worker-queues.js";
import { AdminCallbackGate } from "./admin-callbacks.js";
import { Health, HealthWatch } from "./health.js";
import { disableController, initializeController, shutdownController } from "./init.js";
import { identifyNamespaces } from "./namespaces.js";
import { ControllerState } from "./state.js";
import { escalateTimeout } from "./timeout-escalation.js";

/** An Asynchronous Event Request completion, decoded. */
export interface AsyncEvent {
  /** Asynchronous event type (0 error, 1 SMART/health, 2 notice, 6 I/O command set specific, 7 vendor). */
  type: number;
  /** Asynchronous event information within the type. */
  info: number;
  /** Log page to read to clear the event. */
  logPageId: number;
  /** The completion's DW0 as received. */
  cdw0: number;
  /**
   * The completion's 15-bit status field: 0 for an event. Otherwise the controller completed the
   * AER with an error (reported and re-armed, as SPDK does) and the fields above mean nothing.
   */
  status: number;
}

/** A command that has been outstanding longer than the registered time limit. */
export interface CommandTimeout {
  /** The I/O queue pair, or null for the admin queue. */
  qpair: QueuePair | null;
  /** The command identifier. */
  cid: number;
}

/** Options for one I/O queue pair, overriding the controller's. */
export interface IoQueuePairOptions {
  /** Submission queue priority under weighted round robin. */
  priority?: QueuePriority;
  /** Ring entries (default: the controller's ioQueueSize). */
  ioQueueSize?: number;
  /** Requests to preallocate (default: the controller's ioQueueRequests). */
  ioQueueRequests?: number;
  /**
   * Post commands and ring the doorbell once per processCompletions/flush, SPDK's delayed doorbell
   * (default true: one doorbell write per batch, and the completion doorbell rung before the
   * submission one, as a C driver's loop does). False rings at every submission, for an application
   * that submits and then does not poll for a while.
   */
  delayDoorbell?: boolean;
  /**
   * Under `delayDoorbell`, ring for the commands callbacks posted at least every this many completions
   * within one processCompletions (a power of two; default {@link DOORBELL_BATCH}).
   */
  doorbellBatch?: number;
  /** Ask for completion interrupts (MSI-X on PCIe), which the Promise face's poller then sleeps on. */
  interrupts?: boolean;
  /** Time limit of its Promise-face commands in ms, 0 for none (default: the controller's `ioTimeoutMs`). */
  ioTimeoutMs?: number;
}

/**
 * An I/O queue pair driven with request trackers, libvfn's way (nvme_rq_*), instead of the
 * queue-pair engine: the controller creates the queue ({@link Controller.allocRawIoQpair}), the
 * application posts commands and takes completions itself.
 *
 * Ownership, as libvfn's: the queue is the application's alone (nothing else submits to or polls
 * it); a tracker is the caller's from `acquire` to `release`, released once, after its completion
 * was taken off the queue; whoever polls (`spin`, `wait`, `reap`) consumes every completion and
 * dispatches those of other commands with `fromCqe` (or {@link Controller.rqFromCqe}). Buffers are
 * DMA memory of the controller, by IOVA; they and the tracker's PRP list pages are the device's until
 * the completion is taken. Threading: the controller's thread. A controller reset, failure or
 * removal closes it (`acquire` returns null, `exec` throws {@link StateError}; commands in flight
 * never complete): free it and allocate another.
 */
export interface RawQueuePair {
  /** Queue identifier (the SQ's and the CQ's). */
  readonly qid: number;
  /**
   * Its request trackers: `acquire`/`acquireAtomic`, `prep`, `mapPrp`/`mapvPrp`/`mapvSgl`/`mapv`,
   * `exec`, `spin`/`wait`/`reap`, `fromCqe`, `release`/`releaseAtomic`.
   */
  readonly trackers: TrackerPool;
}

/** Options for an I/O queue pair another thread drives. */
export interface WorkerQueuePairOptions extends IoQueuePairOptions {
  /**
   * Bytes of DMA memory for the worker's own I/O buffers (default 1 MiB), carved for it together
   * with what the queue pair's request trackers take (their PRP list pages).
   */
  bufferBytes?: number;
}

/**
 * The host-specified fields of Namespace Management (Create)'s data structure, at their offsets in
 * the Identify Namespace data structure; the rest of the 4096 bytes is sent as zeros. To send every
 * byte yourself (SPDK's `struct spdk_nvme_ns_data`), give {@link Controller.createNamespace} the
 * whole structure instead.
 */
export interface NamespaceCreateData {
  /** Namespace size in blocks (NSZE, bytes 7:0). */
  nsze: bigint;
  /** Namespace capacity in blocks (NCAP, bytes 15:8). */
  ncap: bigint;
  /** Formatted LBA size (FLBAS, byte 26): format index and the extended-LBA bit. */
  flbas: number;
  /** End-to-end data protection settings (DPS, byte 29). */
  dps?: number;
  /** Namespace multi-path and sharing capabilities (NMIC, byte 30). */
  nmic?: number;
  /** ANA group identifier (ANAGRPID, bytes 95:92). */
  anagrpid?: number;
  /** NVM Set identifier (NVMSETID, bytes 101:100). */
  nvmsetid?: number;
  /** Endurance group identifier (ENDGID, bytes 103:102). */
  endgid?: number;
}

/** Size of the Namespace Management (Create) data structure: an Identify Namespace structure. */
const NAMESPACE_DATA_SIZE = 4096;

/** Format NVM parameters. */
export interface FormatOptions {
  /** LBA format index. */
  lbaf: number;
  /** Metadata settings: 1 = extended LBA. */
  mset?: number;
  /** Protection information type. */
  pi?: number;
  /** Protection information location: 1 = first bytes of metadata. */
  pil?: number;
  /** Secure erase settings. */
  ses?: number;
}

/** Firmware commit actions (Firmware Commit CDW10 bits 5:3). */
export enum FirmwareCommitAction {
  /** Download to the slot, do not activate. */
  ReplaceImage = 0,
  /** Download to the slot and activate at the next reset. */
  ReplaceAndEnable = 1,
  /** Activate an existing image at the next reset. */
  EnableImage = 2,
  /** Download and activate immediately. */
  ReplaceAndEnableImmediately = 3,
}

/** A callback-face admin command's callback and argument, on their way through the gate. */
interface GatedCallback {
  gate: AdminCallbackGate;
  cb: CommandCallback<unknown>;
  arg: unknown;
}

/** The callback every callback-face admin command is submitted with (static: no closure per command). */
function runGated(g: GatedCallback, cpl: Completion): void {
  g.gate.call(g.cb, g.arg, cpl);
}

/** Writes the host-specified fields into a zeroed Identify Namespace data structure. */
function encodeNamespaceCreateData(data: NamespaceCreateData, into: Uint8Array): void {
  const v = new DataView(into.buffer, into.byteOffset, NAMESPACE_DATA_SIZE);
  v.setBigUint64(0, data.nsze, true);
  v.setBigUint64(8, data.ncap, true);
  v.setUint8(26, data.flbas);
  v.setUint8(29, data.dps ?? 0);
  v.setUint8(30, data.nmic ?? 0);
  v.setUint32(92, data.anagrpid ?? 0, true);
  v.setUint16(100, data.nvmsetid ?? 0, true);
  v.setUint16(102, data.endgid ?? 0, true);
}

/** Bytes of a submission queue entry: the part of a fabrics command capsule that is not in-capsule data. */
const SQE_BYTES = 64;
/** Largest transfer the core allows any command when the controller sets no MDTS. */
const TRANSPORT_MAX_TRANSFER = 2 * 1024 * 1024;
/** DMA memory for a worker's own buffers by default. */
const DEFAULT_WORKER_BUFFERS = 1024 * 1024;
/** Chunk size of Firmware Image Download (SPDK uses 4 KiB). */
const FIRMWARE_CHUNK = 4096;

/**
 * An attached controller. Created by the driver's probe or connect; never constructed by applications.
 *
 * ## Threading
 *
 * A controller, its admin queue, its namespaces and the I/O queue pairs from {@link allocIoQpair}
 * belong to the thread that connected it: call their methods there only. Another thread gets a queue
 * pair of its own with {@link allocIoQpairForWorker}; admin commands stay here.
 *
 * ## Admin callback face rules
 *
 * {@link cmdAdminRaw}, {@link cmdGetLogPage}, {@link cmdSetFeature}, {@link cmdGetFeature} and
 * {@link cmdAbort} (spdk_nvme_ctrlr_cmd_*) follow the namespace callback face's rules (see
 * {@link Namespace}) with the admin queue in place of `qp`:
 *
 * - **Buffer:** DMA memory of this controller ({@link allocBuffer}), 4-byte aligned, at most
 *   {@link maxTransferSize} bytes (never split); untouched until `cb` runs. {@link cmdGetLogPage},
 *   {@link cmdSetFeature} and {@link cmdGetFeature} also take ordinary memory, through a copy (as
 *   SPDK does); DMA memory stays zero-copy. The command object is copied at submission and may be
 *   reused at once.
 * - **Callback:** on this thread, only from inside {@link processAdminCompletions}, as SPDK users
 *   expect; and with an abort status from inside {@link reset}, {@link detach} and the controller's
 *   removal (or, on a fabric, its connection loss). The admin queue is also polled by timers (the
 *   admin poller's idle tick, an unref'd timer at most 100 ms apart that sends Keep Alive and
 *   re-arms AERs, and the Promise face's polling while an admin Promise is pending): a callback-face
 *   command that completes there is kept, with a copy of its completion, and its callback runs,
 *   in completion order, at the start of the next {@link processAdminCompletions} (or from a reset,
 *   detach or removal, before their aborts). The AER callback and the timeout callback for admin
 *   commands follow the same rule. An application that never calls {@link processAdminCompletions}
 *   gets no admin callbacks (the Promise and RxJS faces need no polling).
 * - **Returns** 0, or -ENOMEM when every admin request is in use (back-pressure: poll admin
 *   completions and submit again).
 * - **Throws** {@link StateError} when the controller is detached or removed (a failed controller
 *   still takes admin commands; one failed by a controller fatal status was disabled, so they
 *   complete only after a reset), {@link InvalidArgumentError} for a bad buffer. During a reset,
 *   between the old admin queue's teardown and the new one's creation, a command is accepted (0) but
 *   never completes: wait for `reset()` to settle.
 *
 * The admin Promise methods poll the admin queue themselves; buffers stay untouched until the
 * Promise settles; they reject with what the `cmd*` method throws, with {@link NvmeStatusError} for
 * an error status, and, while the controller is not ready (initialising or resetting), with
 * {@link NvmeTimeoutError} after `adminTimeoutMs`.
 */
export class Controller implements NamespaceOwner {
  /** Options actually in use, after negotiation with the controller. */
  readonly options: ControllerOptions;
  /** Identify Controller data. */
  data!: IdentifyController;
  /** The CAP register, decoded (cached: it does not change). */
  cap!: Cap;
  /** The raw CAP register. */
  capRaw = 0n;
  /** The VS register, decoded. */
  vs!: Vs;
  /** Largest transfer of one command in bytes. */
  maxTransferSize = TRANSPORT_MAX_TRANSFER;
  /** Whether I/O commands may use SGLs. */
  sglSupported = false;
  /**
   * Whether the controller was enabled with every I/O command set it supports (CC.CSS = 110b, offered
   * by CAP.CSS bit 6) rather than the NVM command set alone; zoned namespaces take zone commands only then.
   */
  allIoCommandSets = false;
  /** The Zoned Namespace command set's Identify Controller data, once a zoned namespace was found. */
  znsData: ZnsIdentifyController | undefined = undefined;

  /** Largest Zone Append in bytes (ZASL, or MDTS when ZASL is 0 or no zoned namespace was found). */
  get zoneAppendSizeLimit(): number {
    if (this.znsData === undefined) return this.maxTransferSize;
    return zoneAppendLimitBytes(this.znsData.zasl, this.cap.minPageSize, this.maxTransferSize);
  }

  /** The admin queue pair. */
  admin!: QueuePair;
  /** Active namespaces by ID. */
  readonly namespaces = new Map<number, Namespace>();

  private readonly stateSubject = new BehaviorSubject<ControllerState>(ControllerState.Init);
  /** The subject's value as a plain field: every I/O checks it, and the subject's getter is a call chain. */
  private currentState = ControllerState.Init;
  private readonly aerSubject = new Subject<AsyncEvent>();
  private readonly timeoutSubject = new Subject<CommandTimeout>();
  private readonly lostSubject = new Subject<Error>();
  private readonly ioQpairs = new Set<QueuePair>();
  private readonly qpairPorts = new Map<
    QueuePair,
    { port: QueuePort; options: Required<IoQueuePairOptions> }
  >();
  private readonly usedQids = new Set<number>();
  /** The queue pairs handed to other threads. */
  private readonly workerQueues = new WorkerQueues();
  /** Raw queue pairs by qid; `live` until a reset, failure or removal took the queue away. */
  private readonly rawQueues = new Map<number, { raw: RawQueuePair; port: QueuePort; live: boolean }>();
  private readonly scratch = new NvmeCommand();
  private aerCallback: { fn: (arg: unknown, cpl: Completion) => void; arg: unknown } | null = null;
  private timeoutCallback: {
    fn: (arg: unknown, c: Controller, q: QueuePair | null, cid: number) => void;
    arg: unknown;
  } | null = null;
  private timeoutMs = 0;
  /** Callback-face admin callbacks wait here for processAdminCompletions. */
  private readonly adminGate = new AdminCallbackGate();
  /** Set while the Promise face submits through a `cmd*` method: its callback is not gated. */
  private promiseFaceSubmitting = false;
  private ownDomain: MemoryDomain | null = null;
  /** Time of the last Keep Alive sent (ms, performance.now()). */
  private lastKeepAlive = 0;
  /** Fabrics: the controller ID the admin Connect returned, which every I/O queue's Connect names. */
  private fabricCntlid = ADMIN_CNTLID_DYNAMIC;
  /** Fabrics: registers as properties over the admin queue. */
  private properties: RegisterAccess | null = null;
  /** The queue ID last handed out (fabrics hand them out in turn). */
  private lastQid = 0;
  /** Fabrics: the reconnect loop running after a connection loss, if any. */
  private reconnecting: Promise<void> | null = null;
  /** Ends the reconnect loop's wait between attempts early (detach). */
  private stopWaiting: (() => void) | null = null;
  /** Set by detach: no reconnect attempt starts from then on. */
  private detaching = false;
  /** The reset under way, which a second reset() call joins. */
  private resetting: Promise<void> | null = null;
  /** PCIe: the CSTS watch the queue pairs' stalls and the admin idle tick call on. */
  private health: HealthWatch | null = null;
  /** The queue pairs' stall hook: the health watch's check, or nothing (fabrics). */
  private readonly stalled = (): void => this.health?.check();
  /** The queue pairs' timeout hook (one function for all of them). */
  private readonly timedOut = (qp: QueuePair, cid: number, stage: TimeoutStage, own: boolean): void =>
    this.onCommandTimeout(qp, cid, stage, own);

  /**
   * @param trid the controller's transport ID
   * @param connection the transport's connection
   * @param options requested options (negotiated values are written back)
   */
  constructor(
    readonly trid: TransportId,
    readonly connection: TransportConnection,
    options: ControllerOptions,
  ) {
    this.options = { ...options };
    connection.removed$.subscribe(() => this.markRemoved());
    connection.lost$?.subscribe((error) => this.onConnectionLost(error));
  }

  // ---- state ----------------------------------------------------------------------------------

  /** The current state. */
  get state(): ControllerState {
    return this.currentState;
  }

  /** The state, now and as it changes. */
  get state$(): Observable<ControllerState> {
    return this.stateSubject.asObservable();
  }

  /** @internal Moves to a new state (used by the initialisation state machine). */
  setState(s: ControllerState): void {
    if (this.currentState === s) return;
    this.currentState = s;
    this.stateSubject.next(s);
  }

  /** Throws unless the controller can take commands. */
  assertUsable(): void {
    const s = this.state;
    if (s === ControllerState.Detached) throw new StateError("controller is detached: connect to it again");
    if (s === ControllerState.Removed) throw new StateError("controller was removed from the system");
    if (s === ControllerState.Failed) throw new StateError("controller failed: reset it or detach it");
  }

  /** DMA memory of this controller's transport. */
  get dma(): TransportConnection["dma"] {
    return this.connection.dma;
  }

  /** Allocates a zero-filled DMA buffer of `size` bytes that I/O commands accept. */
  allocBuffer(size: number, align?: number): DmaBuffer {
    if (!Number.isInteger(size) || size <= 0)
      throw new InvalidArgumentError("size", `${size}: give a positive byte count`);
    return this.connection.dma.alloc(size, align);
  }

  /** The domain of this controller's DMA memory: the destination of memory-domain translations. */
  get memoryDomain(): MemoryDomain {
    this.ownDomain ??=
      this.connection.memoryDomain ??
      createMemoryDomain(DmaDeviceType.Dma, null, `nvmekit:${formatTransportId(this.trid)}`);
    return this.ownDomain;
  }

  /** Returns a buffer from {@link allocBuffer}. */
  freeBuffer(buffer: DmaBuffer): void {
    this.connection.dma.free(buffer);
  }

  // ---- registers and identify -----------------------------------------------------------------

  /**
   * Register access: the transport's (PCIe BAR0), or on a fabric Property Get/Set commands on the
   * admin queue (each a round trip to the target).
   */
  get registers(): RegisterAccess {
    const own = this.connection.registers;
    if (own !== undefined) return own;
    this.properties ??= new PropertyRegisters((cmd, what) =>
      this.awaitAdminDwords(what, (cb, p) => this.submitRaw(this.admin, cmd, null, cb, p)),
    );
    return this.properties;
  }

  /** Whether this controller is reached over a fabric (Connect, properties) rather than by registers. */
  get isFabric(): boolean {
    return this.connection.registers === undefined;
  }

  /** Whether this is a discovery controller (its subsystem NQN is the discovery NQN). */
  get isDiscovery(): boolean {
    return this.isFabric && this.subsystemNqn === DISCOVERY_NQN;
  }

  /** The subsystem NQN connected to: the transport ID's, or the discovery NQN when it names none. */
  get subsystemNqn(): string {
    return this.trid.subnqn === "" ? DISCOVERY_NQN : this.trid.subnqn;
  }

  /**
   * Reads the Discovery Log Page completely and consistently (re-read while the target's generation
   * counter moves), from a discovery controller.
   * @throws {@link StateError} (as a rejection) when this is not a discovery controller
   */
  async getDiscoveryLog(): Promise<DiscoveryLog> {
    if (!this.isDiscovery) throw new StateError("not a discovery controller: connect to the discovery NQN");
    return readDiscoveryLog((size, offset) => this.getLogPage(LogPageId.Discovery, 0, size, offset));
  }

  /** Reads CSTS (spdk_nvme_ctrlr_get_regs_csts). */
  async getRegsCsts(): Promise<Csts> {
    return decodeCsts(await this.registers.read32(Register.CSTS));
  }

  /** CAP (spdk_nvme_ctrlr_get_regs_cap). */
  getRegsCap(): Cap {
    return this.cap;
  }

  /** VS (spdk_nvme_ctrlr_get_regs_vs). */
  getRegsVs(): Vs {
    return this.vs;
  }

  /** Number of namespaces the controller supports (NN). */
  get numNamespaces(): number {
    return this.data.nn;
  }

  /**
   * The namespace `nsid` (1..NN): the active one, or an inactive handle (isActive false) for an ID
   * in range with no namespace attached (spdk_nvme_ctrlr_get_ns).
   */
  getNamespace(nsid: number): Namespace | undefined {
    const ns = this.namespaces.get(nsid);
    if (ns !== undefined) return ns;
    if (!Number.isInteger(nsid) || nsid < 1 || nsid > this.data.nn) return undefined;
    return new Namespace(this, nsid, decodeIdentifyNamespace(new Uint8Array(4096)));
  }

  /** Active namespace IDs in ascending order. */
  activeNamespaceIds(): number[] {
    return [...this.namespaces.keys()].sort((a, b) => a - b);
  }

  /** Whether Get Log Page `lid` is supported (spdk_nvme_ctrlr_is_log_page_supported). */
  isLogPageSupported(lid: number): boolean {
    switch (lid) {
      case LogPageId.ErrorInformation:
      case LogPageId.SmartHealth:
      case LogPageId.FirmwareSlot:
        return true;
      case LogPageId.ChangedNamespaceList:
        return (this.data.oaes & (1 << 8)) !== 0;
      case LogPageId.CommandsSupportedAndEffects:
        return (this.data.lpa & 0x02) !== 0;
      default:
        return false;
    }
  }

  /** Whether feature `fid` is supported (spdk_nvme_ctrlr_is_feature_supported). */
  isFeatureSupported(fid: number): boolean {
    switch (fid) {
      case FeatureId.Arbitration:
      case FeatureId.PowerManagement:
      case FeatureId.TemperatureThreshold:
      case FeatureId.ErrorRecovery:
      case FeatureId.NumberOfQueues:
      case FeatureId.InterruptCoalescing:
      case FeatureId.InterruptVectorConfiguration:
      case FeatureId.WriteAtomicityNormal:
      case FeatureId.AsyncEventConfiguration:
        return true;
      case FeatureId.VolatileWriteCache:
        return (this.data.vwc & 1) !== 0;
      case FeatureId.AutonomousPowerStateTransition:
        return this.data.apsta !== 0;
      case FeatureId.HostMemoryBuffer:
        return this.data.hmpre !== 0;
      case FeatureId.KeepAliveTimer:
        return this.data.kas !== 0;
      case FeatureId.HostIdentifier:
        return true;
      default:
        return false;
    }
  }

  // ---- raw commands ---------------------------------------------------------------------------

  /**
   * Submits an admin command (spdk_nvme_ctrlr_cmd_admin_raw): `cmd` is copied, the core fills in
   * the CID and data pointer from `buffer`. The command is not checked.
   * - Threading: only on this controller's thread.
   * - Buffer: DMA memory, 4-byte aligned, at most {@link maxTransferSize} bytes; untouched until `cb` runs.
   * - Callback: from inside {@link processAdminCompletions} only; see the admin callback face rules
   *   on {@link Controller}.
   * @returns 0, or -ENOMEM when every admin request is in use (back-pressure: poll, resubmit)
   * @throws {@link StateError} when the controller is detached or removed
   * @throws {@link InvalidArgumentError} for a buffer that is not DMA memory, misaligned or too large
   */
  cmdAdminRaw<A>(
    cmd: NvmeCommand,
    buffer: ArrayBufferView | null,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    return this.submitAdmin(cmd, buffer, cb, arg, false);
  }

  /**
   * Submits an I/O command on `qpair` (spdk_nvme_ctrlr_cmd_io_raw): `cmd` is copied, the core fills
   * in the CID and data pointer from `buffer`. The command is not checked, nor split.
   * - Threading: only on this controller's thread, with one of its own queue pairs (a worker has no
   *   Controller, so no raw I/O).
   * - Buffer: DMA memory of this controller, 4-byte aligned, at most {@link maxTransferSize} bytes;
   *   untouched until `cb` runs.
   * - Callback: from a later `qpair.processCompletions()`; see the callback face rules on {@link Namespace}.
   * @returns 0, or -ENOMEM when `qpair` has no free request (back-pressure: poll completions, resubmit)
   * @throws {@link StateError} when `qpair` is closed or the controller detached, failed or removed
   * @throws {@link InvalidArgumentError} for a buffer that is not DMA memory, misaligned or too large
   */
  cmdIoRaw<A>(
    qpair: QueuePair,
    cmd: NvmeCommand,
    buffer: ArrayBufferView | null,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    this.assertUsable();
    qpair.assertUsable();
    return this.submitRaw(qpair, cmd, buffer, cb, arg);
  }

  /**
   * Processes admin completions (spdk_nvme_ctrlr_process_admin_completions); also sends a Keep Alive
   * when half the keep-alive timeout has passed. Non-blocking.
   * - Threading: only on this controller's thread.
   * - Callback: the callback face's admin command callbacks, the AER callback and the timeout
   *   callback for admin commands run synchronously from this call, and from nowhere else but a
   *   reset, detach or removal: first those that completed while timers polled the admin queue
   *   (kept since), then those this call polls. An exception from a callback propagates out of this
   *   call; the callbacks not yet run wait for the next call.
   * @returns how many completions were processed (may be 0; the kept callbacks count), or -ENXIO,
   *   as SPDK's negative value on error: when the controller is resetting (nothing is polled; poll again once it is ready),
   *   removed or detached (nothing is polled), or failed (a failed controller still completes admin
   *   commands, and their callbacks run from this call, but the value is -ENXIO so that a polling
   *   loop notices the failure)
   */
  processAdminCompletions(): number {
    const s = this.currentState;
    // Resetting, then initialising again (the reset's own polling drives the admin queue), removed, detached.
    if (s !== ControllerState.Ready && s !== ControllerState.Failed) return -ENXIO;
    const n = this.adminGate.open(() => this.admin.processCompletions(0));
    this.keepAliveIfDue();
    return s === ControllerState.Failed ? -ENXIO : n;
  }

  /**
   * {@link cmdAdminRaw} as a Promise of the completion's DW0. `buffer`: untouched until the Promise
   * settles. Rejects with what {@link cmdAdminRaw} throws, {@link NvmeStatusError}, or (controller
   * not ready) {@link NvmeTimeoutError}.
   */
  adminRaw(
    cmd: NvmeCommand,
    buffer: ArrayBufferView | null = null,
    what = `Admin opcode 0x${cmd.opcode.toString(16)}`,
  ): Promise<number> {
    return this.awaitAdmin(what, (cb, p) => this.cmdAdminRaw(cmd, buffer, cb, p));
  }

  /**
   * {@link cmdIoRaw} as a Promise of the completion's DW0, polling `qpair` until it completes.
   * `buffer`: untouched until the Promise settles. `timeoutMs`: this command's time limit (default:
   * the queue pair's, from the `ioTimeoutMs` option; 0 for none). Rejects with what {@link cmdIoRaw}
   * throws, {@link NvmeStatusError}, or {@link NvmeTimeoutError} when the command outlived its limit
   * (once it has ended: aborted, or by a reset); never for ENOMEM (it waits for a free request).
   */
  ioRaw(
    qpair: QueuePair,
    cmd: NvmeCommand,
    buffer: ArrayBufferView | null = null,
    timeoutMs?: number,
  ): Promise<number> {
    return awaitCompletion(
      qpair,
      `I/O opcode 0x${cmd.opcode.toString(16)}`,
      (cb, p) => this.cmdIoRaw(qpair, cmd, buffer, cb, p),
      { commandMs: timeoutMs },
    );
  }

  /** {@link adminRaw} as an Observable (submitted on subscribe). */
  adminRaw$(cmd: NvmeCommand, buffer: ArrayBufferView | null = null): Observable<number> {
    return defer(() => this.adminRaw(cmd, buffer));
  }

  // ---- admin commands: callback face ------------------------------------------------------------

  /**
   * Get Log Page into `payload` at byte `offset` (spdk_nvme_ctrlr_cmd_get_log_page).
   * - Threading: only on this controller's thread.
   * - Buffer: `payload`, whole dwords, any ArrayBufferView. DMA memory of this controller
   *   (dword-aligned) is used in place (zero copy); other memory goes through DMA memory the core
   *   allocates in this call, copied into `payload` just before `cb` runs, whatever the status (as
   *   SPDK copies). Either way, do not touch `payload` until `cb` runs.
   * - Callback: from inside {@link processAdminCompletions}; see the admin callback face rules on
   *   {@link Controller}.
   * @returns 0, or -ENOMEM when every admin request is in use (back-pressure: poll, resubmit)
   * @throws {@link StateError} when the controller is detached or removed
   * @throws {@link InvalidArgumentError} for a `payload` or `offset` not in whole dwords, an `offset`
   *   the controller cannot take (LPA bit 2), or a `payload` above {@link maxTransferSize}
   * @throws what the DMA allocator throws when it has no memory left for the copy (not -ENOMEM)
   */
  cmdGetLogPage<A>(
    lid: number,
    nsid: number,
    payload: ArrayBufferView,
    offset: number,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    if (payload.byteLength < 4 || payload.byteLength % 4 !== 0) {
      throw new InvalidArgumentError(
        "payload",
        `${payload.byteLength} bytes: log pages are read in whole dwords`,
      );
    }
    if (offset % 4 !== 0) throw new InvalidArgumentError("offset", `${offset}: must be a multiple of 4`);
    if (offset > 0 && (this.data.lpa & 0x04) === 0) {
      throw new InvalidArgumentError(
        "offset",
        "the controller does not support extended Get Log Page data (LPA bit 2)",
      );
    }
    cmds.getLogPage(this.scratch, lid, nsid, payload.byteLength, offset, {});
    return this.submitAdmin(this.scratch, payload, cb, arg, true);
  }

  /**
   * Set Features (spdk_nvme_ctrlr_cmd_set_feature); `payload` is the feature's data buffer, if any.
   * - Threading: only on this controller's thread.
   * - Buffer: `payload`, any ArrayBufferView. DMA memory of this controller (dword-aligned) is used
   *   in place (zero copy): unmodified until `cb` runs. Other memory is copied into DMA memory the
   *   core allocates, in this call: it may be reused as soon as this returns.
   * - Callback: from inside {@link processAdminCompletions}; see the admin callback face rules on
   *   {@link Controller}.
   * @returns 0, or -ENOMEM when every admin request is in use (back-pressure: poll, resubmit)
   * @throws {@link StateError} when the controller is detached or removed
   * @throws {@link InvalidArgumentError} for a `payload` above {@link maxTransferSize}
   * @throws what the DMA allocator throws when it has no memory left for the copy (not -ENOMEM)
   */
  cmdSetFeature<A>(
    fid: number,
    cdw11: number,
    cdw12: number,
    payload: ArrayBufferView | null,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    cmds.setFeatures(this.scratch, fid, cdw11, { cdw12 });
    return this.submitAdmin(this.scratch, payload, cb, arg, true);
  }

  /**
   * Get Features, current value (spdk_nvme_ctrlr_cmd_get_feature); the value is the completion's DW0.
   * - Threading: only on this controller's thread.
   * - Buffer: `payload`, as {@link cmdGetLogPage}'s: any ArrayBufferView, DMA memory in place, other
   *   memory through a copy made just before `cb` runs; untouched until then.
   * - Callback: from inside {@link processAdminCompletions}; see the admin callback face rules on
   *   {@link Controller}.
   * @returns 0, or -ENOMEM when every admin request is in use (back-pressure: poll, resubmit)
   * @throws {@link StateError} when the controller is detached or removed
   * @throws {@link InvalidArgumentError} for a `payload` above {@link maxTransferSize}
   * @throws what the DMA allocator throws when it has no memory left for the copy (not -ENOMEM)
   */
  cmdGetFeature<A>(
    fid: number,
    cdw11: number,
    payload: ArrayBufferView | null,
    cb: CommandCallback<A> | null,
    arg: A,
  ): number {
    cmds.getFeatures(this.scratch, fid, 0, cdw11);
    return this.submitAdmin(this.scratch, payload, cb, arg, true);
  }

  /**
   * Aborts command `cid` on `qpair` (null: the admin queue) (spdk_nvme_ctrlr_cmd_abort). The aborted
   * command's own callback runs, with its status, from its queue pair's `processCompletions`.
   * - Threading: only on this controller's thread.
   * - Buffer: none.
   * - Callback: from inside {@link processAdminCompletions}; DW0 bit 0 set means not aborted. See
   *   the admin callback face rules on {@link Controller}.
   * @returns 0, or -ENOMEM when every admin request is in use (back-pressure: poll, resubmit)
   * @throws {@link StateError} when the controller is detached or removed
   */
  cmdAbort<A>(qpair: QueuePair | null, cid: number, cb: CommandCallback<A> | null, arg: A): number {
    cmds.abort(this.scratch, qpair === null ? 0 : qpair.id, cid);
    return this.cmdAdminRaw(this.scratch, null, cb, arg);
  }

  // ---- admin commands: Promise face -------------------------------------------------------------

  /**
   * Reads log page `lid` (`size` bytes at `offset`) and returns a copy of its bytes (no caller
   * buffer). Rejects with what {@link cmdGetLogPage} throws, {@link NvmeStatusError}, or (controller
   * not ready) {@link NvmeTimeoutError}.
   */
  async getLogPage(lid: number, nsid = 0xffffffff, size = 4096, offset = 0): Promise<Uint8Array> {
    return this.withBuffer(size, async (buf) => {
      await this.awaitAdmin(`Get Log Page 0x${lid.toString(16)}`, (cb, p) =>
        this.cmdGetLogPage(lid, nsid, buf.bytes, offset, cb, p),
      );
      return buf.bytes.slice();
    });
  }

  /**
   * Set Features; resolves with the completion's DW0. `payload`: unmodified until the Promise
   * settles. Rejects with what {@link cmdSetFeature} throws, {@link NvmeStatusError}, or (controller
   * not ready) {@link NvmeTimeoutError}.
   */
  setFeature(fid: number, cdw11: number, cdw12 = 0, payload: ArrayBufferView | null = null): Promise<number> {
    return this.awaitAdmin(`Set Features 0x${fid.toString(16)}`, (cb, p) =>
      this.cmdSetFeature(fid, cdw11, cdw12, payload, cb, p),
    );
  }

  /**
   * Get Features (current value); resolves with the completion's DW0. `payload`: untouched until the
   * Promise settles. Rejects with what {@link cmdGetFeature} throws, {@link NvmeStatusError}, or
   * (controller not ready) {@link NvmeTimeoutError}.
   */
  getFeature(fid: number, cdw11 = 0, payload: ArrayBufferView | null = null): Promise<number> {
    return this.awaitAdmin(`Get Features 0x${fid.toString(16)}`, (cb, p) =>
      this.cmdGetFeature(fid, cdw11, payload, cb, p),
    );
  }

  /**
   * Aborts command `cid` on `qpair` (null: admin); resolves with DW0 (bit 0 set: not aborted).
   * Rejects with what {@link cmdAbort} throws, {@link NvmeStatusError}, or (controller not ready)
   * {@link NvmeTimeoutError}.
   */
  abort(qpair: QueuePair | null, cid: number): Promise<number> {
    return this.awaitAdmin(`Abort cid ${cid}`, (cb, p) => this.cmdAbort(qpair, cid, cb, p));
  }

  /** Attaches namespace `nsid` to the controllers listed (default: this one) (spdk_nvme_ctrlr_attach_ns). */
  async attachNamespace(nsid: number, controllerIds: readonly number[] = [this.data.cntlid]): Promise<void> {
    await this.namespaceAttachment(nsid, true, controllerIds);
  }

  /** Detaches namespace `nsid` from the controllers listed (spdk_nvme_ctrlr_detach_ns). */
  async detachNamespace(nsid: number, controllerIds: readonly number[] = [this.data.cntlid]): Promise<void> {
    await this.namespaceAttachment(nsid, false, controllerIds);
  }

  /**
   * Creates a namespace and resolves with its ID (spdk_nvme_ctrlr_create_ns); it is not attached
   * (see {@link attachNamespace}). `data`: the host-specified fields, or, as SPDK's caller gives a
   * `struct spdk_nvme_ns_data`, the whole Identify Namespace data structure (up to 4096 bytes, any
   * view), sent byte for byte. `csi`: the namespace's command set (CDW11 CSI: 0 NVM, 2 Zoned).
   * - Threading: this controller's thread. Buffer: `data` is copied in this call.
   * @throws {@link InvalidArgumentError} (as a rejection) for a structure longer than 4096 bytes
   * @throws {@link NvmeStatusError} (as a rejection) when the controller refuses it
   */
  async createNamespace(data: NamespaceCreateData | ArrayBufferView, csi = 0): Promise<number> {
    if (ArrayBuffer.isView(data) && data.byteLength > NAMESPACE_DATA_SIZE) {
      throw new InvalidArgumentError("data", `${data.byteLength} bytes: the structure is at most 4096`);
    }
    return this.withBuffer(NAMESPACE_DATA_SIZE, async (buf) => {
      if (ArrayBuffer.isView(data))
        buf.bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else encodeNamespaceCreateData(data, buf.bytes);
      cmds.namespaceManagement(this.scratch, true, 0, csi);
      return this.adminRaw(this.scratch, buf.bytes, "Namespace Management (create)");
    });
  }

  /** Deletes namespace `nsid` (spdk_nvme_ctrlr_delete_ns). */
  async deleteNamespace(nsid: number): Promise<void> {
    cmds.namespaceManagement(this.scratch, false, nsid);
    await this.adminRaw(this.scratch, null, `Namespace Management (delete ${nsid})`);
    await this.refreshNamespaces();
  }

  /** Formats namespace `nsid` (0xffffffff: all) and re-reads namespace data (spdk_nvme_ctrlr_format). */
  async format(nsid: number, options: FormatOptions): Promise<void> {
    cmds.formatNvm(this.scratch, nsid, options);
    await this.adminRaw(this.scratch, null, `Format NVM nsid ${nsid}`);
    await this.refreshNamespaces();
  }

  /**
   * Downloads a firmware image in 4 KiB pieces (at most {@link maxTransferSize}), commits it to
   * `slot` with `action`, then resets the controller, as spdk_nvme_ctrlr_update_firmware does, so an
   * image committed for activation at the next reset runs when this resolves (the controller's data
   * is read again: {@link data}`.fr` shows the revision now running).
   * - Threading: this controller's thread.
   * - Buffer: `image` is copied, piece by piece, into DMA memory; it may change once this settles.
   * - Callback: none. A commit that answers Firmware Activation Requires Controller Level Reset is
   *   taken as success, since the reset follows. As {@link reset}, the reset completes this thread's
   *   outstanding I/O with an abort status (no DNR: they wait and go to the device again).
   * @throws {@link InvalidArgumentError} (as a rejection) for an image that is empty or not a
   *   multiple of 4 bytes, or a slot outside 0..7
   * @throws {@link NvmeStatusError} (as a rejection) when a download or the commit fails (Invalid
   *   Firmware Slot or Image, an activation that needs a reset this host cannot do, ...): no reset then
   * @throws what {@link reset} throws when the reset fails
   */
  async updateFirmware(
    image: Uint8Array,
    slot: number,
    action = FirmwareCommitAction.ReplaceAndEnable,
  ): Promise<void> {
    if (image.byteLength === 0 || image.byteLength % 4 !== 0) {
      throw new InvalidArgumentError(
        "image",
        `${image.byteLength} bytes: firmware images are a non-empty multiple of 4 bytes`,
      );
    }
    if (!Number.isInteger(slot) || slot < 0 || slot > 7)
      throw new InvalidArgumentError("slot", `${slot}: give 0 (controller's choice) to 7`);
    const chunk = Math.min(FIRMWARE_CHUNK, this.maxTransferSize);
    await this.withBuffer(chunk, async (buf) => {
      for (let off = 0; off < image.byteLength; off += chunk) {
        const n = Math.min(chunk, image.byteLength - off);
        buf.bytes.set(image.subarray(off, off + n));
        cmds.firmwareImageDownload(this.scratch, n, off);
        await this.adminRaw(this.scratch, buf.bytes.subarray(0, n), `Firmware Image Download offset ${off}`);
      }
    });
    cmds.firmwareCommit(this.scratch, slot, action);
    try {
      await this.adminRaw(this.scratch, null, `Firmware Commit slot ${slot}`);
    } catch (e) {
      const resetWanted =
        e instanceof NvmeStatusError &&
        e.sct === StatusCodeType.CommandSpecific &&
        e.sc === CommandSpecificStatus.FirmwareRequiresControllerReset;
      if (!resetWanted) throw e;
    }
    await this.reset();
  }

  // ---- asynchronous events and timeouts ---------------------------------------------------------

  /**
   * Registers the AER callback (spdk_nvme_ctrlr_register_aer_callback); null removes it.
   * - Threading: this controller's thread; the callback runs there too.
   * - Callback: once per asynchronous event, and once per AER the controller completes with an
   *   error status (check `cpl.isError`; the AER is re-armed, as SPDK does). An AER the host aborts
   *   (reset, detach, removal) is not reported. Only from inside {@link processAdminCompletions}
   *   (see the admin callback face rules on {@link Controller}): an event the admin poller's timer
   *   found is kept until then. `cpl` is valid only during the call. The AER is re-armed, and
   *   {@link aer$} emits, as soon as the completion is found, whether or not the application polls.
   */
  registerAerCallback<A>(cb: ((arg: A, cpl: Completion) => void) | null, arg: A): void {
    this.aerCallback = cb === null ? null : { fn: cb as (arg: unknown, cpl: Completion) => void, arg };
  }

  /** Asynchronous events as they arrive: as soon as any poll of the admin queue (timers included) finds one. */
  get aer$(): Observable<AsyncEvent> {
    return this.aerSubject.asObservable();
  }

  /**
   * Calls `cb` for each command outstanding longer than `timeoutSec` **seconds** (0 disables), on the
   * admin queue (qpair null) and every I/O queue pair of this thread, present and future; not on
   * queue pairs handed to workers (spdk_nvme_ctrlr_register_timeout_callback). Seconds, as the seed's
   * `timeout_sec`, so a ported 30 is 30 s; a fraction asks for less than a second (0.05: 50 ms).
   * A new registration replaces the previous one, and its limit applies to commands already out.
   * Asynchronous Event Requests are never timed: they wait for an event, not for the device (as SPDK).
   * - Threading: this controller's thread; `cb` runs there too.
   * - Callback: once per command, timed from when it was posted to the device (commands waiting
   *   for a tracker are not timed), from inside the `processCompletions` of the queue pair holding
   *   it, which scans at most every 10 ms: an I/O queue pair's timeouts are found only while it is
   *   polled, and `cb` runs from that `processCompletions`; the admin queue's are found by any poll
   *   of it (timers included), and `cb` runs from inside {@link processAdminCompletions} (see the
   *   admin callback face rules on {@link Controller}). {@link timeout$} emits as soon as one is found.
   * - Then: what the `timeoutAction` option says (none by default, as SPDK: the application may send
   *   {@link cmdAbort} itself; `abort`: the controller sends Abort for the CID; `reset`: Abort, then
   *   a reset when the controller declines it or the command is still out at twice the limit).
   * @throws {@link InvalidArgumentError} for a `timeoutSec` that is negative or not a finite number
   */
  registerTimeoutCallback<A>(
    timeoutSec: number,
    cb: ((arg: A, c: Controller, q: QueuePair | null, cid: number) => void) | null,
    arg: A,
  ): void {
    if (!Number.isFinite(timeoutSec) || timeoutSec < 0) {
      throw new InvalidArgumentError("timeoutSec", `${timeoutSec}: give a non-negative number of seconds`);
    }
    this.timeoutMs = cb === null ? 0 : timeoutSec * 1000;
    this.timeoutCallback = cb === null ? null : { fn: cb as never, arg };
    for (const qp of [this.admin, ...this.ioQpairs]) this.armTimeouts(qp);
  }

  /**
   * Fabrics: each loss of the connection to the controller, as the transport reported it. The
   * controller is Failed from then until a reconnect succeeds ({@link state$} shows Resetting, Ready);
   * with `ctrlLossTimeoutMs` 0, or once it runs out, it stays Failed until {@link reset} or {@link detach}.
   */
  get connectionLost$(): Observable<Error> {
    return this.lostSubject.asObservable();
  }

  /** Command time-outs as they are detected (needs a registered time limit). */
  get timeout$(): Observable<CommandTimeout> {
    return this.timeoutSubject.asObservable();
  }

  // ---- I/O queue pairs --------------------------------------------------------------------------

  /**
   * Allocates an I/O queue pair (spdk_nvme_ctrlr_alloc_io_qpair).
   * - Threading: call on this controller's thread; the queue pair belongs to it (submit, poll and
   *   receive callbacks there only). For another thread use {@link allocIoQpairForWorker}.
   * @throws {@link StateError} (as a rejection) when the controller is not ready or all
   *   `numIoQueues` queue IDs are in use
   * @throws {@link InvalidArgumentError} (as a rejection) for an `ioQueueSize` below 2; the
   *   controller's refusal of Create I/O CQ/SQ rejects with {@link NvmeStatusError}
   */
  async allocIoQpair(options: IoQueuePairOptions = {}): Promise<QueuePair> {
    const { port, o } = await this.createIoPort(options);
    const qp = new QueuePair(port, this.dma, this.queuePairSettings(o));
    this.ioQpairs.add(qp);
    this.qpairPorts.set(qp, { port, options: o });
    this.armTimeouts(qp);
    qp.promiseTimeoutMs = o.ioTimeoutMs;
    return qp;
  }

  /**
   * Creates an I/O queue pair for another thread to drive (the SPDK model: one queue pair per thread).
   * Post `handle` to a worker, which opens it with its transport's attach function (PCIe:
   * `attachWorkerQueuePair`). Ownership: from then on only that worker touches the queue; this
   * thread keeps the controller and its admin queue. Lifetime: once the worker has stopped using
   * the queue and its views, `release()` deletes the queue from the controller and frees its memory;
   * release every exported queue before detaching (detach releases those left, but the worker must
   * be done by then). The queue is polled (no interrupts). A reset re-creates it like the others once
   * its worker, polling, has completed its outstanding commands as aborted (see QueueLink); a worker
   * that does not poll within {@link WORKER_ACK_TIMEOUT_MS} loses the queue (its queue pair closes).
   * @throws StateError when the transport cannot share queues with other threads
   */
  async allocIoQpairForWorker(options: WorkerQueuePairOptions = {}): Promise<ExportedQueuePair> {
    const exportQueue = this.connection.exportIoQueue?.bind(this.connection);
    if (exportQueue === undefined)
      throw new StateError("this transport cannot hand queue pairs to other threads");
    // Polled: a worker cannot wait on this thread's interrupt vectors.
    const { port, o } = await this.createIoPort({ ...options, interrupts: false });
    let shared: ExportedIoQueue;
    try {
      shared = exportQueue(port, this.workerChunkBytes(port.depth, options.bufferBytes));
    } catch (e) {
      await this.deleteIoPort(port);
      throw e;
    }
    const queue = this.workerQueues.add(port, shared);
    const handle: WorkerQueuePairHandle = {
      transport: shared.handle,
      link: queue.link.buffer,
      settings: this.queuePairSettings(o),
      controller: {
        data: this.data,
        maxTransferSize: this.maxTransferSize,
        sglSupported: this.sglSupported,
        zoneAppendSizeLimit: this.zoneAppendSizeLimit,
      },
      namespaces: [...this.namespaces.values()].map((ns) => ({ id: ns.id, data: ns.data, zns: ns.znsData })),
    };
    return { handle, release: () => this.releaseWorkerQueue(queue) };
  }

  /** Deletes an exported queue (once) and frees its memory. */
  private async releaseWorkerQueue(queue: WorkerQueue): Promise<void> {
    if (!this.workerQueues.remove(queue)) return;
    if (queue.live) await this.deleteIoPort(queue.port);
    else await this.forgetIoPort(queue.port); // a reset or a failure already took it off the controller
    // Only once the queue is gone: a controller that still had it could write into the chunk.
    queue.shared.release();
  }

  /**
   * Frees an I/O queue pair (spdk_nvme_ctrlr_free_io_qpair): the queue is deleted from the
   * controller, then the commands still outstanding complete as aborted.
   * - Threading: this controller's thread, which owns `qp`.
   * - Callback: `qp` is closed at once (its `cmd*` throw {@link StateError}); once the controller has
   *   deleted the queue (or, when it is not ready, the queue is released), the callbacks of every
   *   outstanding and waiting command run, with Command Aborted due to SQ Deletion (DNR), before the
   *   Promise settles.
   * - Buffer: an aborted command's buffer is the caller's again when its callback runs: the device
   *   no longer has the queue, so it moves no more of its data.
   * @throws {@link InvalidArgumentError} (as a rejection) when `qp` is not an I/O queue pair of this
   *   controller; what deleting the queue throws (the commands are aborted all the same); what a
   *   callback throws (the others still run)
   */
  async freeIoQpair(qp: QueuePair): Promise<void> {
    const entry = this.qpairPorts.get(qp);
    if (entry === undefined)
      throw new InvalidArgumentError("qpair", "is not an I/O queue pair of this controller");
    this.ioQpairs.delete(qp);
    this.qpairPorts.delete(qp);
    qp.state = QueuePairState.Closed; // nothing more is posted or polled while the queue is deleted
    try {
      await this.deleteIoPort(entry.port);
    } finally {
      this.closeQueuePair(qp);
    }
  }

  /** Completes what `qp` still has as aborted and frees its trackers: its queue is gone from the device. */
  private closeQueuePair(qp: QueuePair): void {
    try {
      qp.abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, true);
    } finally {
      qp.destroy();
    }
  }

  /** The I/O queue pairs currently allocated. */
  get ioQueuePairs(): ReadonlySet<QueuePair> {
    return this.ioQpairs;
  }

  /**
   * Creates an I/O queue pair for the application to drive with libvfn's request trackers (see
   * {@link RawQueuePair} for the ownership rules): Create I/O CQ and SQ as for {@link allocIoQpair},
   * and `ioQueueSize - 1` trackers, each with the PRP list pages (or SGL segment) of the largest
   * transfer. No interrupts, no delayed doorbell, no timeouts, no retries: the application's commands
   * reach the device as it posts them.
   * - Threading: this controller's thread, which owns the queue pair.
   * @throws {@link StateError} (as a rejection) on a fabric (its transport builds the data pointers,
   *   so host PRPs mean nothing there), when the controller is not ready, or when every queue ID is in use
   * @throws {@link InvalidArgumentError} (as a rejection) for an `ioQueueSize` below 2
   */
  async allocRawIoQpair(
    options: Pick<IoQueuePairOptions, "priority" | "ioQueueSize"> = {},
  ): Promise<RawQueuePair> {
    if (this.isFabric) {
      throw new StateError("raw queue pairs take host-built PRPs/SGLs: PCIe controllers only, not a fabric");
    }
    const { port } = await this.createIoPort({ ...options, interrupts: false, delayDoorbell: false });
    let trackers: TrackerPool;
    try {
      trackers = new TrackerPool(port, this.dma, {
        pagesPerTracker: this.pagesPerTracker(),
        sglSupported: this.sglSupported,
      });
    } catch (e) {
      await this.deleteIoPort(port);
      throw e;
    }
    const raw: RawQueuePair = { qid: port.qid, trackers };
    this.rawQueues.set(port.qid, { raw, port, live: true });
    return raw;
  }

  /**
   * Deletes a raw queue pair's queue and frees its trackers' memory; trackers still out are
   * forgotten (their commands were the application's to wait for).
   * - Threading: this controller's thread.
   * @throws {@link InvalidArgumentError} (as a rejection) when `raw` is not a raw queue pair of this controller
   */
  async freeRawIoQpair(raw: RawQueuePair): Promise<void> {
    const entry = this.rawQueues.get(raw.qid);
    if (entry === undefined || entry.raw !== raw)
      throw new InvalidArgumentError("raw", "is not a raw queue pair of this controller");
    this.rawQueues.delete(raw.qid);
    raw.trackers.close();
    if (entry.live) await this.deleteIoPort(entry.port);
    else await this.forgetIoPort(entry.port);
    // Only once the queue is gone: the device no longer reads the trackers' list pages.
    raw.trackers.destroy();
  }

  /**
   * The tracker of a raw queue pair that the completion `cqe` names, by its SQ ID and CID
   * (libvfn's nvme_rq_from_cqe(ctrl, cqe)); null when no raw queue pair has that SQ ID or the CID is
   * not acquired there. Only meaningful for completions of commands posted with a tracker.
   */
  rqFromCqe(cqe: Completion | Uint32Array): RequestTracker | null {
    const dw = cqe instanceof Uint32Array ? cqe : cqe.dw;
    return this.rawQueues.get(dw[2]! >>> 16)?.raw.trackers.fromCqe(dw) ?? null;
  }

  /** A reset, failure or removal took the raw queues away: close them (see {@link RawQueuePair}). */
  private closeRawQueues(): void {
    for (const entry of this.rawQueues.values()) {
      entry.live = false;
      entry.raw.trackers.close();
    }
  }

  // ---- reset and detach -------------------------------------------------------------------------

  /**
   * Full controller reset (spdk_nvme_ctrlr_reset): the controller is stopped first (PCIe: disabled;
   * a fabric: its connections closed), then outstanding commands complete with Command Aborted due
   * to SQ Deletion, the controller is initialised again, namespaces re-identified and every I/O queue
   * pair re-created; commands submitted meanwhile wait and then go to the device.
   * - Threading: this controller's thread. Worker queue pairs abort their own commands when they
   *   next poll (after the controller was stopped); a worker that does not poll within
   *   {@link WORKER_ACK_TIMEOUT_MS} loses its queue.
   * - Concurrency: a reset() while one is under way returns that reset's Promise. A failed controller
   *   may be reset (PCIe and fabrics, unless a fabric's reconnect loop is running).
   * - Callback: this thread's I/O callbacks run from inside this call with the abort status (no DNR:
   *   they may be resubmitted, and wait); admin callbacks with the abort status and DNR. A callback
   *   that throws does not stop the reset: the others run, the reset completes (state Ready, or
   *   Failed), and then the Promise rejects with the first such error.
   * - Buffer: an aborted command's buffer is the caller's again when its callback runs: the device
   *   was stopped before (a PCIe controller that does not report CSTS.RDY = 0 within CAP.TO is
   *   given up on, and its commands aborted all the same).
   * @throws {@link StateError} (as a rejection) when the controller is detached or removed, or a
   *   fabric's reconnect loop is running; when re-initialisation fails the controller is marked
   *   failed and the error rejects
   */
  reset(): Promise<void> {
    if (this.resetting !== null) return this.resetting;
    if (this.reconnecting !== null)
      return Promise.reject(new StateError("a reconnect is under way: wait for it (state$)"));
    const s = this.state;
    if (s === ControllerState.Detached || s === ControllerState.Removed) {
      try {
        this.assertUsable();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const running = this.reinitialize(false).finally(() => {
      this.resetting = null;
    });
    this.resetting = running;
    return running;
  }

  /** @internal A reset started from the core (timeout escalation, automatic reset): failures show in the state. */
  resetSoon(): void {
    setImmediate(() => {
      if (this.state === ControllerState.Ready || this.state === ControllerState.Failed)
        this.reset().catch(() => undefined);
    });
  }

  /** @internal Whether a timed-out command may escalate (the controller is ready). */
  get escalates(): boolean {
    return this.state === ControllerState.Ready;
  }

  /**
   * Stops the device, then completes every command it had with an abort status and re-initialises.
   * On failure the controller is left failed; on a fabric the reconnect loop starts (unless this is
   * one of its attempts). A callback error is kept and thrown once the reset has finished.
   */
  private async reinitialize(fromReconnectLoop: boolean): Promise<void> {
    this.setState(ControllerState.Resetting);
    this.closeRawQueues();
    for (const qp of this.ioQpairs) qp.state = QueuePairState.Disconnected;
    let callbackError: unknown = null;
    try {
      await this.stopDevice();
      this.workerQueues.disconnect();
      for (const qp of this.ioQpairs) {
        await this.qpairPorts.get(qp)!.port.release();
        try {
          qp.abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, false);
        } catch (e) {
          callbackError ??= e;
        }
      }
      try {
        await this.teardownAdmin();
      } catch (e) {
        callbackError ??= e;
      }
      // Before the controller is enabled again: a worker still posting would ring the doorbells of a
      // queue that does not exist yet.
      await this.workerQueues.awaitWorkers();
      await initializeController(this);
      for (const qp of this.ioQpairs) {
        const entry = this.qpairPorts.get(qp)!;
        entry.port = await this.openIoPort(this.ioQueueRequest(entry.port.qid, entry.options));
        qp.reconnect(entry.port);
      }
      await this.workerQueues.recreate(this.adminChannel);
    } catch (e) {
      await this.stopDevice(); // a half-initialised controller holds the admin rings: stop it first
      try {
        this.fail(this.reconnects);
      } catch (thrown) {
        callbackError ??= thrown;
      }
      if (!fromReconnectLoop) this.startReconnecting();
      throw e;
    }
    if (callbackError !== null) throw callbackError;
  }

  /**
   * Stops the device's data transfers before memory it may still use is handed back. PCIe: clears
   * CC.EN and waits for CSTS.RDY = 0 (CAP.TO at most; a device that does not stop is given up on:
   * nothing more can be done from here). Fabrics: nothing, their queues' connections are closed
   * (released) before their commands are aborted.
   */
  private async stopDevice(): Promise<void> {
    if (this.isFabric || this.cap === undefined) return;
    try {
      await disableController(this);
    } catch {
      // Unresponsive or gone: the callers abort what it had all the same.
    }
  }

  /** Whether a connection loss is followed by reconnect attempts (a fabric with a loss timeout). */
  private get reconnects(): boolean {
    return this.isFabric && this.options.ctrlLossTimeoutMs > 0 && !this.detaching;
  }

  private startReconnecting(): void {
    if (this.reconnects) this.reconnecting ??= this.reconnectLoop();
  }

  /**
   * Fabrics: the transport lost its connection (a socket closed, the target sent a TermReq). The
   * controller fails at once (outstanding commands complete with an abort status, once); then, within
   * `ctrlLossTimeoutMs`, it tries to reconnect every `reconnectDelayMs`, re-creating its queue pairs.
   */
  private onConnectionLost(error: Error): void {
    if (this.state !== ControllerState.Ready) return; // a reset or reconnect in progress handles it
    this.fail(this.reconnects);
    this.abortAdmin(GenericStatus.AbortedSqDeletion);
    this.lostSubject.next(error);
    this.startReconnecting();
  }

  private async reconnectLoop(): Promise<void> {
    const giveUpAt = performance.now() + this.options.ctrlLossTimeoutMs;
    try {
      while (this.state === ControllerState.Failed && performance.now() < giveUpAt && !this.detaching) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.reconnectDelayMs).unref();
          this.stopWaiting = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.stopWaiting = null;
        if (this.state !== ControllerState.Failed || this.detaching) return;
        try {
          await this.reinitialize(true);
          return;
        } catch {
          // Failed again: wait and retry until the loss timeout.
        }
      }
      // Given up: the queue pairs handed to workers close for good too.
      if (this.state === ControllerState.Failed) this.workerQueues.fail();
    } finally {
      this.reconnecting = null;
    }
  }

  /**
   * Detaches (spdk_nvme_detach): deletes the I/O queues, notifies the controller of shutdown and waits
   * for it to complete, then closes the transport connection.
   */
  async detach(): Promise<void> {
    if (this.state === ControllerState.Detached) return;
    // A reconnect under way finishes (or gives up) first, so nothing it opens outlives the detach.
    this.detaching = true;
    this.stopWaiting?.();
    await this.reconnecting;
    await this.resetting?.catch(() => undefined); // a reset under way finishes first, the same way
    const live = this.state === ControllerState.Ready;
    for (const queue of this.workerQueues.all()) await this.releaseWorkerQueue(queue).catch(() => undefined);
    for (const { raw } of [...this.rawQueues.values()]) await this.freeRawIoQpair(raw).catch(() => undefined);
    for (const qp of [...this.ioQpairs]) {
      if (live) await this.freeIoQpair(qp).catch(() => undefined);
      else {
        // Failed or removed: the device was stopped (or is gone) when that happened.
        this.ioQpairs.delete(qp);
        try {
          this.closeQueuePair(qp);
        } catch {
          // A throwing callback does not stop the detach.
        }
      }
    }
    try {
      if (live) await shutdownController(this);
    } finally {
      await this.teardownAdmin();
      await this.connection.close();
      this.setState(ControllerState.Detached);
      if (this.ownDomain !== null && this.ownDomain !== this.connection.memoryDomain)
        destroyMemoryDomain(this.ownDomain);
      this.stateSubject.complete();
      this.aerSubject.complete();
      this.timeoutSubject.complete();
      this.lostSubject.complete();
    }
  }

  // ---- internals used by init.ts ----------------------------------------------------------------

  /**
   * An admin command as a Promise (see awaitCompletion). While the controller is being initialised
   * (first connect or reset), each has `adminTimeoutMs` to complete: a controller that never answers
   * fails the initialisation with NvmeTimeoutError instead of hanging it.
   */
  private awaitAdmin(what: string, submit: Parameters<typeof awaitCompletion>[2]): Promise<number> {
    const limit = this.state === ControllerState.Ready ? 0 : this.options.adminTimeoutMs;
    return awaitCompletion(this.admin, what, (cb, p) => this.submitForPromise(submit, cb, p), {
      rejectAfterMs: limit,
    });
  }

  /** Runs a Promise-face submission through the `cmd*` methods without the callback gate. */
  private submitForPromise<P>(
    submit: (cb: CommandCallback<P>, p: P) => number,
    cb: CommandCallback<P>,
    p: P,
  ): number {
    this.promiseFaceSubmitting = true;
    try {
      return submit(cb, p);
    } finally {
      this.promiseFaceSubmitting = false;
    }
  }

  /** {@link awaitAdmin} resolving with DW0 and DW1. */
  private awaitAdminDwords(
    what: string,
    submit: Parameters<typeof awaitCompletion>[2],
  ): Promise<{ cdw0: number; cdw1: number }> {
    const limit = this.state === ControllerState.Ready ? 0 : this.options.adminTimeoutMs;
    return awaitCompletionDwords(this.admin, what, submit, { rejectAfterMs: limit });
  }

  /** @internal Fabrics: Connect on the new admin queue `port`, which creates the controller on the target. */
  async connectAdminQueue(port: QueuePort): Promise<void> {
    this.fabricCntlid = await this.connectPort(port, ADMIN_CNTLID_DYNAMIC);
  }

  /** Fabrics: Connect on a queue; the admin queue's keep-alive timeout goes with it. */
  private connectPort(port: QueuePort, cntlid: number): Promise<number> {
    return connectQueue(
      port,
      this.dma,
      {
        qid: port.qid,
        cntlid,
        hostid: parseHostId(this.options.hostid),
        hostnqn: this.options.hostnqn,
        subnqn: this.subsystemNqn,
        katoMs: port.qid === 0 && !this.isDiscovery ? this.options.keepAliveTimeoutMs : 0,
      },
      this.options.adminTimeoutMs,
    );
  }

  /**
   * Creates the transport queue for an I/O queue pair and, on a fabric, connects it; a queue that
   * fails to connect is released.
   */
  private async openIoPort(request: IoQueueRequest): Promise<QueuePort> {
    if (!this.isFabric) return this.connection.createIoQueue(request, this.adminChannel);
    return whileQueueIdBusy(async () => {
      const port = await this.connection.createIoQueue(request, this.adminChannel);
      try {
        await this.connectPort(port, this.fabricCntlid);
        return port;
      } catch (e) {
        await port.release();
        throw e;
      }
    });
  }

  /** @internal Admin commands for the transport (Create I/O queues) and initialisation. */
  readonly adminChannel: AdminChannel = {
    execute: (cmd: NvmeCommand, data?: DmaBuffer): Promise<number> =>
      this.awaitAdmin(`Admin opcode 0x${cmd.opcode.toString(16)}`, (cb, p) =>
        this.submitRaw(this.admin, cmd, data?.bytes ?? null, cb, p),
      ),
  };

  /** @internal Runs `fn` with a temporary DMA buffer of `size` bytes, freed afterwards. */
  async withBuffer<T>(size: number, fn: (buf: DmaBuffer) => Promise<T>): Promise<T> {
    const buf = this.dma.alloc(size);
    try {
      return await fn(buf);
    } finally {
      this.dma.free(buf);
    }
  }

  /**
   * @internal A command object to build an admin command in; valid until the next build, so build
   * and submit it synchronously.
   */
  adminCommand(): NvmeCommand {
    return this.scratch.clear();
  }

  /** @internal Starts the admin queue pair over a transport queue. */
  attachAdminQueue(port: QueuePort): void {
    this.admin = new QueuePair(port, this.dma, {
      requests: Math.max(this.options.adminQueueSize, 32),
      retryCount: this.options.transportRetryCount,
      pagesPerTracker: 1,
      sglSupported: false,
      delayDoorbell: false,
      doorbellBatch: DOORBELL_BATCH,
      onIdleTick: () => {
        this.keepAliveIfDue();
        this.health?.check();
      },
    });
    const interval = this.options.healthCheckIntervalMs;
    const registers = this.connection.registers;
    this.health =
      registers !== undefined && interval > 0
        ? new HealthWatch(registers, interval, (h) => this.onHealth(h))
        : null;
    this.armTimeouts(this.admin);
  }

  /** @internal Re-reads the active namespace list and each namespace's data. */
  async refreshNamespaces(): Promise<void> {
    await identifyNamespaces(this);
  }

  /** @internal Delivers one AER completion and re-arms it. */
  onAsyncEvent(cpl: Completion): void {
    const cdw0 = cpl.cdw0;
    const event: AsyncEvent = {
      type: cdw0 & 0x7,
      info: (cdw0 >>> 8) & 0xff,
      logPageId: (cdw0 >>> 16) & 0xff,
      cdw0,
      status: cpl.status,
    };
    this.aerSubject.next(event);
    if (this.aerCallback !== null) this.adminGate.call(this.aerCallback.fn, this.aerCallback.arg, cpl);
  }

  /** @internal Sends Keep Alive when half the timeout has passed since the last one. */
  keepAliveIfDue(): void {
    const kato = this.options.keepAliveTimeoutMs;
    if (kato === 0 || this.state !== ControllerState.Ready) return;
    const now = performance.now();
    if (now - this.lastKeepAlive < kato / 2) return;
    this.lastKeepAlive = now;
    const req = this.admin.takeRequest();
    if (req === null) return;
    cmds.keepAlive(req.cmd);
    this.admin.submit(req, null);
  }

  // ---- private ----------------------------------------------------------------------------------

  /**
   * Submits `cmd` with `buffer` as its data. With `bounce`, a buffer that is not DMA memory of this
   * controller (or not dword-aligned) goes through a copy in DMA memory instead of being refused.
   */
  private submitRaw<A>(
    qp: QueuePair,
    cmd: NvmeCommand,
    buffer: ArrayBufferView | null,
    cb: CommandCallback<A> | null,
    arg: A,
    bounce = false,
  ): number {
    let iova = -1;
    let owned: DmaBuffer | null = null;
    if (buffer !== null) {
      if (buffer.byteLength > this.maxTransferSize) {
        throw new InvalidArgumentError(
          "buffer",
          `${buffer.byteLength} bytes exceed the controller's maximum transfer of ${this.maxTransferSize}`,
        );
      }
      iova = this.dma.iovaOf(buffer);
      if (bounce && (iova < 0 || iova % 4 !== 0)) {
        owned = bounceIn(this.dma, buffer, cmd.opcode);
        iova = owned.iova;
      }
      if (iova < 0)
        throw new InvalidArgumentError(
          "buffer",
          "is not in DMA memory: allocate it with controller.allocBuffer()",
        );
      if (iova % 4 !== 0) throw new InvalidArgumentError("buffer", "must start on a 4-byte boundary");
    }
    const req = qp.takeRequest();
    if (req === null) {
      if (owned !== null) this.dma.free(owned);
      return -ENOMEM;
    }
    req.cmd.copyFrom(cmd);
    req.cb = cb as CommandCallback<never> | null;
    req.cbArg = arg;
    if (owned !== null) {
      req.owned = owned;
      if (copiesBack(cmd.opcode)) req.copyOut = buffer;
      req.payload.setContiguous(owned.bytes.subarray(0, buffer!.byteLength), iova, buffer!.byteLength);
    } else if (buffer !== null) {
      req.payload.setContiguous(buffer, iova, buffer.byteLength);
    }
    qp.submit(req, null);
    return 0;
  }

  /**
   * An admin command of the callback face, whose callback runs from processAdminCompletions only
   * (through the gate), or of the Promise face (inside {@link awaitAdmin}), whose settles from its
   * own polling. `bounce`: the payload may be ordinary memory (Get Log Page, Get/Set Features).
   */
  private submitAdmin<A>(
    cmd: NvmeCommand,
    payload: ArrayBufferView | null,
    cb: CommandCallback<A> | null,
    arg: A,
    bounce: boolean,
  ): number {
    this.assertAdminUsable();
    if (cb === null || this.promiseFaceSubmitting) {
      return this.submitRaw(this.admin, cmd, payload, cb, arg, bounce);
    }
    const gated: GatedCallback = { gate: this.adminGate, cb: cb as CommandCallback<unknown>, arg };
    return this.submitRaw(this.admin, cmd, payload, runGated, gated, bounce);
  }

  private async namespaceAttachment(
    nsid: number,
    attach: boolean,
    controllerIds: readonly number[],
  ): Promise<void> {
    if (controllerIds.length === 0 || controllerIds.length > 2047) {
      throw new InvalidArgumentError("controllerIds", `${controllerIds.length} IDs: give 1 to 2047`);
    }
    await this.withBuffer(4096, async (buf) => {
      const v = new DataView(buf.bytes.buffer, buf.bytes.byteOffset, 4096);
      v.setUint16(0, controllerIds.length, true);
      for (const [i, id] of controllerIds.entries()) v.setUint16(2 + 2 * i, id, true);
      cmds.namespaceAttachment(this.scratch, nsid, attach);
      return this.adminRaw(
        this.scratch,
        buf.bytes,
        `Namespace Attachment (${attach ? "attach" : "detach"} ${nsid})`,
      );
    });
    await this.refreshNamespaces();
  }

  private assertAdminUsable(): void {
    const s = this.state;
    if (s === ControllerState.Detached || s === ControllerState.Removed) this.assertUsable();
  }

  private assertReady(): void {
    this.assertUsable();
    if (this.state !== ControllerState.Ready)
      throw new StateError(`controller is ${this.state}: wait until it is ready`);
  }

  /** Takes a free qid and creates the transport queue: allocIoQpair's and allocIoQpairForWorker's common part. */
  private async createIoPort(
    options: IoQueuePairOptions,
  ): Promise<{ port: QueuePort; o: Required<IoQueuePairOptions> }> {
    this.assertReady();
    const qid = this.freeQid();
    const o: Required<IoQueuePairOptions> = {
      priority: options.priority ?? QueuePriority.Urgent,
      ioQueueSize: Math.min(options.ioQueueSize ?? this.options.ioQueueSize, this.cap.mqes + 1),
      ioQueueRequests: options.ioQueueRequests ?? this.options.ioQueueRequests,
      delayDoorbell: options.delayDoorbell ?? true,
      doorbellBatch: options.doorbellBatch ?? DOORBELL_BATCH,
      interrupts: options.interrupts ?? false,
      ioTimeoutMs: options.ioTimeoutMs ?? this.options.ioTimeoutMs,
    };
    if (!Number.isFinite(o.ioTimeoutMs) || o.ioTimeoutMs < 0)
      throw new InvalidArgumentError("ioTimeoutMs", `${o.ioTimeoutMs}: give a non-negative number of ms`);
    if (o.ioQueueSize < 2)
      throw new InvalidArgumentError("ioQueueSize", `${o.ioQueueSize}: a queue needs at least 2 entries`);
    const batch = o.doorbellBatch;
    if (!(Number.isInteger(batch) && batch > 0 && (batch & (batch - 1)) === 0 && batch <= 0x8000))
      throw new InvalidArgumentError("doorbellBatch", `${batch}: give a power of two`);
    this.usedQids.add(qid);
    try {
      return { port: await this.openIoPort(this.ioQueueRequest(qid, o)), o };
    } catch (e) {
      this.usedQids.delete(qid);
      throw e;
    }
  }

  /** Deletes a transport queue from the controller (or just releases it when the controller is gone). */
  private async deleteIoPort(port: QueuePort): Promise<void> {
    if (this.state === ControllerState.Ready) await this.connection.deleteIoQueue(port, this.adminChannel);
    else await port.release();
    this.usedQids.delete(port.qid);
  }

  /** Releases a queue the controller no longer has, and frees its ID. */
  private async forgetIoPort(port: QueuePort): Promise<void> {
    await port.release();
    this.usedQids.delete(port.qid);
  }

  /**
   * DMA memory a worker's queue pair needs: its trackers' PRP list pages, plus its buffers, each
   * allocation padded by a page for alignment.
   */
  private workerChunkBytes(depth: number, bufferBytes = DEFAULT_WORKER_BUFFERS): number {
    if (!Number.isInteger(bufferBytes) || bufferBytes < 0)
      throw new InvalidArgumentError("bufferBytes", `${bufferBytes}: give a byte count`);
    const page = this.dma.pageSize;
    return (depth - 1) * this.pagesPerTracker() * page + bufferBytes + 4 * page;
  }

  private queuePairSettings(o: Required<IoQueuePairOptions>): QueuePairSettings {
    return {
      requests: Math.max(o.ioQueueRequests, o.ioQueueSize),
      retryCount: this.options.transportRetryCount,
      pagesPerTracker: this.pagesPerTracker(),
      sglSupported: this.sglSupported,
      delayDoorbell: o.delayDoorbell,
      doorbellBatch: o.doorbellBatch,
    };
  }

  private ioQueueRequest(qid: number, o: Required<IoQueuePairOptions>): IoQueueRequest {
    return {
      qid,
      depth: o.ioQueueSize,
      priority: o.priority,
      useCmbSq: this.options.useCmbSqs,
      interrupts: o.interrupts,
      capsuleDataBytes:
        this.isFabric && this.data.icdoff === 0 ? Math.max(0, this.data.ioccsz * 16 - SQE_BYTES) : 0,
    };
  }

  /**
   * The lowest free queue ID; on a fabric the next free one after the last handed out, because a
   * target tears a closed queue down in the background and refuses its ID for a while (nvmet:
   * Command Sequence Error).
   */
  private freeQid(): number {
    const n = this.options.numIoQueues;
    const start = this.isFabric ? this.lastQid : 0;
    for (let i = 1; i <= n; i++) {
      const q = ((start + i - 1) % n) + 1;
      if (!this.usedQids.has(q)) {
        this.lastQid = q;
        return q;
      }
    }
    throw new StateError(`all ${n} I/O queues are in use: free one first`);
  }

  /** PRP list pages per tracker: enough entries for the largest transfer plus one unaligned page. */
  private pagesPerTracker(): number {
    // An unaligned largest transfer touches one page more than its size; PRP1 holds the first.
    const listed = Math.ceil(this.maxTransferSize / this.dma.pageSize);
    return Math.max(1, prpListPagesNeeded(listed, this.dma.pageSize));
  }

  /** Sets a queue pair's time limit and hooks: timeouts, health. */
  private armTimeouts(qp: QueuePair | undefined): void {
    if (qp === undefined) return;
    qp.timeoutMs = this.timeoutMs;
    qp.onTimeout = this.timedOut;
    qp.onStall = this.stalled;
  }

  /**
   * A command outlived its time limit (`own`: the Promise face's, else the registered one): it is
   * reported (registered limits), then escalated: Promise-face limits abort and then reset, so the
   * Promise settles; registered ones follow the `timeoutAction` option.
   */
  private onCommandTimeout(qp: QueuePair, cid: number, stage: TimeoutStage, own: boolean): void {
    if (stage === TimeoutStage.Expired && this.timeoutMs > 0)
      this.reportTimeout(qp === this.admin ? null : qp, cid);
    escalateTimeout(this, qp, cid, stage, own ? TimeoutAction.Reset : this.options.timeoutAction);
  }

  private reportTimeout(qpair: QueuePair | null, cid: number): void {
    this.timeoutSubject.next({ qpair, cid });
    const registered = this.timeoutCallback;
    if (registered === null) return;
    // An I/O queue pair's from its own processCompletions; the admin queue's from processAdminCompletions.
    if (qpair !== null) registered.fn(registered.arg, this, qpair, cid);
    else this.adminGate.later(() => registered.fn(registered.arg, this, null, cid));
  }

  /**
   * Releases the admin queue, then completes its commands as aborted (the device was stopped, or
   * its connection is gone with the release). Throws what a callback threw, once all have run.
   */
  private async teardownAdmin(): Promise<void> {
    if (this.admin === undefined) return;
    this.health = null;
    await this.admin.transportQueue.release();
    try {
      this.abortAdmin(GenericStatus.AbortedSqDeletion);
    } finally {
      this.admin.destroy();
    }
  }

  /**
   * The controller is failed: every queue pair's commands complete aborted. Workers' queue pairs
   * close, or (`keepWorkers`, a reconnect to come) wait for the controller to come back.
   */
  private fail(keepWorkers = false): void {
    this.setState(ControllerState.Failed);
    if (keepWorkers) this.workerQueues.disconnect();
    else this.workerQueues.fail();
    this.closeRawQueues();
    // Disconnected: polling returns -ENXIO until a reset or reconnect brings the queue back.
    this.abortIoQpairs(QueuePairState.Disconnected, GenericStatus.AbortedSqDeletion);
  }

  /**
   * Puts every I/O queue pair in `state`, then completes its commands aborted (DNR) with `sc`; every
   * queue pair's callbacks run, and the first error one threw is rethrown after.
   */
  private abortIoQpairs(state: QueuePairState, sc: GenericStatus): void {
    let thrown: unknown = null;
    for (const qp of this.ioQpairs) {
      qp.state = state;
      try {
        qp.abortAll(StatusCodeType.Generic, sc, true);
      } catch (e) {
        thrown ??= e;
      }
    }
    if (thrown !== null) throw thrown;
  }

  /** The health watch found the device gone, or its controller fatal. */
  private onHealth(health: Health): void {
    if (this.state !== ControllerState.Ready) return;
    if (health === Health.Gone) this.markRemoved();
    else void this.failOnFatalStatus();
  }

  /**
   * CSTS.CFS: the controller fails. It is disabled first (it may still move data), then every
   * command completes aborted; with the `autoReset` option a reset follows.
   */
  private async failOnFatalStatus(): Promise<void> {
    this.setState(ControllerState.Failed);
    this.closeRawQueues();
    for (const qp of this.ioQpairs) qp.state = QueuePairState.Disconnected;
    await this.stopDevice();
    if (this.state !== ControllerState.Failed) return; // removed or detached meanwhile
    try {
      this.fail();
      this.abortAdmin(GenericStatus.AbortedSqDeletion);
    } finally {
      if (this.options.autoReset) this.resetSoon();
    }
  }

  /**
   * The device is gone, or the system asked for it back (VFIO's request): CC.EN is cleared first, as
   * a device still there must stop moving data (a write only: a vanished device reads all ones, so
   * there is nothing to wait for), then every command completes aborted.
   */
  private markRemoved(): void {
    if (this.state === ControllerState.Detached || this.state === ControllerState.Removed) return;
    this.connection.registers?.write32(Register.CC, 0).catch(() => undefined);
    this.setState(ControllerState.Removed);
    this.workerQueues.fail();
    this.closeRawQueues();
    try {
      this.abortIoQpairs(QueuePairState.Closed, GenericStatus.AbortRequested);
    } finally {
      this.abortAdmin(GenericStatus.AbortRequested);
    }
  }

  /**
   * The host ends the admin queue's commands (reset, detach, removal, connection loss): their
   * callbacks, and those the gate kept, run from here, since no processAdminCompletions may follow.
   */
  private abortAdmin(sc: GenericStatus): void {
    if (this.admin === undefined) return;
    this.adminGate.open(() => {
      this.admin.abortAll(StatusCodeType.Generic, sc, true);
      return 0;
    });
  }
}
