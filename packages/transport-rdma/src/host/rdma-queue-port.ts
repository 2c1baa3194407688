/**
 * One NVMe-oF RDMA queue's per-I/O path. A command is a SEND of its 64-byte capsule (plus, for small
 * writes on I/O queues, its data as a second scatter entry: in-capsule data); a response is a RECV
 * into one of the buffers posted up front, reposted as it is consumed. Other data moves by the
 * target's RDMA READ/WRITE on the keyed SGL descriptor in the command. A command completes only when
 * both its SEND has completed (its capsule buffer is free again; known from the completion of its
 * chain's last send, the only one signalled) and its response has arrived.
 *
 * Work requests and scatter entries are built once per slot in native memory; per I/O only lengths,
 * addresses and chain links are written. Posting is batched: commands posted within one JavaScript
 * task, or between two reaps, go out as one chain in one `ibv_post_send`; completions are reaped up
 * to a batch per `ibv_poll_cq`, and the receives they free are reposted as one chain. No allocation,
 * closure or lookup per I/O.
 * Threading: the thread that owns the queue.
 * @module
 */
import {
  commandTransfersData,
  DataTransfer,
  FABRICS_OPCODE,
  FabricsCommandType,
  GenericStatus,
  type NvmeCommand,
} from "@nvmekit/core/nvme-spec";
import {
  CompletionRing,
  type DataPointerBuilder,
  type DataPointerLists,
  type DmaBuffer,
  KEYED_LENGTH_MAX,
  type NextSgeCallback,
  type Payload,
  PayloadKind,
  type QueuePort,
  type ResetSglCallback,
  type SgeOut,
  SglSubtype,
  SglType,
  writeKeyedSglDescriptor,
  writeSglDescriptor,
} from "@nvmekit/core/transport";
import { channelWaits, dataPathCalls } from "../native/data-path.js";
import {
  IBV_SEND_SIGNALED,
  IBV_WC_RECV,
  IBV_WC_SUCCESS,
  IBV_WR_SEND,
  IbvRecvWr,
  IbvSendWr,
  IbvSge,
  IbvWc,
} from "../native/layouts.js";
import { NativeBlock, putU64 } from "../native/native-block.js";
import { wcStatusName } from "../native/verbs.js";
import { SEND_SGES } from "./queue-verbs.js";
import type { RegisteredRange } from "./registered-memory.js";

/** What a port needs from its queue's verbs objects. */
export interface PortVerbs {
  /** The ibv_qp pointer. */
  readonly qp: bigint;
  /** The ibv_cq pointer its sends and receives complete on. */
  readonly cq: bigint;
  /** The device's data-path verbs. */
  readonly dataPath: {
    /** `ibv_post_send`. */
    readonly postSend: (qp: bigint, wr: bigint, bad: bigint) => number;
    /** `ibv_post_recv`. */
    readonly postRecv: (qp: bigint, wr: bigint, bad: bigint) => number;
    /** `ibv_poll_cq`. */
    readonly pollCq: (cq: bigint, n: number, wc: bigint) => number;
    /** `ibv_req_notify_cq`. */
    readonly reqNotifyCq: (cq: bigint, solicitedOnly: number) => number;
  };
  /** Sleeps until the completion channel signals or `timeoutMs` passes; resolves whether it signalled. */
  waitForEvent(timeoutMs: number): Promise<boolean>;
}

/** The queue's identity and limits. */
export interface RdmaQueueSettings {
  /** Queue ID (0: admin). */
  qid: number;
  /** Entries (the core keeps at most depth - 1 commands outstanding). */
  depth: number;
  /** Largest write carried in the capsule (0 on the admin queue: Linux's target takes none there). */
  inCapsuleBytes: number;
}

