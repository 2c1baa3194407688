/**
 * One NVMe/TCP queue: a socket, its PDU reader, and the core's queue port over them. Commands go out
 * as CapsuleCmd PDUs (writes up to the in-capsule limit carry their data), collected in one output
 * buffer and written once per ring (a batch, like a delayed doorbell); read data arrives in C2HData
 * PDUs and is copied straight into the caller's buffer; larger writes wait for the target's R2T and
 * go out as H2CData; CapsuleResp PDUs become completions the core polls.
 *
 * Per command with a contiguous payload there is no closure, and no allocation beyond the typed-array
 * views the copies and the PDU reader use (data is copied once, between the caller's buffer and the
 * socket's) and the one output Buffer per batch that node:net keeps until written. Everything runs on
 * the thread that owns the queue (the socket's event loop).
 * @module
 */
import type { Socket } from "node:net";
import {
  commandTransfersData,
  DataTransfer,
  FABRICS_OPCODE,
  GenericStatus,
  type NvmeCommand,
} from "@nvmekit/core/nvme-spec";
import {
  CompletionRing,
  type DataPointerBuilder,
  type DataPointerLists,
  type Payload,
  PayloadKind,
  type QueuePort,
} from "@nvmekit/core/transport";
import { encodeCapsuleCmd, SQE_LENGTH } from "../pdu/capsule.js";
import {
  CAPSULE_RESP_HEADER_LENGTH,
  DATA_HEADER_LENGTH,
  DIGEST_LENGTH,
  DigestBit,
  PduFlag,
  PduType,
  TermReqFes,
} from "../pdu/constants.js";
import { encodeH2CData } from "../pdu/data.js";
import { appendDigest, crc32c, writeDigest } from "../pdu/digest.js";
import { PduField, readU16le, readU32le } from "../pdu/fields.js";
import { encodeICReq } from "../pdu/ic.js";
import { type PduHandler, type PduHeaderView, PduReader } from "../pdu/reader.js";
import { encodeH2CTermReq } from "../pdu/term.js";
import { copyFromPayload, copyToPayload, payloadCovered } from "./payload-bytes.js";

/** What a queue asks for in its ICReq and how much in-capsule data its commands may carry. */
export interface TcpQueueSettings {
  /** Queue ID (0: admin). */
  qid: number;
  /** Entries (the core keeps at most depth - 1 commands outstanding). */
  depth: number;
  /** Largest write carried in-capsule (admin queue: 8 KiB; I/O queues: from IOCCSZ). */
  inCapsuleBytes: number;
  /** {@link DigestBit}s to ask for. */
  digests: number;
}

/** Transport SGL Data Block (type 5, subtype 0xA): the data moves in PDUs. */
const SGL_TRANSPORT_DATA_BLOCK = 0x5a;
/** Data Block with an offset address (type 0, subtype 1): in-capsule data. */
const SGL_IN_CAPSULE = 0x01;
/** CDW0 PSDT = 01b: SGLs (fabrics commands always use SGLs). */
const PSDT_SGL = 1 << 14;
const FABRICS_CONNECT = 0x01;
/** Status field of an abort after a connection loss: Command Aborted due to SQ Deletion, DNR. */
const LOST_STATUS = (1 << 14) | 0x08;
/** Initial output buffer; it grows (by doubling) to the largest batch seen. */
const INITIAL_OUTPUT = 64 * 1024;

/** The queue port of one NVMe/TCP connection. */
export class TcpQueuePort implements QueuePort, DataPointerBuilder, PduHandler {
  /** Queue identifier. */
  readonly qid: number;
  /** Entries. */
  readonly depth: number;
  /** Completions come from socket data events, so pollers must let the event loop run. */
  readonly eventDriven = true;
  /** This port builds its own data pointers: transport SGLs, the bytes carried in PDUs. */
  readonly dataPointer: DataPointerBuilder = this;
  /**
   * Resolves true once a completion is waiting to be polled (at once if one is), false after
   * `timeoutMs`: pollers sleep on it instead of spinning on the event loop.
   */
  readonly waitForInterrupt: (timeoutMs: number) => Promise<boolean>;

