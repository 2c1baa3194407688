/**
 * One host's controller on the target (the dynamic controller model): created by an admin Connect,
 * it holds the register file, the keep-alive timer, the features a host sets (Number of Queues,
 * Keep Alive Timer, Async Event Configuration), the held Asynchronous Event Requests and its queues'
 * connections. It goes away when its admin queue closes, when keep-alive expires, or when the target
 * closes, and then closes every connection it has. Target thread only.
 * @module
 */

import { PropertyFile } from "./properties.js";
import type { CommandResult } from "./request.js";

/** A connected queue as the controller sees it. */
export interface QueueLink {
  /** Closes the queue's connection (idempotent). */
  close(reason: string): void;
}

/** How a controller is made. */
export interface VirtualControllerInit {
  cntlid: number;
  /** Whether it is a discovery controller. */
  discovery: boolean;
  subnqn: string;
  hostnqn: string;
  hostid: Uint8Array;
  /** Keep Alive Timeout from the Connect, ms (0: none). */
  katoMs: number;
  /** CAP.MQES + 1. */
  maxQueueEntries: number;
  /** I/O queues granted until Set Features Number of Queues says otherwise. */
  maxIoQueues: number;
  /** Called once when the controller goes away. */
  onGone(ctrl: VirtualController, reason: string): void;
}

/** One host's controller. */
export class VirtualController {
  readonly cntlid: number;
  readonly discovery: boolean;
  readonly subnqn: string;
  readonly hostnqn: string;
  readonly hostid: Uint8Array;
  readonly properties: PropertyFile;
  /** I/O queues granted (Number of Queues), 1-based count. */
  grantedIoQueues: number;
  /** Asynchronous Event Configuration as set. */
  asyncEventConfig = 0;
  /** The admin queue's connection. */
  admin: QueueLink | null = null;
  /** Connected I/O queues by queue ID. */
  readonly ioQueues = new Map<number, QueueLink>();
  private kato: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly heldAers: ((r: CommandResult) => void)[] = [];
  private alive = true;
  private readonly maxIoQueues: number;
  private readonly onGone: VirtualControllerInit["onGone"];

  constructor(init: VirtualControllerInit) {
    this.cntlid = init.cntlid;
    this.discovery = init.discovery;
    this.subnqn = init.subnqn;
    this.hostnqn = init.hostnqn;
    this.hostid = init.hostid;
    this.kato = init.katoMs;
    this.maxIoQueues = init.discovery ? 0 : init.maxIoQueues;
    this.grantedIoQueues = this.maxIoQueues;
    this.onGone = init.onGone;
    this.properties = new PropertyFile(init.maxQueueEntries, { disabled: () => this.closeIoQueues() });
    this.armKeepAlive();
  }

  /** Whether the controller still exists. */
  get live(): boolean {
    return this.alive;
  }

  /** The keep-alive timeout in force, ms (0: none). */
  get keepAliveTimeoutMs(): number {
    return this.kato;
  }

  /** Restarts the keep-alive timer: a Keep Alive, or any command, arrived. */
  touch(): void {
    this.timer?.refresh();
  }

  /** Set Features Keep Alive Timer. */
  setKeepAliveTimeout(ms: number): void {
    this.kato = ms;
    this.armKeepAlive();
  }

  /**
   * Set Features Number of Queues: grants `min(requested, limit)`.
   * @returns the count granted
   */
  requestIoQueues(requested: number): number {
    this.grantedIoQueues = Math.max(1, Math.min(requested, this.maxIoQueues));
    return this.grantedIoQueues;
  }

  /** How many Asynchronous Event Requests are held. */
  get heldAsyncEvents(): number {
    return this.heldAers.length;
  }

  /**
   * Holds an Asynchronous Event Request: the target reports no events, so it completes only when
   * the controller goes away (aborted, on a connection that is closing).
   */
  holdAsyncEvent(): Promise<CommandResult> {
    return new Promise((resolve) => this.heldAers.push(resolve));
  }

  /** A queue's connection closed: the admin queue's takes the controller with it. */
  queueClosed(link: QueueLink): void {
    if (link === this.admin) {
      this.admin = null;
      this.destroy("admin queue closed");
      return;
    }
    for (const [qid, q] of this.ioQueues) if (q === link) this.ioQueues.delete(qid);
  }

  /** Removes the controller: stops the timer, completes held requests, closes every queue. */
  destroy(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // Aborted due to SQ deletion; the connection is closing, so nobody will read it.
    for (const resolve of this.heldAers.splice(0)) resolve({ status: 0x08 });
    this.closeIoQueues();
    this.admin?.close("controller gone");
    this.admin = null;
    this.onGone(this, reason);
  }

  private closeIoQueues(): void {
    const queues = [...this.ioQueues.values()];
    this.ioQueues.clear();
    for (const q of queues) q.close("controller gone");
  }

  private armKeepAlive(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.kato === 0 || !this.alive) return;
    this.timer = setTimeout(() => this.destroy("keep-alive timeout"), this.kato);
    this.timer.unref();
  }
}