/** Completions reaped per `ibv_poll_cq`. */
const POLL_BATCH = 32;
/** NVMe's submission and completion entry sizes. */
const SQE_BYTES = 64;
const CQE_BYTES = 16;
/** wr_id bit marking a receive (a send's wr_id is its command identifier). */
const RECV_TAG = 0x1_0000;
/** CDW0 PSDT = 01b: SGLs (fabrics commands always use SGLs). */
const PSDT_SGL = 1 << 14;
/** Status field of an abort after a connection loss: Command Aborted due to SQ Deletion, DNR. */
const LOST_STATUS = (1 << 14) | 0x08;

/** The queue port of one NVMe-oF RDMA queue. */
export class RdmaQueuePort implements QueuePort, DataPointerBuilder {
  /** Queue identifier. */
  readonly qid: number;
  /** Entries. */
  readonly depth: number;
  /** Largest write carried in-capsule. */
  readonly inCapsuleBytes: number;
  /** This port builds its own data pointers: keyed SGLs, or in-capsule data. */
  readonly dataPointer: DataPointerBuilder = this;
  /**
   * A poller that finds nothing sleeps on {@link waitForInterrupt} (the completion channel) rather than
   * spinning: polling costs a native call, and a spinning thread takes the CPU a kernel target or a
   * soft-RoCE device on the same machine needs to answer.
   */
  readonly eventDriven = true;
  /**
   * Arms the completion queue and sleeps on its completion channel (on the thread pool) until a
   * completion comes or `timeoutMs` passes; resolves true at once (after the event loop has run) when
   * completions are already waiting.
   */
  readonly waitForInterrupt: (timeoutMs: number) => Promise<boolean>;

  private verbs: PortVerbs | null = null;
  /** Work requests, scatter entries and the completion array (not registered: only the CPU and the driver read them). */
  private readonly block: NativeBlock;
  private readonly w: Uint32Array;
  /** Registered: the command capsules (64 bytes per identifier) and the response buffers (16 bytes each). */
  private readonly capsules: DmaBuffer;
  private readonly capsuleWords: Uint32Array;
  private readonly responses: DmaBuffer;
  private readonly responseWords: Uint32Array;
  /** Word offsets in `block` of each region. */
  private readonly sendWrAt: number;
  private readonly sendSgeAt: number;
  private readonly recvWrAt: number;
  private readonly wcAt: number;
  /** Addresses for the native calls, created once. */
  private readonly sendWrPointers: bigint[];
  private readonly recvWrPointers: bigint[];
  private readonly wcPointer: bigint;
  private readonly badWrPointer: bigint;
  /** Per command identifier: posted and unanswered; its response arrived. */
  private readonly outstanding: Uint8Array;
  private readonly answered: Uint8Array;
  /**
   * Per command identifier: the number of its send in posting order (int32, compared by difference).
   * Only the last send of each posted chain is signalled; its completion means every send before it
   * has completed too (a queue pair's sends complete in order), up to {@link sendsDone}.
   */
  private readonly sendNumber: Int32Array;
  private sendsPosted = 0;
  private sendsDone = 0;
  /** Answered commands whose send is not yet known to have completed (their capsule still in use). */
  private readonly awaitingSend: Int32Array;
  private awaitingCount = 0;
  /** Per command identifier: its response, until its send has completed too. */
  private readonly early: Uint32Array;
  /** Sends posted and not yet handed to the adapter: a chain linked through `next`. */
  private sendHead = -1;
  private sendTail = -1;
  /** Receives consumed and not yet reposted, chained the same way. */
  private recvHead = -1;
  private recvTail = -1;
  /** Completions received and not yet polled. */
  private readonly cq: CompletionRing;
  private closed = true;
  private released = false;
  private flushQueued = false;
  private readonly flushNow = (): void => this.flushSends();
  private disconnect: (() => void) | null = null;
  /** The command identifier of a Connect in flight, -1 for none, and the controller ID the last one returned. */
  private connectCid = -1;
  private cntlid = -1;

