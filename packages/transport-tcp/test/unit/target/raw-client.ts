/**
 * A small raw NVMe/TCP host for the target's tests, built from the PDU encoders and reader only
 * (not from the host transport): it sends exactly the PDUs a test asks for and hands back every PDU
 * the target sends, so tests can check the wire.
 */
import { connect, type Socket } from "node:net";
import {
  CONNECT_DATA_SIZE,
  Completion,
  connectCommand,
  encodeConnectData,
  NvmeCommand,
  propertyGetCommand,
  propertySetCommand,
} from "@nvmekit/core/nvme-spec";
import { type AttachedInThreadRig, attachInThread } from "@nvmekit/softnvme";
import { encodeCapsuleCmd } from "../../../src/pdu/capsule.js";
import { DigestBit, PduFlag, PduType } from "../../../src/pdu/constants.js";
import { encodeH2CData } from "../../../src/pdu/data.js";
import { crc32c, writeDigest } from "../../../src/pdu/digest.js";
import { PduField, readU16le, readU32le } from "../../../src/pdu/fields.js";
import { encodeICReq } from "../../../src/pdu/ic.js";
import { type PduHeaderView, PduReader } from "../../../src/pdu/reader.js";
import type { TargetEvent } from "../../../src/target/events.js";
import { NvmeTcpTarget, type NvmeTcpTargetOptions } from "../../../src/target/target.js";

/** A PDU received from the target, copied. */
export interface Pdu {
  type: number;
  flags: number;
  header: Uint8Array;
  data: Uint8Array;
}

/** The outcome of one command. */
export interface Result {
  cpl: Completion;
  data: Uint8Array;
  /** PDUs seen for it (R2T, C2HData, CapsuleResp). */
  pdus: Pdu[];
}

export const HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000001";
export const HOSTID = new Uint8Array(16).fill(7);

