/**
 * One NVMe/TCP connection on the target (one queue): the ICReq / ICResp exchange, CapsuleCmd PDUs
 * with in-capsule data, R2T and the H2CData that answers it, C2HData for reads, CapsuleResp, header
 * and data digests as negotiated, and C2HTermReq then close for a malformed stream. Commands go to
 * the queue's {@link CommandHandler}: the Connect handler until the queue is connected, then the
 * admin or I/O handler. Runs on the target's thread; every PDU sent is a fresh Buffer.
 * @module
 */
import type { Socket } from "node:net";
import { NvmeCommand } from "@nvmekit/core/nvme-spec";
import { encodeCapsuleResp } from "../pdu/capsule.js";
import {
  CAPSULE_CMD_HEADER_LENGTH,
  DATA_HEADER_LENGTH,
  DIGEST_LENGTH,
  DigestBit,
  IC_HEADER_LENGTH,
  PduFlag,
  PduType,
  TermReqFes,
} from "../pdu/constants.js";
import { encodeC2HData, encodeR2T } from "../pdu/data.js";
import { crc32c, writeDigest } from "../pdu/digest.js";
import { PduField, readU16le, readU32le } from "../pdu/fields.js";
import { encodeICResp } from "../pdu/ic.js";
import { type PduHandler, type PduHeaderView, PduReader } from "../pdu/reader.js";
import { encodeC2HTermReq } from "../pdu/term.js";
import { ConnectHandler, type QueueBinder } from "./connect.js";
import type { TargetContext } from "./context.js";
import type { DiscoveryPort } from "./discovery-log.js";
import {
  type CommandHandler,
  type CommandResult,
  Direction,
  generic,
  INTERNAL_ERROR,
  INVALID_FIELD,
  type TargetRequest,
} from "./request.js";
import type { VirtualController } from "./virtual-controller.js";

/** SGL descriptor type / subtype byte (SQE byte 39) values the target accepts. */
const SGL_IN_CAPSULE = 0x01; // Data Block, subtype Offset
const SGL_TRANSPORT = 0x5a; // Transport Data Block, subtype Transport specific

/** Bytes of read data per C2HData PDU at most. */
const C2H_CHUNK = 128 * 1024;

/** Largest CapsuleCmd / H2CData PDU the reader accepts, from the limits announced. */
function maxPduLength(inCapsule: number, maxH2CData: number): number {
  const capsule = CAPSULE_CMD_HEADER_LENGTH + DIGEST_LENGTH + inCapsule + DIGEST_LENGTH;
  const h2c = DATA_HEADER_LENGTH + DIGEST_LENGTH + maxH2CData + DIGEST_LENGTH;
  return Math.max(capsule, h2c, 4096);
}

/** A command between its CapsuleCmd and its CapsuleResp. */
interface InFlight {
  readonly req: TargetRequest;
  /** 0, or the status it fails with without running. */
  status: number;
  /** Data arrives in the capsule (else, for a write, by R2T). */
  readonly inCapsule: boolean;
  /** In-capsule data: the SGL's offset into it. */
  readonly capsuleOffset: number;
  /** H2CData bytes received so far. */
  received: number;
  /** The R2T's transfer tag, -1 before it is sent. */
  ttag: number;
}

/** What the PDU being read is, for its data. */
const enum Phase {
  None = 0,
  Capsule = 1,
  H2C = 2,
  Ignore = 3,
}

/** One accepted socket. */
export class TargetConnection implements PduHandler, QueueBinder {
  readonly peer: string;
  readonly localPort: DiscoveryPort;
  private readonly reader: PduReader;
  private handler: CommandHandler;
  private icDone = false;
  private closed = false;
  private digests = 0;
  private hpda = 0;
  private ctrl: VirtualController | null = null;
  private qid = -1;
  private sqsize = 0;
  private sqhd = 0;
  private sqFlowDisabled = false;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly transfers = new Map<number, InFlight>();
  private nextTtag = 0;
  // The PDU whose data is being read.
  private phase = Phase.None;
  private current: InFlight | null = null;
  private dataBase = 0;