  /**
   * @param settings the queue's identity and limits
   * @param memory registered memory for the capsules and responses (and the keys of every buffer)
   * @param onLost called once when the queue fails while in use (a flushed or failed work request, a
   *   refused post); the commands outstanding then complete with Command Aborted due to SQ Deletion
   * @param onReleased called once by {@link release}, after the queue is closed and its memory freed
   */
  constructor(
    settings: RdmaQueueSettings,
    private readonly memory: RegisteredRange,
    private readonly onLost: (error: Error) => void,
    private readonly onReleased: (port: RdmaQueuePort) => void,
  ) {
    const depth = settings.depth;
    this.qid = settings.qid;
    this.depth = depth;
    this.inCapsuleBytes = settings.inCapsuleBytes;
    const sendWrBytes = depth * IbvSendWr.size;
    const sendSgeBytes = depth * SEND_SGES * IbvSge.size;
    const recvWrBytes = depth * (IbvRecvWr.size + IbvSge.size);
    const wcBytes = POLL_BATCH * IbvWc.size;
    this.block = new NativeBlock(sendWrBytes + sendSgeBytes + recvWrBytes + wcBytes + 8);
    this.w = this.block.words;
    this.sendWrAt = 0;
    this.sendSgeAt = sendWrBytes / 4;
    this.recvWrAt = (sendWrBytes + sendSgeBytes) / 4;
    this.wcAt = (sendWrBytes + sendSgeBytes + recvWrBytes) / 4;
    this.wcPointer = this.block.pointer(this.wcAt * 4);
    this.badWrPointer = this.block.pointer(this.wcAt * 4 + wcBytes);
    this.capsules = memory.alloc(depth * SQE_BYTES);
    this.responses = memory.alloc(depth * CQE_BYTES);
    this.capsuleWords = new Uint32Array(
      this.capsules.bytes.buffer,
      this.capsules.bytes.byteOffset,
      depth * 16,
    );
    this.responseWords = new Uint32Array(
      this.responses.bytes.buffer,
      this.responses.bytes.byteOffset,
      depth * 4,
    );
    this.sendWrPointers = [];
    this.recvWrPointers = [];
    for (let i = 0; i < depth; i++) {
      this.sendWrPointers.push(this.block.pointer(this.sendWr(i) * 4));
      this.recvWrPointers.push(this.block.pointer(this.recvWr(i) * 4));
    }
    this.writeWorkRequests();
    this.outstanding = new Uint8Array(depth);
    this.answered = new Uint8Array(depth);
    this.sendNumber = new Int32Array(depth);
    this.awaitingSend = new Int32Array(depth);
    this.early = new Uint32Array(depth * 4);
    this.cq = new CompletionRing(depth);
    this.waitForInterrupt = (ms) => this.sleep(ms);
  }

  /** Word offset of send work request `i`, of its scatter entries, of receive `i` and its entry. */
  private sendWr(i: number): number {
    return this.sendWrAt + i * (IbvSendWr.size / 4);
  }
  private sendSge(i: number): number {
    return this.sendSgeAt + i * ((SEND_SGES * IbvSge.size) / 4);
  }
  private recvWr(i: number): number {
    return this.recvWrAt + i * ((IbvRecvWr.size + IbvSge.size) / 4);
  }

  /** The fixed parts of every work request: ids, scatter lists, opcode, flags, the capsule and response entries. */
  private writeWorkRequests(): void {
    const w = this.w;
    const base = this.block.base;
    const lkey = this.memory.lkey;
    for (let i = 0; i < this.depth; i++) {
      const wr = this.sendWr(i);
      const sge = this.sendSge(i);
      putU64(w, wr + IbvSendWr.wrId / 4, i);
      putU64(w, wr + IbvSendWr.sgList / 4, base + sge * 4);
      w[wr + IbvSendWr.numSge / 4] = 1;
      w[wr + IbvSendWr.opcode / 4] = IBV_WR_SEND;
      putU64(w, sge + IbvSge.addr / 4, this.capsules.iova + i * SQE_BYTES);
      w[sge + IbvSge.length / 4] = SQE_BYTES;
      w[sge + IbvSge.lkey / 4] = lkey;
      w[sge + (IbvSge.size + IbvSge.lkey) / 4] = lkey; // the in-capsule data's entry
      const rwr = this.recvWr(i);
      const rsge = rwr + IbvRecvWr.size / 4;
      putU64(w, rwr + IbvRecvWr.wrId / 4, RECV_TAG | i);
      putU64(w, rwr + IbvRecvWr.sgList / 4, base + rsge * 4);
      w[rwr + IbvRecvWr.numSge / 4] = 1;
      putU64(w, rsge + IbvSge.addr / 4, this.responses.iova + i * CQE_BYTES);
      w[rsge + IbvSge.length / 4] = CQE_BYTES;
      w[rsge + IbvSge.lkey / 4] = lkey;
    }
  }

