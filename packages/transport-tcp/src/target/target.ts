/**
 * The built-in NVMe/TCP target: serves a backend controller's namespaces as one I/O subsystem, plus
 * the discovery subsystem, on one TCP listener. A test and development target (the embedded peer of
 * the fabrics tests, and something `nvme discover` / `nvme connect` from Linux can reach), not a
 * production one: no TLS, no authentication, no ANA, no reservations; every queue's commands run on
 * this thread. All of it runs on the thread that creates the target.
 * @module
 */
import { createServer, type Server, type Socket } from "node:net";
import { type Controller, InvalidArgumentError } from "@nvmekit/core";
import { DISCOVERY_NQN, NQN_MAX_BYTES } from "@nvmekit/core/nvme-spec";
import { type Observable, Subject } from "rxjs";
import { MIN_MAXH2CDATA, NVME_TCP_PORT } from "../pdu/constants.js";
import { BackendQueues } from "./backend-queues.js";
import { TargetConnection } from "./connection.js";
import type { TargetContext, TargetSettings } from "./context.js";
import type { TargetEvent } from "./events.js";
import { VirtualController } from "./virtual-controller.js";

/** The subsystem NQN `nvmekit target` serves by default. */
export const DEFAULT_TARGET_SUBNQN = "nqn.2024-01.io.nvmekit:soft0";
/** Default MAXH2CDATA: 128 KiB per H2CData PDU. */
export const DEFAULT_MAX_H2C_DATA = 128 * 1024;
/** Default in-capsule data of an I/O queue: 16 KiB (Linux's target uses 4 pages). */
export const DEFAULT_IN_CAPSULE_DATA_SIZE = 16 * 1024;
/** Default largest queue: 128 entries (CAP.MQES 127), what Linux's host asks for. */
export const DEFAULT_MAX_QUEUE_ENTRIES = 128;
/** Default I/O queues per controller. */
export const DEFAULT_MAX_IO_QUEUES = 8;

/** How to build an {@link NvmeTcpTarget}. */
export interface NvmeTcpTargetOptions {
  /** The controller whose namespaces are served. It stays the caller's: the target never detaches it. */
  backend: Controller;
  /** The I/O subsystem's NQN (default {@link DEFAULT_TARGET_SUBNQN}). */
  subnqn?: string;
  /** Host NQNs that may connect to the I/O subsystem, or "any" (the discovery subsystem takes any host). */
  allowedHosts: readonly string[] | "any";
  /** Address to listen on (default 127.0.0.1; "0.0.0.0" or "::" for every interface). */
  address?: string;
  /** TCP port (default 4420; 0 picks a free one). */
  port?: number;
  /** MAXH2CDATA announced in ICResp, bytes: at least 4096, a multiple of 4 (default 128 KiB). */
  maxH2CData?: number;
  /** In-capsule data an I/O queue takes, bytes: a multiple of 16, at most 1 MiB (default 16 KiB). */
  inCapsuleDataSize?: number;
  /** Largest queue in entries, CAP.MQES + 1: 2..65536 (default 128). */
  maxQueueEntries?: number;
  /** I/O queues a controller is granted at most: 1..65535 (default 8). */
  maxIoQueues?: number;
  /** Backend queue pairs the I/O of every host is spread over: 1..64 (default 2). */
  backendQueuePairs?: number;
}

/** Where a target listens. */
export interface TargetAddress {
  /** The address listened on. */
  address: string;
  /** The TCP port. */
  port: number;
}

function checkInt(name: string, v: number, min: number, max: number, hint: string): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(name, `${v}: ${hint}`);
  return v;
}

/**
 * An NVMe/TCP target for tests and development.
 *
 * ```ts
 * const target = new NvmeTcpTarget({ backend: ctrlr, allowedHosts: "any", port: 0 });
 * const { address, port } = await target.listen();
 * // ... nvme discover -t tcp -a 127.0.0.1 -s <port>
 * await target.close();
 * ```
 */
export class NvmeTcpTarget {
  private readonly settings: TargetSettings;
  private readonly backend: Controller;
  private readonly allowed: ReadonlySet<string> | "any";
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly queues: BackendQueues;
  private readonly subject = new Subject<TargetEvent>();
  private readonly controllers = new Map<number, VirtualController>();
  private readonly connections = new Set<TargetConnection>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private server: Server | null = null;
  private bound: TargetAddress | null = null;
  private nextCntlid = 1;
  private closing: Promise<void> | null = null;
  private readonly ctx: TargetContext;