  /**
   * @param socket the accepted socket; the connection owns it from now on
   * @param ctx the target
   * @param onClosed told once when the connection has closed
   */
  constructor(
    private readonly socket: Socket,
    private readonly ctx: TargetContext,
    private readonly onClosed: (conn: TargetConnection) => void,
  ) {
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.localPort = { address: socket.localAddress ?? "127.0.0.1", port: socket.localPort ?? 0 };
    this.handler = new ConnectHandler(ctx, this);
    this.reader = new PduReader(this, {
      maxPduLength: maxPduLength(this.handler.inCapsuleSize, ctx.settings.maxH2CData),
    });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.feed(chunk));
    socket.on("error", (e) => this.close(`socket error: ${e.message}`));
    socket.on("close", () => this.close("peer closed"));
  }

  /** The queue ID once connected, else -1. */
  get queueId(): number {
    return this.qid;
  }

  // ---- QueueBinder --------------------------------------------------------------------------

  bind(
    ctrl: VirtualController,
    qid: number,
    sqsize: number,
    sqFlowDisabled: boolean,
    handler: CommandHandler,
  ): void {
    this.ctrl = ctrl;
    this.qid = qid;
    this.sqsize = sqsize;
    this.sqhd = 1 % (sqsize + 1); // the Connect itself was taken from the queue
    this.sqFlowDisabled = sqFlowDisabled;
    this.handler = handler;
    this.reader.setMaxPduLength(maxPduLength(handler.inCapsuleSize, this.ctx.settings.maxH2CData));
    this.ctx.emit({ type: "queue-connected", cntlid: ctrl.cntlid, qid, size: sqsize + 1 });
  }

  /** Closes the socket at once and forgets the queue (idempotent). */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    for (const f of this.transfers.values()) f.req.release?.();
    this.transfers.clear();
    this.phase = Phase.Ignore;
    const ctrl = this.ctrl;
    this.ctrl = null;
    ctrl?.queueClosed(this);
    this.ctx.emit({ type: "connection-closed", peer: this.peer, reason });
    this.onClosed(this);
  }

  // ---- PduHandler ---------------------------------------------------------------------------

  onHeader(h: PduHeaderView): void {
    this.phase = Phase.None;
    if (!this.icDone) {
      if (h.type !== PduType.ICReq) {
        this.terminate(TermReqFes.PduSequenceError, 0, h, "first PDU is not ICReq");
        return;
      }
      this.icReq(h);
      return;
    }
    switch (h.type) {
      case PduType.CapsuleCmd: {
        this.capsule(h);
        return;
      }
      case PduType.H2CData: {
        this.h2cData(h);
        return;
      }
      case PduType.H2CTermReq:
        this.phase = Phase.Ignore;
        this.close(`H2CTermReq (FES ${readU16le(h.bytes, PduField.TermFes)})`);
        return;
      case PduType.ICReq: {
        this.terminate(TermReqFes.PduSequenceError, 0, h, "second ICReq");
        return;
      }
      default: {
        this.terminate(TermReqFes.InvalidHeaderField, PduField.Type, h, `PDU type ${h.type} from a host`);
        return;
      }
    }
  }

  onData(piece: Uint8Array, offset: number): void {
    const f = this.current;
    if (f === null || f.status !== 0) return;
    const data = f.req.data;
    if (data === null) return;
    if (this.phase === Phase.H2C) {
      data.set(piece, this.dataBase + offset);
    } else if (this.phase === Phase.Capsule) {
      // Keep the SGL's window [offset, offset + length) of the in-capsule data.
      const from = f.capsuleOffset - offset;
      const start = Math.max(0, from);
      const end = Math.min(piece.length, from + data.length);
      if (end > start) data.set(piece.subarray(start, end), offset + start - f.capsuleOffset);
    }
  }

  onPduEnd(): void {
    const f = this.current;
    const phase = this.phase;
    this.current = null;
    this.phase = Phase.None;
    if (f === null || this.closed) return;
    if (phase === Phase.Capsule) {
      this.dispatch(f);
    } else if (phase === Phase.H2C && f.received === f.req.length) {
      this.transfers.delete(f.ttag);
      this.run(f);
    }
  }

  onError(fes: number, fei: number, message: string): void {
    this.terminate(fes, fei, null, message);
  }

  // ---- PDUs from the host -------------------------------------------------------------------

  private feed(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.reader.feed(chunk);
    } catch (e) {
      this.ctx.emit({ type: "error", error: e instanceof Error ? e : new Error(String(e)) });
      this.terminate(TermReqFes.InvalidHeaderField, 0, null, `internal error: ${String(e)}`);
    }
  }

  private icReq(h: PduHeaderView): void {
    const b = h.bytes;
    if (readU16le(b, PduField.IcPfv) !== 0) {
      this.terminate(TermReqFes.UnsupportedParameter, PduField.IcPfv, h, "PFV");
      return;
    }
    const hpda = b[PduField.IcPda]!;
    if (hpda > 31) {
      this.terminate(TermReqFes.UnsupportedParameter, PduField.IcPda, h, `HPDA ${hpda}`);
      return;
    }
    const digests = b[PduField.IcDigest]!;
    if ((digests & ~3) !== 0) {
      this.terminate(
        TermReqFes.UnsupportedParameter,
        PduField.IcDigest,
        h,
        `digest bits 0x${digests.toString(16)}`,
      );
      return;
    }
    this.hpda = hpda;
    this.digests = digests;
    const out = Buffer.allocUnsafe(IC_HEADER_LENGTH);
    encodeICResp(out, 0, 0, digests, this.ctx.settings.maxH2CData);
    this.send(out);
    this.icDone = true;
    this.reader.setDigests(digests);
  }

  private capsule(h: PduHeaderView): void {
    const cmd = new NvmeCommand();
    const b = h.bytes;
    for (let i = 0; i < 16; i++) cmd.dw[i] = readU32le(b, PduField.Capsule + 4 * i);
    this.ctrl?.touch();
    this.sqhd = (this.sqhd + 1) % (this.sqsize + 1 || 0x10000);
    const capsuleData = h.dataLength;
    if (capsuleData > this.handler.inCapsuleSize) {
      this.terminate(
        TermReqFes.DataTransferLimitExceeded,
        0,
        h,
        `${capsuleData} bytes in-capsule, the queue takes ${this.handler.inCapsuleSize}`,
      );
      return;
    }
    const direction: Direction = (cmd.opcode === 0x7f ? cmd.dw[1]! & 3 : cmd.opcode & 3) as Direction;
    // The SGL in DPTR: address (offset) at byte 24, length at 32, type/subtype at 39.
    const psdt = (cmd.dw[0]! >>> 14) & 3;
    const sglType = cmd.dw[9]! >>> 24;
    let length = psdt === 0 ? 0 : cmd.dw[8]!;
    let status = 0;
    let inCapsule = false;
    let capsuleOffset = 0;
    if (length > 0) {
      if (sglType === SGL_IN_CAPSULE) {
        inCapsule = true;
        capsuleOffset = cmd.dw[6]!;
        if (direction !== Direction.HostToController || cmd.dw[7] !== 0) status = INVALID_FIELD;
        else if (capsuleOffset + length > capsuleData) status = generic(0x0f); // Data SGL Length Invalid
      } else if (sglType !== SGL_TRANSPORT || capsuleData > 0) {
        status = generic(0x11); // SGL Descriptor Type Invalid
      } else if (direction === Direction.None || direction === Direction.Bidirectional) {
        status = INVALID_FIELD;
      }
    } else if (capsuleData > 0) {
      status = generic(0x0f);
    }
    if (status !== 0) length = 0;
    const cid = cmd.cid;
    const req: TargetRequest = { cmd, cid, length, direction, data: null, release: null };
    if (status === 0 && this.inFlight.has(cid)) status = generic(0x03); // Command ID Conflict
    if (status === 0) status = this.handler.prepare(req);
    if (status === 0 && length > 0 && req.data === null) req.data = new Uint8Array(length);
    const f: InFlight = { req, status, inCapsule, capsuleOffset, received: 0, ttag: -1 };
    if (status === 0) this.inFlight.set(cid, f);
    if (capsuleData > 0) {
      this.current = f;
      this.phase = Phase.Capsule;
    } else {
      this.dispatch(f);
    }
  }

  private h2cData(h: PduHeaderView): void {
    const b = h.bytes;
    const cccid = readU16le(b, PduField.Cccid);
    const ttag = readU16le(b, PduField.Ttag);
    const datao = readU32le(b, PduField.DataOffset);
    const datal = readU32le(b, PduField.DataLength);
    const f = this.transfers.get(ttag);
    if (f === undefined) {
      this.terminate(TermReqFes.InvalidHeaderField, PduField.Ttag, h, `no R2T with TTAG ${ttag}`);
      return;
    }
    if (f.req.cid !== cccid) {
      this.terminate(TermReqFes.InvalidHeaderField, PduField.Cccid, h, `CCCID ${cccid} for TTAG ${ttag}`);
      return;
    }
    if (datal > this.ctx.settings.maxH2CData) {
      this.terminate(TermReqFes.DataTransferLimitExceeded, 0, h, `DATAL ${datal} > MAXH2CDATA`);
      return;
    }
    if (datao + datal > f.req.length) {
      this.terminate(
        TermReqFes.DataTransferOutOfRange,
        0,
        h,
        `data ${datao}+${datal} beyond ${f.req.length}`,
      );
      return;
    }
    if (datao !== f.received) {
      this.terminate(
        TermReqFes.InvalidHeaderField,
        PduField.DataOffset,
        h,
        `DATAO ${datao}, expected ${f.received}`,
      );
      return;
    }
    const last = datao + datal === f.req.length;
    if (((h.flags & PduFlag.DATA_LAST) !== 0) !== last) {
      this.terminate(
        TermReqFes.InvalidHeaderField,
        PduField.Flags,
        h,
        `DATA_LAST ${last ? "missing" : "early"}`,
      );
      return;
    }
    f.received += datal;
    this.current = f;
    this.dataBase = datao;
    this.phase = Phase.H2C;
  }

  // ---- running commands ---------------------------------------------------------------------

  private dispatch(f: InFlight): void {
    if (f.status !== 0) {
      this.respond(f, { status: f.status });
      return;
    }
    const req = f.req;
    if (req.direction === Direction.HostToController && req.length > 0 && !f.inCapsule) {
      f.ttag = this.allocTtag();
      this.transfers.set(f.ttag, f);
      const out = Buffer.allocUnsafe(DATA_HEADER_LENGTH + DIGEST_LENGTH);
      const n = encodeR2T(out, 0, req.cid, f.ttag, 0, req.length, this.digests);
      this.send(out.subarray(0, n));
      return;
    }
    this.run(f);
  }

  private run(f: InFlight): void {
    let result: Promise<CommandResult> | CommandResult;
    try {
      result = this.handler.execute(f.req);
    } catch (e) {
      this.ctx.emit({ type: "error", error: e instanceof Error ? e : new Error(String(e)) });
      result = { status: INTERNAL_ERROR };
    }
    if (result instanceof Promise) {
      result.then(
        (r) => this.respond(f, r),
        (e: unknown) => {
          this.ctx.emit({ type: "error", error: e instanceof Error ? e : new Error(String(e)) });
          this.respond(f, { status: INTERNAL_ERROR });
        },
      );
    } else {
      this.respond(f, result);
    }
  }

  private respond(f: InFlight, r: CommandResult): void {
    const req = f.req;
    if (this.inFlight.get(req.cid) === f) this.inFlight.delete(req.cid);
    try {
      if (this.closed) return;
      if (r.status === 0 && req.direction === Direction.ControllerToHost && req.data !== null) {
        this.sendData(req.cid, req.data, Math.min(r.dataLength ?? req.length, req.length));
      }
      this.sendResponse(req.cid, r);
    } finally {
      req.release?.();
      req.release = null;
    }
  }

  private sendData(cid: number, data: Uint8Array, length: number): void {
    const dd = (this.digests & DigestBit.Data) !== 0;
    for (let at = 0; at < length; at += C2H_CHUNK) {
      const n = Math.min(C2H_CHUNK, length - at);
      const flags = at + n === length ? PduFlag.DATA_LAST : 0;
      const out = Buffer.allocUnsafe(DATA_HEADER_LENGTH + DIGEST_LENGTH + 128 + n + DIGEST_LENGTH);
      const pdo = encodeC2HData(out, 0, cid, at, n, flags, this.digests, this.hpda);
      out.set(data.subarray(at, at + n), pdo);
      let end = pdo + n;
      if (dd) {
        writeDigest(out, end, crc32c(out, pdo, n));
        end += DIGEST_LENGTH;
      }
      this.send(out.subarray(0, end));
    }
  }

  private sendResponse(cid: number, r: CommandResult): void {
    const cqe = new Uint8Array(16);
    const v = new DataView(cqe.buffer);
    v.setUint32(0, (r.dw0 ?? 0) >>> 0, true);
    v.setUint32(4, (r.dw1 ?? 0) >>> 0, true);
    v.setUint16(8, this.sqFlowDisabled ? 0xffff : this.sqhd, true);
    v.setUint16(10, Math.max(this.qid, 0), true);
    v.setUint32(12, (cid | (r.status << 17)) >>> 0, true);
    const out = Buffer.allocUnsafe(DATA_HEADER_LENGTH + DIGEST_LENGTH);
    const n = encodeCapsuleResp(out, 0, cqe, this.digests & DigestBit.Header);
    this.send(out.subarray(0, n));
  }

  private allocTtag(): number {
    for (;;) {
      const t = this.nextTtag;
      this.nextTtag = (this.nextTtag + 1) & 0xffff;
      if (!this.transfers.has(t)) return t;
    }
  }

  private send(pdu: Uint8Array): void {
    if (!this.closed) this.socket.write(pdu);
  }

  /**
   * Ends the connection for a fatal protocol error: a C2HTermReq quoting the offending header
   * (when known), then close.
   */
  private terminate(fes: number, fei: number, h: PduHeaderView | null, message: string): void {
    if (this.closed) return;
    this.phase = Phase.Ignore;
    this.ctx.emit({ type: "protocol-error", peer: this.peer, fes, message });
    const out = Buffer.allocUnsafe(152);
    const offending = h === null ? new Uint8Array(0) : h.bytes;
    const n = encodeC2HTermReq(out, 0, fes, fei, offending, Math.min(offending.length, 128));
    this.socket.end(out.subarray(0, n));
    // Give the TermReq a moment to leave, then drop the socket whatever the peer does.
    const socket = this.socket;
    setTimeout(() => socket.destroy(), 100).unref();
    this.closed = true;
    for (const f of this.transfers.values()) f.req.release?.();
    this.transfers.clear();
    const ctrl = this.ctrl;
    this.ctrl = null;
    ctrl?.queueClosed(this);
    this.ctx.emit({ type: "connection-closed", peer: this.peer, reason: "C2HTermReq sent" });
    this.onClosed(this);
  }
}
