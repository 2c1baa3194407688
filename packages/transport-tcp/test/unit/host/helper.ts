/**
 * Shared pieces of the host suites: nvmekit's NVMe/TCP host (coreModule + tcpTransportModule)
 * against nvmekit's own NVMe/TCP target on 127.0.0.1 (port 0), serving an in-thread software
 * controller; a PDU-level proxy that records (and can tamper with) what crosses the wire; fake peers.
 */
import { createServer, connect as netConnect, type Server, type Socket } from "node:net";
import {
  type Controller,
  type ControllerOptions,
  ControllerState,
  coreModule,
  NvmeDriver,
} from "@nvmekit/core";
import { type AttachedInThreadRig, attachInThread, type InThreadControllerOptions } from "@nvmekit/softnvme";
import { Container } from "inversify";
import { tcpTransportModule } from "../../../src/module.js";
import type { TargetEvent } from "../../../src/target/events.js";
import { NvmeTcpTarget, type NvmeTcpTargetOptions } from "../../../src/target/target.js";

export const SUBNQN = "nqn.2024-01.io.nvmekit:host-tests";
export const HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:6b1c2d3e-0000-4000-8000-00000000a001";
export const HOSTID = "6b1c2d3e-0000-4000-8000-00000000a001";

/** Host options every suite starts from: a fixed identity, no reconnect unless a test asks. */
export const BASE_OPTIONS: Partial<ControllerOptions> = {
  hostnqn: HOSTNQN,
  hostid: HOSTID,
  adminTimeoutMs: 2000,
  ctrlLossTimeoutMs: 0,
  reconnectDelayMs: 20,
};

/** A fresh driver with the core and the TCP transport. */
export function tcpDriver(): NvmeDriver {
  const container = new Container();
  container.load(coreModule, tcpTransportModule);
  return container.get(NvmeDriver);
}

export function tridFor(port: number, subnqn = SUBNQN): string {
  const s = subnqn === "" ? "" : ` subnqn:${subnqn}`;
  return `trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:${port}${s}`;
}

/** A target over a software controller, and a host driver. */
export interface Rig {
  backend: AttachedInThreadRig;
  target: NvmeTcpTarget;
  port: number;
  events: TargetEvent[];
  driver: NvmeDriver;
  /** Connects the host (through `port`, default the target's). */
  connect(options?: Partial<ControllerOptions>, port?: number, subnqn?: string): Promise<Controller>;
  /** Closes the target (if not yet) and starts a new one on the same port with the same backend. */
  restartTarget(): Promise<NvmeTcpTarget>;
  stop(): Promise<void>;
}

export async function startRig(
  targetOpts: Partial<NvmeTcpTargetOptions> = {},
  device: InThreadControllerOptions = {},
): Promise<Rig> {
  const backend = await attachInThread({ recordCommands: false, recordData: false, ...device });
  const events: TargetEvent[] = [];
  const make = (port: number): NvmeTcpTarget => {
    const t = new NvmeTcpTarget({
      backend: backend.ctrlr,
      subnqn: SUBNQN,
      allowedHosts: "any",
      ...targetOpts,
      port,
    });
    t.events$.subscribe((e) => events.push(e));
    return t;
  };
  let target = make(0);
  let port: number;
  try {
    port = (await target.listen()).port;
  } catch (e) {
    await backend.driver.detachAll();
    throw e;
  }
  const driver = tcpDriver();
  const rig: Rig = {
    backend,
    get target() {
      return target;
    },
    port,
    events,
    driver,
    connect(options = {}, p = port, subnqn = SUBNQN) {
      return driver.connect(tridFor(p, subnqn), { ...BASE_OPTIONS, ...options });
    },
    async restartTarget() {
      await target.close();
      target = make(port);
      await target.listen();
      return target;
    },
    async stop() {
      for (const c of [...driver.controllers])
        await withTimeout(driver.detach(c), 3000, "detach").catch(() => {});
      await target.close();
      await backend.driver.detachAll();
    },
  };
  return rig;
}

/** Rejects when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
    }),
  ]);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds, polling every 5 ms; false after `ms`. */
export async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** Waits until the controller reaches `state`. */
export function untilState(c: Controller, state: ControllerState, ms = 2000): Promise<boolean> {
  return until(() => c.state === state, ms);
}

/** Deterministic bytes (xorshift32). */
export function randomBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** A small deterministic PRNG for LBAs and sizes. */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** TCP sockets and servers still open in this process. */
export function openTcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap")
    .length;
}

// ---- a PDU-level proxy --------------------------------------------------------------------------

/** A PDU seen by the proxy (header bytes only, up to 128). */
export interface PduRecord {
  /** "h2c": host to target; "c2h": target to host. */
  dir: "h2c" | "c2h";
  /** The proxied connection's index. */
  link: number;
  type: number;
  flags: number;
  hlen: number;
  pdo: number;
  plen: number;
  header: Buffer;
}