  private readonly reader: PduReader;
  /** Largest write carried in-capsule. */
  readonly inCapsuleBytes: number;
  /** Digests asked for in the ICReq, and those the ICResp granted. */
  private readonly requested: number;
  private digests = 0;
  private cpda = 0;
  private maxH2CData = 0;
  /** Per command identifier: its payload while outstanding, and whether its data went in-capsule. */
  private readonly payloads: (Payload | null)[];
  private readonly inCapsule: Uint8Array;
  /** Completions received and not yet polled. */
  private readonly cq: CompletionRing;
  private out: Buffer = Buffer.allocUnsafe(INITIAL_OUTPUT);
  /** The command being posted, as bytes for the encoder (a copy: the command's own array may not be byte-viewable cheaply). */
  private readonly sqe = new Uint8Array(SQE_LENGTH);
  private readonly sqeDwords = new Uint32Array(this.sqe.buffer);
  private outLength = 0;
  /** The PDU being received. */
  private rxType = -1;
  private rxCid = 0;
  private rxOffset = 0;
  private rxFlags = 0;
  private rxPayload: Payload | null = null;
  private wakeUp: ((arrived: boolean) => void) | null = null;
  private waiting: Promise<boolean> | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  private waitMs = 0;
  private readonly timedOut = (): void => this.wake(false);
  private flushQueued = false;
  private readonly flushNow = (): void => this.flush();
  private icDone: ((error: Error | null) => void) | null = null;
  private closed = false;
  private socket: Socket | null = null;
  /** 1 for each command identifier posted and not yet answered. */
  private readonly outstanding: Uint8Array;
  /** 1 where the command moves data host → controller (R2T is valid for it, C2HData is not). */
  private readonly writes: Uint8Array;
  /** Bytes of C2HData received so far, by command identifier (a SUCCESS flag must find them all). */
  private readonly received: Uint32Array;
  /** The command identifier of a Connect in flight, -1 for none. */
  private connectCid = -1;
  private cntlid = -1;

  /**
   * @param settings the queue's identity and limits
   * @param onLost called once if the connection ends while the queue is in use, or the peer breaks
   *   the protocol; the commands outstanding then complete with Command Aborted due to SQ Deletion
   */
  constructor(
    settings: TcpQueueSettings,
    private readonly onLost: (error: Error) => void,
  ) {
    this.qid = settings.qid;
    this.depth = settings.depth;
    this.inCapsuleBytes = settings.inCapsuleBytes;
    this.requested = settings.digests;
    this.payloads = new Array<Payload | null>(settings.depth).fill(null);
    this.inCapsule = new Uint8Array(settings.depth);
    this.outstanding = new Uint8Array(settings.depth);
    this.writes = new Uint8Array(settings.depth);
    this.received = new Uint32Array(settings.depth);
    this.cq = new CompletionRing(settings.depth);
    this.reader = new PduReader(this);
    this.waitForInterrupt = (ms) => this.waitForCompletion(ms);
  }

  /**
   * Takes over a connected socket (what it receives must go to {@link receive}), for a new queue or
   * to re-establish this one; then {@link initialize} it.
   */
  attach(socket: Socket): void {
    this.socket = socket;
    this.closed = false;
    this.digests = 0; // until the ICResp grants them
    this.reader.reset();
    this.reader.setDigests(0);
    socket.setNoDelay(true);
    socket.on("error", (e) => {
      if (socket === this.socket) this.lose(e);
    });
    socket.on("close", () => {
      if (socket === this.socket)
        this.lose(new Error(`NVMe/TCP queue ${this.qid}: the target closed the connection`));
    });
  }

  /** The controller ID the last Connect carried on this queue returned, -1 before one succeeded. */
  get controllerId(): number {
    return this.cntlid;
  }

