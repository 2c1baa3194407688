/**
 * The backend's I/O queue pairs the target forwards NVM commands on. Every connection runs on the
 * target's thread, so every host I/O queue shares a few backend queue pairs (taken in turn): the
 * backend's queue count does not limit how many hosts and queues connect. Allocated at the first I/O
 * command, freed when the target closes.
 * @module
 */
import type { Controller, QueuePair } from "@nvmekit/core";

/** A small pool of backend queue pairs, allocated on first use. */
export class BackendQueues {
  private qpairs: QueuePair[] = [];
  private opening: Promise<QueuePair[]> | null = null;
  private next = 0;
  private closed = false;

  /**
   * @param backend the controller whose queue pairs these are (the caller's; never detached here)
   * @param count how many to allocate at most (fewer when the backend grants fewer)
   */
  constructor(
    private readonly backend: Controller,
    private readonly count: number,
  ) {}

  /** A queue pair to submit on, allocating the pool the first time. Rejects when none can be had. */
  async get(): Promise<QueuePair> {
    if (this.qpairs.length === 0) {
      this.opening ??= this.open();
      await this.opening;
    }
    const qp = this.qpairs[this.next++ % this.qpairs.length];
    if (qp === undefined) throw new Error("the backend has no I/O queue pair for the target");
    return qp;
  }

  /** Frees every queue pair (outstanding commands should have completed first). */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    const qps = this.qpairs;
    this.qpairs = [];
    for (const qp of qps) await this.backend.freeIoQpair(qp).catch(() => undefined);
  }

  private async open(): Promise<QueuePair[]> {
    const got: QueuePair[] = [];
    try {
      for (let i = 0; i < this.count; i++) got.push(await this.backend.allocIoQpair());
    } catch (e) {
      if (got.length === 0) {
        this.opening = null; // let a later command try again
        throw e;
      }
    }
    if (this.closed) {
      for (const qp of got) await this.backend.freeIoQpair(qp).catch(() => undefined);
      throw new Error("the target is closed");
    }
    this.qpairs = got;
    return got;
  }
}