/** A raw host connection. */
export class RawClient {
  readonly received: Pdu[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  digests = 0;
  maxH2CData = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly reader: PduReader;
  private cur: Pdu | null = null;
  private nextCid = 1;

  private constructor(readonly socket: Socket) {
    this.reader = new PduReader({
      onHeader: (h: PduHeaderView) => {
        this.cur = {
          type: h.type,
          flags: h.flags,
          header: new Uint8Array(h.bytes),
          data: new Uint8Array(h.dataLength),
        };
      },
      onData: (piece, offset) => this.cur!.data.set(piece, offset),
      onPduEnd: () => {
        this.received.push(this.cur!);
        this.cur = null;
        this.wake();
      },
      onError: (_fes, _fei, message) => {
        throw new Error(`client reader: ${message}`);
      },
    });
    socket.on("data", (b: Buffer) => this.reader.feed(b));
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Opens a TCP connection (no ICReq yet). */
  static open(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  /** Opens a connection and exchanges ICReq / ICResp. */
  static async connect(port: number, digests = 0): Promise<RawClient> {
    const c = await RawClient.open(port);
    await c.icReq(digests);
    return c;
  }

  async icReq(digests: number, hpda = 0): Promise<Pdu> {
    const b = Buffer.alloc(128);
    encodeICReq(b, 0, hpda, digests, 0);
    this.write(b);
    const resp = await this.next();
    if (resp.type !== PduType.ICResp) throw new Error(`expected ICResp, got type ${resp.type}`);
    this.digests = resp.header[PduField.IcDigest]!;
    this.maxH2CData = readU32le(resp.header, PduField.IcMax);
    this.reader.setDigests(this.digests);
    return resp;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The next PDU, waiting up to `ms`; rejects when the connection closes first. */
  async next(ms = 2000): Promise<Pdu> {
    const deadline = Date.now() + ms;
    for (;;) {
      const p = this.received.shift();
      if (p !== undefined) return p;
      if (this.isClosed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no PDU in time");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Whether a PDU arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    try {
      await this.next(ms);
      return false;
    } catch {
      return true;
    }
  }

  /** Sends a CapsuleCmd: `inCapsule` data goes in the capsule, else the SGL is the transport's. */
  sendCapsule(cmd: NvmeCommand, length: number, inCapsule: Uint8Array | null = null): number {
    const cid = this.nextCid++ & 0xffff;
    cmd.cid = cid;
    cmd.psdt = 1;
    cmd.dw[6] = 0;
    cmd.dw[7] = 0;
    cmd.dw[8] = length;
    cmd.dw[9] = (inCapsule !== null ? 0x01 : 0x5a) << 24;
    const sqe = new Uint8Array(cmd.dw.buffer, cmd.dw.byteOffset, 64);
    const n = inCapsule?.length ?? 0;
    const out = Buffer.alloc(76 + n + 4);
    let at = encodeCapsuleCmd(out, 0, sqe, this.digests, 0, n);
    if (inCapsule !== null) {
      out.set(inCapsule, at);
      if (this.digests & DigestBit.Data) {
        writeDigest(out, at + n, crc32c(out, at, n));
        at += 4;
      }
      at += n;
    }
    this.write(out.subarray(0, at));
    return cid;
  }

  /** Sends H2CData PDUs for [offset, offset + length) of `data`, in pieces of at most MAXH2CDATA. */
  sendH2C(cid: number, ttag: number, data: Uint8Array, offset: number, length: number, last = true): void {
    for (let at = offset; at < offset + length; ) {
      const n = Math.min(this.maxH2CData, offset + length - at);
      const flags = last && at + n === offset + length ? PduFlag.DATA_LAST : 0;
      const out = Buffer.alloc(32 + n + 4);
      let pdo = encodeH2CData(out, 0, cid, ttag, at, n, flags, this.digests, 0);
      out.set(data.subarray(at, at + n), pdo);
      if (this.digests & DigestBit.Data) writeDigest(out, pdo + n, crc32c(out, pdo, n));
      pdo += n + (this.digests & DigestBit.Data ? 4 : 0);
      this.write(out.subarray(0, pdo));
      at += n;
    }
  }

  /**
   * Runs one command: `write` data goes in-capsule when `inCapsule`, else by R2T / H2CData;
   * `readLength` bytes are expected back in C2HData.
   */
  async run(
    cmd: NvmeCommand,
    opts: { write?: Uint8Array; inCapsule?: boolean; readLength?: number } = {},
  ): Promise<Result> {
    const w = opts.write;
    const length = w?.length ?? opts.readLength ?? 0;
    const cid = this.sendCapsule(cmd, length, w !== undefined && opts.inCapsule ? w : null);
    const data = new Uint8Array(opts.readLength ?? 0);
    const pdus: Pdu[] = [];
    for (;;) {
      const p = await this.next();
      pdus.push(p);
      switch (p.type) {
        case PduType.R2T: {
          if (w === undefined) throw new Error("R2T for a command without data");
          const ttag = readU16le(p.header, PduField.Ttag);
          const r2to = readU32le(p.header, PduField.DataOffset);
          const r2tl = readU32le(p.header, PduField.DataLength);
          this.sendH2C(cid, ttag, w, r2to, r2tl);
          break;
        }
        case PduType.C2HData:
          data.set(p.data, readU32le(p.header, PduField.DataOffset));
          break;
        case PduType.CapsuleResp: {
          const dw = new Uint32Array(p.header.buffer.slice(8, 24));
          const cpl = new Completion(dw);
          if (cpl.cid !== cid) throw new Error(`response for cid ${cpl.cid}, expected ${cid}`);
          return { cpl, data, pdus };
        }
        default:
          throw new Error(`unexpected PDU type ${p.type}`);
      }
    }
  }

  /** Connect on this queue; returns the completion. */
  async connectQueue(
    qid: number,
    subnqn: string,
    opts: { cntlid?: number; hostnqn?: string; sqsize?: number; katoMs?: number } = {},
  ): Promise<Completion> {
    const cmd = new NvmeCommand();
    connectCommand(cmd, qid, opts.sqsize ?? 31, 0, opts.katoMs ?? 0);
    const data = new Uint8Array(CONNECT_DATA_SIZE);
    encodeConnectData(data, {
      hostid: HOSTID,
      cntlid: opts.cntlid ?? 0xffff,
      subnqn,
      hostnqn: opts.hostnqn ?? HOSTNQN,
    });
    return (await this.run(cmd, { write: data, inCapsule: true })).cpl;
  }

  async propGet(offset: number, size: 4 | 8): Promise<bigint> {
    const { cpl } = await this.run(propertyGetCommand(new NvmeCommand(), offset, size));
    if (cpl.isError)
      throw new Error(`Property Get 0x${offset.toString(16)}: status 0x${cpl.status.toString(16)}`);
    return size === 4 ? BigInt(cpl.cdw0 >>> 0) : (BigInt(cpl.cdw1 >>> 0) << 32n) | BigInt(cpl.cdw0 >>> 0);
  }

  async propSet(offset: number, value: number): Promise<Completion> {
    return (await this.run(propertySetCommand(new NvmeCommand(), offset, 4, BigInt(value)))).cpl;
  }

  /** CC: EN, IOSQES 6, IOCQES 4. */
  async enable(): Promise<void> {
    const cpl = await this.propSet(0x14, 1 | (6 << 16) | (4 << 20));
    if (cpl.isError) throw new Error("CC write failed");
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---- a target over the in-thread software controller ------------------------------------------

export const SUBNQN = "nqn.2024-01.io.nvmekit:test-target";

/** A target on a free port of 127.0.0.1, serving a fresh in-thread software controller. */
export interface Harness {
  rig: AttachedInThreadRig;
  target: NvmeTcpTarget;
  port: number;
  events: TargetEvent[];
  clients: RawClient[];
  /** Opens a client (closed by stop()). */
  client(digests?: number): Promise<RawClient>;
  /** A client with the admin queue connected and enabled; returns it and the cntlid. */
  admin(digests?: number, katoMs?: number): Promise<{ c: RawClient; cntlid: number }>;
  stop(): Promise<void>;
}

export async function startTarget(opts: Partial<NvmeTcpTargetOptions> = {}): Promise<Harness> {
  const rig = await attachInThread();
  const target = new NvmeTcpTarget({
    backend: rig.ctrlr,
    subnqn: SUBNQN,
    allowedHosts: "any",
    port: 0,
    ...opts,
  });
  const events: TargetEvent[] = [];
  target.events$.subscribe((e) => events.push(e));
  const { port } = await target.listen();
  const clients: RawClient[] = [];
  const h: Harness = {
    rig,
    target,
    port,
    events,
    clients,
    async client(digests = 0) {
      const c = await RawClient.connect(port, digests);
      clients.push(c);
      return c;
    },
    async admin(digests = 0, katoMs = 0) {
      const c = await h.client(digests);
      const cpl = await c.connectQueue(0, SUBNQN, { katoMs });
      if (cpl.isError) throw new Error(`admin Connect failed: 0x${cpl.status.toString(16)}`);
      await c.enable();
      return { c, cntlid: cpl.cdw0 & 0xffff };
    },
    async stop() {
      for (const c of clients) c.close();
      await target.close();
      await rig.driver.detachAll();
    },
  };
  return h;
}