  /**
   * Takes the queue's verbs objects and posts every receive, so the target's first response finds a
   * buffer; called before the connection is made, for a new queue or one being re-established.
   * @param disconnect closes this connection (disconnect, destroy the queue pair): {@link detach} calls it
   * @throws Error when the receives cannot be posted
   */
  attach(verbs: PortVerbs, disconnect: () => void): void {
    this.verbs = verbs;
    this.disconnect = disconnect;
    this.connectCid = -1;
    this.closed = false;
    this.sendHead = this.sendTail = -1;
    this.recvHead = this.recvTail = -1;
    this.cq.clear();
    this.outstanding.fill(0);
    this.sendsDone = this.sendsPosted;
    this.awaitingCount = 0;
    for (let i = 0; i < this.depth; i++) this.chainRecv(i);
    const rc = this.flushRecvs();
    if (rc !== 0) throw new Error(`RDMA queue ${this.qid}: ibv_post_recv failed (errno ${rc})`);
  }

  // ---- QueuePort: the per-I/O path ----------------------------------------------------------

  /**
   * Describes the payload: in-capsule data for a write up to the queue's limit, else one keyed SGL
   * data block over registered memory (Linux's target takes one descriptor). Returns a status when
   * the data is not in registered memory or needs more than one descriptor; nothing is posted then.
   */
  build(cmd: NvmeCommand, payload: Payload, _lists: DataPointerLists): number {
    const dw = cmd.dw;
    const cid = dw[0]! >>> 16;
    if (payload.metadata !== null) return GenericStatus.InvalidField; // fabrics carry metadata interleaved only
    const length = payload.kind === PayloadKind.None ? 0 : payload.length;
    dw[0] = (dw[0]! & ~(3 << 14)) | PSDT_SGL;
    if ((dw[0]! & 0xff) === FABRICS_OPCODE && (dw[1]! & 0xff) === FabricsCommandType.Connect)
      this.connectCid = cid;
    const sge = this.sendSge(cid) + IbvSge.size / 4;
    this.w[this.sendWr(cid) + IbvSendWr.numSge / 4] = 1;
    if (length === 0) {
      writeKeyedSglDescriptor(dw, 6, 0, 0, 0);
      return 0;
    }
    // Memory a domain translated into its own registration carries its key: keyed SGL only.
    const foreignKey = payload.kind === PayloadKind.IoVecs ? payload.iovs![0]!.rkey : undefined;
    const address = this.registeredAddress(payload, length, foreignKey);
    if (address < 0) return GenericStatus.DataSglLengthInvalid;
    if (foreignKey !== undefined) {
      if (length > KEYED_LENGTH_MAX) return GenericStatus.DataSglLengthInvalid;
      writeKeyedSglDescriptor(dw, 6, address, length, foreignKey);
      return 0;
    }
    const write = commandTransfersData(dw[0]!, dw[1]!) === DataTransfer.HostToController;
    if (write && length <= this.inCapsuleBytes) {
      writeSglDescriptor(dw, 6, 0, length, SglType.DataBlock, SglSubtype.Offset);
      putU64(this.w, sge + IbvSge.addr / 4, address);
      this.w[sge + IbvSge.length / 4] = length;
      this.w[this.sendWr(cid) + IbvSendWr.numSge / 4] = 2;
      return 0;
    }
    if (length > KEYED_LENGTH_MAX) return GenericStatus.DataSglLengthInvalid;
    writeKeyedSglDescriptor(dw, 6, address, length, this.memory.rkey);
    return 0;
  }

