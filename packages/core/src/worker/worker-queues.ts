/**
 * The I/O queues a controller has handed to worker threads, and what a reset, a failure or a detach
 * does to them. Each talks to its worker through a {@link QueueLink}.
 * @module
 */
import { QueueLink } from "../qpair/queue-link.js";
import type { AdminChannel, ExportedIoQueue, QueuePort } from "../transport/contract.js";

/**
 * How long a reset waits for a worker to drop its commands (it must be polling its queue pair). A
 * worker that does not answer in time loses its queue: its queue pair closes when it next polls.
 */
export const WORKER_ACK_TIMEOUT_MS = 5000;

/** One exported queue. */
export interface WorkerQueue {
  /** The transport queue (the controller's thread no longer posts on it). */
  readonly port: QueuePort;
  /** The transport's shared description of it. */
  readonly shared: ExportedIoQueue;
  /** The line to its worker. */
  readonly link: QueueLink;
  /** Whether the queue exists on the controller; false once a reset or a failure gave it up. */
  live: boolean;
  /** The generation its worker must acknowledge during a reset. */
  generation: number;
}

/** A controller's exported queues. */
export class WorkerQueues {
  private readonly queues = new Set<WorkerQueue>();

  /** Registers an exported queue and gives it a link. */
  add(port: QueuePort, shared: ExportedIoQueue): WorkerQueue {
    const queue: WorkerQueue = { port, shared, link: new QueueLink(), live: true, generation: 0 };
    this.queues.add(queue);
    return queue;
  }

  /** Forgets `queue`; false when it was already forgotten. */
  remove(queue: WorkerQueue): boolean {
    return this.queues.delete(queue);
  }

  /** Every queue still registered. */
  all(): WorkerQueue[] {
    return [...this.queues];
  }

  /** A reset begins: each worker is told to drop its commands. */
  disconnect(): void {
    for (const q of this.live()) q.generation = q.link.disconnect();
  }

  /**
   * Waits until every worker has dropped its commands and stopped touching its rings; a queue whose
   * worker does not answer within `timeoutMs` is given up.
   */
  async awaitWorkers(timeoutMs = WORKER_ACK_TIMEOUT_MS): Promise<void> {
    await Promise.all(
      this.live().map(async (q) => {
        if (!(await q.link.acknowledged(q.generation, timeoutMs))) this.giveUp(q);
      }),
    );
  }

  /**
   * After the controller is initialised again: creates each queue anew and lets its worker resume. A
   * queue the controller refuses to create again is given up, so its worker's queue pair closes.
   */
  async recreate(admin: AdminChannel): Promise<void> {
    for (const q of this.live()) {
      try {
        await q.shared.recreate(admin);
        q.link.reconnect();
      } catch {
        this.giveUp(q);
      }
    }
  }

  /** The controller failed or went away: every worker's queue pair closes. */
  fail(): void {
    for (const q of this.live()) this.giveUp(q);
  }

  private live(): WorkerQueue[] {
    return this.all().filter((q) => q.live);
  }

  private giveUp(q: WorkerQueue): void {
    q.live = false;
    q.link.fail();
  }
}