  /**
   * A worker's queue after a controller reset: drops the connection (the target's controller is gone)
   * and everything in flight on it, until {@link resume} attaches a new one.
   */
  restart(): void {
    const socket = this.socket;
    this.socket = null;
    this.closed = true; // until resume attaches a connection: posts are answered with aborts
    socket?.destroy();
    this.rxType = -1;
    this.rxPayload = null;
    this.connectCid = -1;
    this.cq.clear();
    this.outLength = 0;
    this.payloads.fill(null);
    this.outstanding.fill(0);
  }

  /** Present on worker queues: re-opens and re-Connects the queue from the worker's thread (see QueuePort). */
  resume?: () => Promise<void>;

  /** Bytes from the socket, in order (valid only during the call). */
  receive(bytes: Uint8Array): void {
    this.reader.feed(bytes);
  }

  /**
   * Sends the ICReq and waits for the ICResp; from then on the negotiated digests are in force.
   * @throws Error when the target answers otherwise, closes, or says nothing within `timeoutMs`
   */
  initialize(timeoutMs: number): Promise<void> {
    const socket = this.socket;
    if (socket === null)
      return Promise.reject(new Error(`queue ${this.qid} has no connection to initialise`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no ICResp within ${timeoutMs} ms: is this an NVMe/TCP port?`)),
        timeoutMs,
      );
      const finish = (error: Error | null): void => {
        clearTimeout(timer);
        this.icDone = null;
        if (error === null) resolve();
        else reject(error);
      };
      this.icDone = finish;
      const icreq = Buffer.alloc(128);
      encodeICReq(icreq, 0, 0, this.requested, 0);
      socket.write(icreq);
    });
  }

  // ---- QueuePort: the per-I/O path ----------------------------------------------------------

  /** Describes the payload with a transport SGL (in-capsule for small writes); remembers it by CID. */
  build(cmd: NvmeCommand, payload: Payload, _lists: DataPointerLists): number {
    const dw = cmd.dw;
    const cid = dw[0]! >>> 16;
    if (payload.metadata !== null) return GenericStatus.InvalidField; // fabrics carry metadata interleaved only
    const length = payload.kind === PayloadKind.None ? 0 : payload.length;
    // Data the transport cannot see (device addresses without views, a short SGL walk) fails here,
    // before anything is sent, rather than going out as whatever the output buffer held.
    if (length > 0 && payload.kind !== PayloadKind.Contiguous && !payloadCovered(payload))
      return GenericStatus.DataSglLengthInvalid;
    const write = commandTransfersData(dw[0]!, dw[1]!) === DataTransfer.HostToController;
    const inCapsule = length > 0 && length <= this.inCapsuleBytes && write;
    dw[0] = (dw[0]! & ~(3 << 14)) | PSDT_SGL;
    dw[6] = 0; // SGL1 address: 0 (an offset into the capsule, or unused)
    dw[7] = 0;
    dw[8] = length;
    dw[9] = (inCapsule ? SGL_IN_CAPSULE : SGL_TRANSPORT_DATA_BLOCK) << 24;
    this.payloads[cid] = length > 0 ? payload : null;
    this.inCapsule[cid] = inCapsule ? 1 : 0;
    this.outstanding[cid] = 1;
    this.writes[cid] = write ? 1 : 0;
    this.received[cid] = 0;
    if ((dw[0]! & 0xff) === FABRICS_OPCODE && (dw[1]! & 0xff) === FABRICS_CONNECT) this.connectCid = cid;
    return 0;
  }

  /** Appends the command's CapsuleCmd PDU (with its in-capsule data) to the output buffer. */
  post(cmd: Uint32Array): void {
    const cid = cmd[0]! >>> 16;
    if (this.closed) {
      // Nothing can carry it: answer it at once, so it is never lost.
      this.outstanding[cid] = 0;
      this.payloads[cid] = null;
      this.pushCompletion(0, 0, this.qid << 16, (cid | (LOST_STATUS << 17)) >>> 0);
      return;
    }
    const payload = this.payloads[cid];
    const dataLength = this.inCapsule[cid] === 1 ? payload!.length : 0;
    const out = this.reserve(72 + DIGEST_LENGTH + 128 + dataLength + DIGEST_LENGTH);
    const at = this.outLength;
    this.sqeDwords.set(cmd);
    const header = encodeCapsuleCmd(out, at, this.sqe, this.digests, this.cpda, dataLength);
    let end = at + header;
    if (dataLength > 0) {
      copyFromPayload(payload!, 0, dataLength, out, end);
      end += dataLength;
      if ((this.digests & DigestBit.Data) !== 0) end = appendDigest(out, end - dataLength, dataLength);
    }
    this.outLength = end;
  }

  /**
   * Sends everything posted so far at the end of the current JavaScript task (a microtask), so the
   * commands a batch of completion callbacks submits, each ringing, leave in one socket write: each
   * write is a system call, the dearest step of the path.
   */
  ringSubmission(): void {
    if (this.flushQueued || this.outLength === 0 || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(this.flushNow);
  }

  /** Writes the output buffer in one socket write. */
  private flush(): void {
    this.flushQueued = false;
    if (this.outLength === 0 || this.closed || this.socket === null) return;
    // node:net keeps the Buffer until it is sent, so the batch goes out in a copy.
    this.socket.write(Buffer.from(this.out.subarray(0, this.outLength)));
    this.outLength = 0;
  }

  /** Takes the oldest received completion. */
  poll(out: Uint32Array): boolean {
    return this.cq.take(out);
  }

  /** Nothing to tell the target: completions need no acknowledgement on NVMe/TCP. */
  ringCompletion(): void {}

  /** Whether the connection is gone (released, or lost). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Closes the connection (the target deletes the queue with it). */
  async release(): Promise<void> {
    const socket = this.socket;
    this.closed = true;
    this.socket = null;
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    if (socket === null || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.end();
      socket.destroySoon();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  // ---- PduHandler: what the target sends --------------------------------------------------------

  /** A PDU header from the target. */
  onHeader(h: PduHeaderView): void {
    if (this.closed) return; // the rest of a chunk after the connection was given up
    this.rxType = h.type;
    this.rxFlags = h.flags;
    switch (h.type) {
      case PduType.ICResp: {
        this.onICResp(h.bytes);
        return;
      }
      case PduType.CapsuleResp: {
        this.complete(h.bytes, PduField.Capsule);
        return;
      }
      case PduType.C2HData: {
        this.onC2HData(h.bytes, h.dataLength);
        return;
      }
      case PduType.R2T: {
        this.onR2T(h.bytes);
        return;
      }
      case PduType.C2HTermReq: {
        this.fail(
          `the target ended the connection with a TermReq (FES ${readU16le(h.bytes, PduField.TermFes)})`,
        );
        return;
      }
      default: {
        this.protocolError(TermReqFes.InvalidHeaderField, 0, `unexpected PDU type ${h.type}`);
        return;
      }
    }
  }

  /** A piece of C2HData: straight into the caller's buffer. */
  onData(piece: Uint8Array, offset: number): void {
    if (this.closed || this.rxType !== PduType.C2HData || this.rxPayload === null) return;
    copyToPayload(this.rxPayload, this.rxOffset + offset, piece);
    this.received[this.rxCid]! += piece.length;
  }

  /** The end of a PDU: a C2HData with SUCCESS stands for the response. */
  onPduEnd(): void {
    const payload = this.rxPayload;
    const success = this.rxType === PduType.C2HData && (this.rxFlags & PduFlag.DATA_SUCCESS) !== 0;
    this.rxType = -1;
    this.rxPayload = null;
    if (this.closed || !success || payload === null) return;
    const cid = this.rxCid;
    if (this.received[cid] !== payload.length) {
      this.protocolError(
        TermReqFes.PduSequenceError,
        0,
        `C2HData SUCCESS for cid ${cid} after ${this.received[cid]} of ${payload.length} bytes`,
      );
      return;
    }
    this.payloads[cid] = null;
    this.outstanding[cid] = 0;
    this.pushCompletion(0, 0, this.qid << 16, cid);
  }

  /** A malformed stream: tell the target why, then drop the connection. */
  onError(fes: number, fei: number, message: string): void {
    this.protocolError(fes, fei, message);
  }

  // ---- private --------------------------------------------------------------------------------

  private onICResp(b: Uint8Array): void {
    if (this.icDone === null) {
      this.protocolError(TermReqFes.PduSequenceError, 0, "ICResp after initialisation");
      return;
    }
    const pfv = readU16le(b, PduField.IcPfv);
    const granted = b[PduField.IcDigest]!;
    if (pfv !== 0) {
      this.icDone(new Error(`the target speaks NVMe/TCP format version ${pfv}, not 0`));
      return;
    }
    if ((granted & ~this.requested) !== 0) {
      this.icDone(new Error("the target enabled digests the host did not ask for"));
      return;
    }
    this.cpda = b[PduField.IcPda]!;
    this.maxH2CData = readU32le(b, PduField.IcMax);
    this.digests = granted;
    this.reader.setDigests(granted);
    this.icDone(null);
  }

  private onC2HData(b: Uint8Array, dataLength: number): void {
    const cid = readU16le(b, PduField.Cccid);
    const datao = readU32le(b, PduField.DataOffset);
    const payload = cid < this.depth && this.writes[cid] === 0 ? this.payloads[cid] : null;
    if (payload === null || payload === undefined || datao + dataLength > payload.length) {
      this.protocolError(
        TermReqFes.DataTransferOutOfRange,
        PduField.Cccid,
        `C2HData for cid ${cid}, which reads no such range`,
      );
      return;
    }
    this.rxCid = cid;
    this.rxOffset = datao;
    this.rxPayload = payload;
  }

  /** The target asks for `r2tl` bytes at `r2to`: send them as H2CData PDUs of at most MAXH2CDATA. */
  private onR2T(b: Uint8Array): void {
    const cid = readU16le(b, PduField.Cccid);
    const ttag = readU16le(b, PduField.Ttag);
    const r2to = readU32le(b, PduField.DataOffset);
    const r2tl = readU32le(b, PduField.DataLength);
    const payload = cid < this.depth && this.writes[cid] === 1 ? this.payloads[cid] : null;
    if (payload === null || payload === undefined || r2tl === 0 || r2to + r2tl > payload.length) {
      this.protocolError(
        TermReqFes.DataTransferOutOfRange,
        PduField.Cccid,
        `R2T for cid ${cid}, which writes no such range`,
      );
      return;
    }
    const chunk = this.maxH2CData > 0 ? this.maxH2CData : r2tl;
    for (let done = 0; done < r2tl; ) {
      const n = Math.min(chunk, r2tl - done);
      const last = done + n === r2tl ? PduFlag.DATA_LAST : 0;
      const out = this.reserve(DATA_HEADER_LENGTH + 2 * DIGEST_LENGTH + 128 + n);
      const at = this.outLength;
      const header = encodeH2CData(out, at, cid, ttag, r2to + done, n, last, this.digests, this.cpda);
      copyFromPayload(payload, r2to + done, n, out, at + header);
      let end = at + header + n;
      if ((this.digests & DigestBit.Data) !== 0) {
        writeDigest(out, end, crc32c(out, at + header, n));
        end += DIGEST_LENGTH;
      }
      this.outLength = end;
      done += n;
    }
    this.flush();
  }

  /** A CapsuleResp's CQE (16 bytes at `at` of the header) into the completion ring. */
  private complete(b: Uint8Array, at: number): void {
    if (b.length < CAPSULE_RESP_HEADER_LENGTH) return;
    const dw3 = readU32le(b, at + 12);
    const cid = dw3 & 0xffff;
    // A response for a command not outstanding (a duplicate, or a peer's confusion) is dropped: it
    // must not complete whatever command takes that identifier next.
    if (cid >= this.depth || this.outstanding[cid] === 0) return;
    const payload = this.payloads[cid];
    if (
      payload !== null &&
      this.writes[cid] === 0 &&
      dw3 >>> 17 === 0 &&
      this.received[cid] !== payload!.length
    ) {
      // A read succeeds only after all its data: this response is not this command's.
      this.protocolError(
        TermReqFes.PduSequenceError,
        0,
        `success for cid ${cid} after ${this.received[cid]} of ${payload!.length} bytes of data`,
      );
      return;
    }
    this.payloads[cid] = null;
    this.outstanding[cid] = 0;
    if (cid === this.connectCid) {
      this.connectCid = -1;
      if (dw3 >>> 17 === 0) this.cntlid = readU32le(b, at) & 0xffff;
    }
    this.pushCompletion(readU32le(b, at), readU32le(b, at + 4), readU32le(b, at + 8), dw3);
  }

  private pushCompletion(dw0: number, dw1: number, dw2: number, dw3: number): void {
    this.cq.push(dw0, dw1, dw2, dw3);
    if (this.wakeUp !== null) this.wake(true);
  }

  /**
   * One wait at a time: a second caller while one is pending shares its Promise. The time limit is
   * one Timeout per port, refreshed per wait rather than created.
   */
  private waitForCompletion(timeoutMs: number): Promise<boolean> {
    // Completions already waiting (a caller that did not take them, e.g. a queue pair resuming while
    // its Connect's answer waits for the code that sent it): answer after the event loop has run, not
    // at once, or a poller looping on this would never let that code run. A closed queue waits out
    // the time, for the same reason.
    if (this.cq.count > 0) return new Promise<boolean>((resolve) => setImmediate(resolve, true));
    if (this.waiting !== null) return this.waiting;
    if (this.waitTimer === null || this.waitMs !== timeoutMs) {
      if (this.waitTimer !== null) clearTimeout(this.waitTimer);
      // Left running when data comes first (it then wakes nobody). Not unref'd: while a worker's queue
      // has no socket (a reset), this wait is what keeps the worker's event loop alive.
      this.waitTimer = setTimeout(this.timedOut, timeoutMs);
      this.waitMs = timeoutMs;
    } else this.waitTimer.refresh();
    this.waiting = new Promise<boolean>((resolve) => {
      this.wakeUp = resolve;
    });
    return this.waiting;
  }

  private wake(arrived: boolean): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    this.waiting = null;
    wake?.(arrived);
  }

  /** Room for `n` more bytes in the output buffer (which only grows, so it settles at the largest batch). */
  private reserve(n: number): Buffer {
    if (this.outLength + n > this.out.length) {
      let size = this.out.length * 2;
      while (size < this.outLength + n) size *= 2;
      const bigger = Buffer.allocUnsafe(size);
      this.out.copy(bigger, 0, 0, this.outLength);
      this.out = bigger;
    }
    return this.out;
  }

  private protocolError(fes: number, fei: number, message: string): void {
    const socket = this.socket;
    const error = new Error(`NVMe/TCP protocol error on queue ${this.qid}: ${message}`);
    if (this.closed || socket === null) return;
    const term = Buffer.alloc(152);
    const n = encodeH2CTermReq(term, 0, fes, fei, new Uint8Array(0));
    this.lose(error);
    // The TermReq leaves before the connection closes; a peer that does not close it is cut off.
    socket.end(term.subarray(0, n));
    setTimeout(() => socket.destroy(), 100).unref();
  }

  private fail(message: string): void {
    const socket = this.socket;
    this.lose(new Error(message));
    socket?.destroy();
  }

  /**
   * The connection is gone: tell the owner, then answer every command still outstanding with an
   * abort, so none is ever lost (a controller that already aborted them ignores these).
   */
  private lose(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.reset(); // nothing more of this connection is read
    this.outLength = 0; // nor written
    this.icDone?.(error);
    this.onLost(error);
    for (let cid = 0; cid < this.depth; cid++) {
      if (this.outstanding[cid] === 0) continue;
      this.outstanding[cid] = 0;
      this.payloads[cid] = null;
      this.pushCompletion(0, 0, this.qid << 16, (cid | (LOST_STATUS << 17)) >>> 0);
    }
    this.wake(false);
  }
}