  /**
   * The address of `length` bytes of payload when they are one run of registered memory, else -1.
   * A contiguous view has its address already; iovecs and SGL walks count when their pieces follow
   * each other in memory (iovecs: all under `key`, or all in the controller's memory when undefined).
   */
  private registeredAddress(payload: Payload, length: number, key: number | undefined): number {
    if (payload.kind === PayloadKind.Contiguous) return payload.iova;
    if (payload.kind === PayloadKind.IoVecs) {
      const iovs = payload.iovs!;
      const start = iovs[0]!.iova;
      let end = start;
      for (let i = 0; i < payload.iovCount; i++) {
        const v = iovs[i]!;
        if (v.iova !== end || v.rkey !== key) return -1;
        if (key === undefined && !this.memory.covers(v.iova, v.length)) return -1;
        end += v.length;
      }
      return end - start >= length ? start : -1;
    }
    // Scattered: walk the caller's segments.
    (payload.resetSgl as unknown as ResetSglCallback)(payload.sglArg, payload.sglOffset);
    const next = payload.nextSge as unknown as NextSgeCallback;
    let start = -1;
    let covered = 0;
    while (covered < length) {
      const out: SgeOut = sgeOut; // widened: the callback fills it
      out.view = null;
      if (next(payload.sglArg, out) !== 0) return -1;
      const view = out.view as ArrayBufferView | null;
      if (view === null || view.byteLength === 0) return -1;
      const at = this.memory.iovaOf(view);
      if (at < 0 || (start >= 0 && at !== start + covered)) return -1;
      if (start < 0) start = at;
      covered += view.byteLength;
    }
    return start;
  }

  /** Copies the command into its capsule and chains its send for the next ring. */
  post(cmd: Uint32Array): void {
    const cid = cmd[0]! >>> 16;
    if (this.closed) {
      // Nothing can carry it: answer it at once, so it is never lost.
      this.cq.push(0, 0, this.qid << 16, (cid | (LOST_STATUS << 17)) >>> 0);
      return;
    }
    this.capsuleWords.set(cmd, cid * 16);
    this.outstanding[cid] = 1;
    this.answered[cid] = 0;
    this.sendsPosted = (this.sendsPosted + 1) | 0;
    this.sendNumber[cid] = this.sendsPosted;
    const wr = this.sendWr(cid);
    this.w[wr + IbvSendWr.sendFlags / 4] = 0; // unsignalled, unless it ends up last in its chain
    this.w[wr + IbvSendWr.next / 4] = 0;
    this.w[wr + IbvSendWr.next / 4 + 1] = 0;
    if (this.sendTail < 0) this.sendHead = cid;
    else putU64(this.w, this.sendWr(this.sendTail) + IbvSendWr.next / 4, this.block.base + wr * 4);
    this.sendTail = cid;
  }

  /**
   * Hands the chained sends to the adapter at the end of the current JavaScript task (a microtask),
   * or before the next reap of the completion queue if that comes first: the commands a batch of
   * completion callbacks submits, each ringing, go out in one `ibv_post_send`.
   */
  ringSubmission(): void {
    if (this.sendHead < 0 || this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushNow);
  }

  /**
   * Posts the chained sends in one call, only the last one signalled: one send completion per chain
   * instead of per command, which took 1-4% more QD 32 reads in the rig (BENCHMARKS.md). The queue
   * pair holds at most `depth` sends, since a command's identifier is reused only after its send is
   * known complete.
   */
  private flushSends(): void {
    this.flushQueued = false;
    if (this.sendHead < 0 || this.verbs === null) return;
    const head = this.sendHead;
    this.w[this.sendWr(this.sendTail) + IbvSendWr.sendFlags / 4] = IBV_SEND_SIGNALED;
    this.sendHead = this.sendTail = -1;
    dataPathCalls.count++;
    const rc = this.verbs.dataPath.postSend(this.verbs.qp, this.sendWrPointers[head]!, this.badWrPointer);
    if (rc !== 0) this.lose(new Error(`RDMA queue ${this.qid}: ibv_post_send failed (errno ${rc})`));
  }

