/**
 * An interrupt delivered to an eventfd. Waiting polls the eventfd on libuv's thread pool (koffi's
 * async call), so the event loop never blocks, at the price of a thread-pool round trip per wake-up.
 * Each pending wait occupies one pool thread (UV_THREADPOOL_SIZE, default 4), which is why the
 * removal watcher does not use this path.
 * @module
 */
import { StateError } from "@nvmekit/core";
import type { InterruptVector } from "@nvmekit/pci-port";
import { close, eventfd, eventfdConsume, eventfdSignal, pollReadable } from "../native/libc.js";

/** poll(2) takes an int: longer (or infinite) waits become "forever". */
const MAX_POLL_MS = 0x7fffffff;

/** One vector backed by its own eventfd. */
export class EventfdVector implements InterruptVector {
  /** @inheritdoc */
  readonly vector: number;
  /** The eventfd the kernel signals. */
  readonly fd: number;
  #waiting = 0;
  #disposed = false;

  /** A new vector `vector` with a fresh eventfd. */
  constructor(vector: number) {
    this.vector = vector;
    this.fd = eventfd();
  }

  /** @inheritdoc */
  async wait(timeoutMs: number): Promise<boolean> {
    if (this.#disposed) throw new StateError(`interrupt vector ${this.vector} is disabled`);
    if (eventfdConsume(this.fd) > 0) return true;
    if (!(timeoutMs > 0)) return false;
    this.#waiting++;
    let readable: boolean;
    try {
      readable = await pollReadable(this.fd, timeoutMs >= MAX_POLL_MS ? -1 : Math.ceil(timeoutMs));
    } finally {
      this.#waiting--;
      if (this.#disposed && this.#waiting === 0) close(this.fd);
    }
    if (this.#disposed) return false;
    // A concurrent waiter may have consumed the count; the interrupt still fired during our wait.
    return eventfdConsume(this.fd) > 0 || readable;
  }

  /**
   * Stops the vector: wakes pending waits (they resolve false) and closes the eventfd once none
   * is still polling it, so the fd number is never reused under a poll. Call after the kernel no
   * longer signals it.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#waiting > 0) eventfdSignal(this.fd);
    else close(this.fd);
  }
}