  /** @throws InvalidArgumentError for an option out of range */
  constructor(options: NvmeTcpTargetOptions) {
    const subnqn = options.subnqn ?? DEFAULT_TARGET_SUBNQN;
    if (subnqn === "" || Buffer.byteLength(subnqn) > NQN_MAX_BYTES || subnqn === DISCOVERY_NQN) {
      throw new InvalidArgumentError(
        "subnqn",
        `"${subnqn}": give an NQN of 1..223 bytes other than the discovery NQN`,
      );
    }
    const maxH2CData = checkInt(
      "maxH2CData",
      options.maxH2CData ?? DEFAULT_MAX_H2C_DATA,
      MIN_MAXH2CDATA,
      16 * 1024 * 1024,
      "4096..16 MiB, a multiple of 4",
    );
    if (maxH2CData % 4 !== 0) throw new InvalidArgumentError("maxH2CData", `${maxH2CData}: a multiple of 4`);
    const inCapsule = checkInt(
      "inCapsuleDataSize",
      options.inCapsuleDataSize ?? DEFAULT_IN_CAPSULE_DATA_SIZE,
      0,
      1024 * 1024,
      "0..1 MiB, a multiple of 16",
    );
    if (inCapsule % 16 !== 0)
      throw new InvalidArgumentError("inCapsuleDataSize", `${inCapsule}: a multiple of 16`);
    this.settings = {
      subnqn,
      maxH2CData,
      inCapsuleDataSize: inCapsule,
      maxQueueEntries: checkInt(
        "maxQueueEntries",
        options.maxQueueEntries ?? DEFAULT_MAX_QUEUE_ENTRIES,
        2,
        65536,
        "2..65536",
      ),
      maxIoQueues: checkInt(
        "maxIoQueues",
        options.maxIoQueues ?? DEFAULT_MAX_IO_QUEUES,
        1,
        65535,
        "1..65535",
      ),
    };
    this.requestedPort = checkInt(
      "port",
      options.port ?? NVME_TCP_PORT,
      0,
      65535,
      "a TCP port, 0 for any free one",
    );
    this.host = options.address ?? "127.0.0.1";
    this.backend = options.backend;
    this.allowed = options.allowedHosts === "any" ? "any" : new Set(options.allowedHosts);
    this.queues = new BackendQueues(
      this.backend,
      checkInt("backendQueuePairs", options.backendQueuePairs ?? 2, 1, 64, "1..64"),
    );
    this.ctx = this.context();
  }

  /** Connections, controllers, Connect refusals, protocol and backend errors; completes at close. */
  get events$(): Observable<TargetEvent> {
    return this.subject.asObservable();
  }

  /** The I/O subsystem's NQN. */
  get subnqn(): string {
    return this.settings.subnqn;
  }

  /** Where the target listens, once {@link listen} resolved. */
  get address(): TargetAddress | null {
    return this.bound;
  }

  /** Number of live controllers (one per connected host association). */
  get controllerCount(): number {
    return this.controllers.size;
  }

  /** Number of open connections (queues, connected or not). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Starts listening.
   * @returns the address and port (the port chosen when 0 was asked)
   * @throws (as a rejection) the listen error, e.g. EADDRINUSE; a closed target cannot listen
   */
  listen(): Promise<TargetAddress> {
    if (this.closing !== null) return Promise.reject(new Error("the target is closed"));
    if (this.server !== null) return Promise.reject(new Error("the target is listening already"));
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", (e) => {
        this.server = null;
        reject(e);
      });
      server.listen(this.requestedPort, this.host, () => {
        server.removeAllListeners("error");
        server.on("error", (e) => this.subject.next({ type: "error", error: e }));
        const a = server.address();
        this.bound =
          a !== null && typeof a === "object"
            ? { address: a.address, port: a.port }
            : { address: this.host, port: this.requestedPort };
        resolve(this.bound);
      });
    });
  }

  /**
   * Stops listening, removes every controller and closes every connection, waits (up to 5 s) for
   * the commands the backend is running, and frees the backend queue pairs. The backend controller
   * stays attached: it is the caller's. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    const stopped =
      server === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    for (const ctrl of [...this.controllers.values()]) ctrl.destroy("target closed");
    for (const conn of [...this.connections]) conn.close("target closed");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 5000);
      }),
    ]);
    clearTimeout(timer);
    await this.queues.close();
    await stopped;
    this.server = null;
    this.subject.complete();
  }

  private accept(socket: Socket): void {
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    const conn = new TargetConnection(socket, this.ctx, (c) => this.connections.delete(c));
    this.connections.add(conn);
    this.subject.next({ type: "connection-opened", peer: conn.peer });
  }

  private allocCntlid(): number {
    // Dynamic controller IDs are 1..0xFFEF.
    for (let i = 0; i < 0xffef; i++) {
      const id = this.nextCntlid;
      this.nextCntlid = id >= 0xffef ? 1 : id + 1;
      if (!this.controllers.has(id)) return id;
    }
    throw new Error("no free controller ID");
  }

  private context(): TargetContext {
    return {
      backend: this.backend,
      settings: this.settings,
      queues: this.queues,
      hostAllowed: (hostnqn) => this.allowed === "any" || this.allowed.has(hostnqn),
      controller: (cntlid) => this.controllers.get(cntlid),
      createController: (init) => {
        const ctrl = new VirtualController({
          ...init,
          cntlid: this.allocCntlid(),
          maxQueueEntries: this.settings.maxQueueEntries,
          maxIoQueues: this.settings.maxIoQueues,
          onGone: (c, reason) => {
            this.controllers.delete(c.cntlid);
            this.subject.next({ type: "controller-destroyed", cntlid: c.cntlid, reason });
          },
        });
        this.controllers.set(ctrl.cntlid, ctrl);
        this.subject.next({
          type: "controller-created",
          cntlid: ctrl.cntlid,
          subnqn: init.subnqn,
          hostnqn: init.hostnqn,
        });
        return ctrl;
      },
      track: <T>(p: Promise<T>): Promise<T> => {
        this.inFlight.add(p);
        const done = (): void => {
          this.inFlight.delete(p);
        };
        p.then(done, done);
        return p;
      },
      emit: (event) => this.subject.next(event),
    };
  }
}