  /**
   * Takes the oldest finished command's completion, reaping the adapter's completion queue when none
   * is ready. The sends chained so far go out just before that reap, not at every call: the commands
   * that the callbacks of one reap's completions submit then leave in one `ibv_post_send` (on
   * soft-RoCE a system call that also runs the target's side of each packet; one per completion
   * cost 4-55% of the IOPS at QD 32 in the rig, BENCHMARKS.md).
   */
  poll(out: Uint32Array): boolean {
    if (this.cq.count === 0) {
      if (this.sendHead >= 0) this.flushSends();
      this.reap();
    }
    return this.cq.take(out);
  }

  /** Nothing to tell the target: receives are reposted as they are reaped. */
  ringCompletion(): void {}

  /** The controller ID the last Connect on this queue returned, -1 before one succeeded. */
  get controllerId(): number {
    return this.cntlid;
  }

  /** Whether the queue is gone (released, or lost). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the current connection (the target deletes the queue) and drops what was in flight on it;
   * the port can be attached to a new one.
   */
  detach(): void {
    this.closed = true;
    this.verbs = null;
    const disconnect = this.disconnect;
    this.disconnect = null;
    disconnect?.();
  }

  /** A worker's queue after a controller reset: its connection goes, until {@link resume} makes a new one. */
  restart(): void {
    this.detach();
  }

  /** Present on worker queues: re-opens and re-Connects the queue from the worker's thread (see QueuePort). */
  resume?: () => Promise<void>;

  /** Closes the connection and frees the port's memory (once). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.detach();
    this.memory.free(this.capsules);
    this.memory.free(this.responses);
    this.onReleased(this);
  }

  private sleep(timeoutMs: number): Promise<boolean> {
    const verbs = this.verbs;
    // A closed queue waits out the time: a poller looping on it must not spin.
    if (verbs === null || this.closed)
      return new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, this.cq.count > 0));
    if (this.sendHead >= 0) this.flushSends();
    // Arm first, then look once more: a completion that came before arming raises no event.
    dataPathCalls.count++;
    verbs.dataPath.reqNotifyCq(verbs.cq, 0);
    if (this.cq.count === 0) this.reap();
    if (this.cq.count > 0) return new Promise<boolean>((resolve) => setImmediate(resolve, true));
    channelWaits.count++;
    return verbs.waitForEvent(timeoutMs);
  }

  /** One `ibv_poll_cq` for up to a batch of work completions, then one repost of the receives they freed. */
  private reap(): void {
    const verbs = this.verbs;
    if (verbs === null || this.closed) return;
    dataPathCalls.count++;
    const n = verbs.dataPath.pollCq(verbs.cq, POLL_BATCH, this.wcPointer);
    if (n < 0) {
      this.lose(new Error(`RDMA queue ${this.qid}: ibv_poll_cq failed (${n})`));
      return;
    }
    const w = this.w;
    for (let i = 0; i < n; i++) {
      const wc = this.wcAt + i * (IbvWc.size / 4);
      const id = w[wc + IbvWc.wrId / 4]!;
      const status = w[wc + IbvWc.status / 4]!;
      if (status !== IBV_WC_SUCCESS) {
        this.lose(
          new Error(
            `RDMA queue ${this.qid}: a ${id & RECV_TAG ? "receive" : "send"} failed: ${wcStatusName(status)}`,
          ),
        );
        return;
      }
      if ((w[wc + IbvWc.opcode / 4]! & IBV_WC_RECV) !== 0)
        this.received(id & 0xffff, w[wc + IbvWc.byteLen / 4]!);
      else this.sendDone(id);
    }
    const rc = this.flushRecvs();
    if (rc !== 0) this.lose(new Error(`RDMA queue ${this.qid}: ibv_post_recv failed (errno ${rc})`));
  }