/** One proxied connection. */
export interface ProxyLink {
  readonly index: number;
  /** The queue ID its Connect named, -1 before. */
  qid: number;
  readonly host: Socket;
  readonly target: Socket | null;
  toHost(b: Uint8Array): void;
  toTarget(b: Uint8Array): void;
  /** Closes both sides. */
  destroy(): void;
}

/** What the hook decides for a PDU: forward it (default) or drop it. */
export type ProxyHook = (dir: "h2c" | "c2h", pdu: Buffer, link: ProxyLink) => "forward" | "drop";

/** Splits a byte stream into whole PDUs by their common header's PLEN. */
class Framer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onPdu: (pdu: Buffer) => void) {}
  feed(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 8) {
      const plen = this.buf.readUInt32LE(4);
      if (plen < 8 || this.buf.length < plen) break;
      const pdu = this.buf.subarray(0, plen);
      this.buf = this.buf.subarray(plen);
      this.onPdu(Buffer.from(pdu));
    }
  }
}

/**
 * A TCP proxy in front of a target that frames NVMe/TCP PDUs in both directions, records them, and
 * lets a hook drop PDUs or inject its own. With `targetPort` null nothing is forwarded (a fake peer:
 * the hook answers by itself).
 */
export class PduProxy {
  readonly records: PduRecord[] = [];
  readonly links: ProxyLink[] = [];
  hook: ProxyHook | null = null;
  port = 0;
  private readonly server: Server;

  private constructor(private readonly targetPort: number | null) {
    this.server = createServer((s) => this.accept(s));
  }

  static async start(targetPort: number | null, hook: ProxyHook | null = null): Promise<PduProxy> {
    const p = new PduProxy(targetPort);
    p.hook = hook;
    await new Promise<void>((resolve) => p.server.listen(0, "127.0.0.1", () => resolve()));
    const a = p.server.address();
    p.port = typeof a === "object" && a !== null ? a.port : 0;
    return p;
  }

  /** PDUs of `type` seen in `dir`. */
  count(dir: "h2c" | "c2h", type: number): number {
    return this.records.filter((r) => r.dir === dir && r.type === type).length;
  }

  private accept(host: Socket): void {
    const index = this.links.length;
    let target: Socket | null = null;
    const pendingToTarget: Uint8Array[] = [];
    let targetReady = false;
    const link: ProxyLink = {
      index,
      qid: -1,
      host,
      get target() {
        return target;
      },
      toHost: (b) => {
        if (!host.destroyed) host.write(b);
      },
      toTarget: (b) => {
        if (target === null || target.destroyed) return;
        if (targetReady) target.write(b);
        else pendingToTarget.push(b);
      },
      destroy: () => {
        host.destroy();
        target?.destroy();
      },
    };
    this.links.push(link);
    host.on("error", () => undefined);
    if (this.targetPort !== null) {
      target = netConnect(this.targetPort, "127.0.0.1", () => {
        targetReady = true;
        for (const b of pendingToTarget.splice(0)) target!.write(b);
      });
      target.on("error", () => undefined);
      target.on("close", () => host.destroy());
      host.on("close", () => target?.destroy());
      const fromTarget = new Framer((pdu) => this.pass("c2h", pdu, link));
      target.on("data", (b: Buffer) => fromTarget.feed(b));
    }
    const fromHost = new Framer((pdu) => this.pass("h2c", pdu, link));
    host.on("data", (b: Buffer) => fromHost.feed(b));
  }

  private pass(dir: "h2c" | "c2h", pdu: Buffer, link: ProxyLink): void {
    const type = pdu[0]!;
    if (dir === "h2c" && type === 4 && pdu[8] === 0x7f && pdu[12] === 0x01)
      link.qid = pdu.readUInt16LE(8 + 42);
    this.records.push({
      dir,
      link: link.index,
      type,
      flags: pdu[1]!,
      hlen: pdu[2]!,
      pdo: pdu[3]!,
      plen: pdu.readUInt32LE(4),
      header: Buffer.from(pdu.subarray(0, Math.min(pdu.length, 128))),
    });
    const verdict = this.hook?.(dir, pdu, link) ?? "forward";
    if (verdict === "drop") return;
    if (dir === "h2c") link.toTarget(pdu);
    else link.toHost(pdu);
  }

  async close(): Promise<void> {
    for (const l of this.links) l.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The SQE opcode and CID of a CapsuleCmd PDU. */
export function capsuleCommand(pdu: Uint8Array): { opcode: number; cid: number } {
  return { opcode: pdu[8]!, cid: pdu[10]! | (pdu[11]! << 8) };
}

export { ControllerState };

/** Asserts two byte sequences are equal, naming the first difference (uvu's diff of big arrays is unreadable). */
export function sameBytes(actual: ArrayBufferView, expected: ArrayBufferView, what = "bytes"): void {
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.length !== e.length) throw new Error(`${what}: ${a.length} bytes, expected ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) {
      let n = 0;
      for (let j = i; j < a.length; j++) if (a[j] !== e[j]) n++;
      throw new Error(
        `${what}: first difference at byte ${i} of ${a.length} (${a[i]} != ${e[i]}), ${n} bytes differ`,
      );
    }
  }
}