  /** Response buffer `slot` holds a response of `bytes` bytes; its receive goes back in the chain. */
  private received(slot: number, bytes: number): void {
    const r = slot << 2;
    const rw = this.responseWords;
    const dw3 = rw[r + 3]!;
    const cid = dw3 & 0xffff;
    this.chainRecv(slot);
    // A short response, or one for a command not outstanding (a duplicate, a confused peer), is
    // dropped: it must not complete whatever command takes that identifier next.
    if (bytes < CQE_BYTES || cid >= this.depth || this.outstanding[cid] === 0 || this.answered[cid] === 1)
      return;
    const e = cid << 2;
    this.early[e] = rw[r]!;
    this.early[e + 1] = rw[r + 1]!;
    this.early[e + 2] = rw[r + 2]!;
    this.early[e + 3] = dw3;
    this.answered[cid] = 1;
    if (this.sendCompleted(cid)) this.finish(cid);
    else this.awaitingSend[this.awaitingCount++] = cid;
  }

  /** Whether the send of command `cid` is known to have completed (its number not after {@link sendsDone}). */
  private sendCompleted(cid: number): boolean {
    return ((this.sendNumber[cid]! - this.sendsDone) | 0) <= 0;
  }

  /** A signalled send completed: so did every send posted before it; their answered commands finish. */
  private sendDone(cid: number): void {
    if (cid >= this.depth || this.outstanding[cid] === 0) return;
    this.sendsDone = this.sendNumber[cid]!;
    let kept = 0;
    for (let i = 0; i < this.awaitingCount; i++) {
      const waiting = this.awaitingSend[i]!;
      if (this.sendCompleted(waiting)) this.finish(waiting);
      else this.awaitingSend[kept++] = waiting;
    }
    this.awaitingCount = kept;
  }

  private finish(cid: number): void {
    this.outstanding[cid] = 0;
    const e = cid << 2;
    if (cid === this.connectCid) {
      this.connectCid = -1;
      if (this.early[e + 3]! >>> 17 === 0) this.cntlid = this.early[e]! & 0xffff;
    }
    this.cq.push(this.early[e]!, this.early[e + 1]!, this.early[e + 2]!, this.early[e + 3]!);
  }

  private chainRecv(slot: number): void {
    const wr = this.recvWr(slot);
    this.w[wr + IbvRecvWr.next / 4] = 0;
    this.w[wr + IbvRecvWr.next / 4 + 1] = 0;
    if (this.recvTail < 0) this.recvHead = slot;
    else putU64(this.w, this.recvWr(this.recvTail) + IbvRecvWr.next / 4, this.block.base + wr * 4);
    this.recvTail = slot;
  }

  /** Posts the chained receives; returns 0 or the errno of the refusal. */
  private flushRecvs(): number {
    if (this.recvHead < 0 || this.verbs === null) return 0;
    const head = this.recvHead;
    this.recvHead = this.recvTail = -1;
    dataPathCalls.count++;
    return this.verbs.dataPath.postRecv(this.verbs.qp, this.recvWrPointers[head]!, this.badWrPointer);
  }

  /**
   * The queue failed: tell the owner once, then answer every command still outstanding with an
   * abort, so none is ever lost. Later completions of the flushed work requests are never reaped.
   */
  lose(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.awaitingCount = 0;
    this.onLost(error);
    for (let cid = 0; cid < this.depth; cid++) {
      if (this.outstanding[cid] === 0) continue;
      this.outstanding[cid] = 0;
      this.cq.push(0, 0, this.qid << 16, (cid | (LOST_STATUS << 17)) >>> 0);
    }
  }
}

const sgeOut: SgeOut = { view: null };
