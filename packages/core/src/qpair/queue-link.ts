/**
 * The line between a controller's thread and a worker thread that owns one of its queue pairs, over
 * three shared words. A controller reset deletes every queue on the device, so the worker must drop
 * its in-flight commands (completing them as aborted, in its own thread) and stop touching the rings
 * before the controller's thread creates the queue again on the same rings:
 *
 * 1. the controller's thread calls {@link QueueLink.disconnect}, which bumps the generation;
 * 2. the worker's queue pair sees the new generation on its next poll, aborts what it had, rewinds
 *    its rings and {@link QueueLink.acknowledge | acknowledges} that generation;
 * 3. the controller's thread, once acknowledged, re-creates the queue and calls
 *    {@link QueueLink.reconnect}; the worker's queue pair resumes and submits what waited meanwhile.
 *
 * {@link QueueLink.fail} ends the queue instead (controller failed or removed, or the worker did not
 * answer in time). The worker reads one word per poll; nothing here is on the per-I/O path.
 * @module
 */

/** What the controller's thread says of an exported queue. */
export enum QueueLinkState {
  /** The queue exists on the device. */
  Active = 0,
  /** A reset is under way: the worker must drop its commands and wait. */
  Disconnected = 1,
  /** The queue is gone for good: the worker's queue pair closes. */
  Failed = 2,
}

const GENERATION = 0;
const STATE = 1;
const ACKNOWLEDGED = 2;

/** One exported queue's shared words; both threads build one over the same buffer. */
export class QueueLink {
  /** The shared words: post this to the worker (it is structured-clonable and stays shared). */
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;

  /** A new link, or the worker's view of an existing one. */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
  }

  /** Bumped by every {@link disconnect} and {@link fail}: the worker polls it. */
  get generation(): number {
    return Atomics.load(this.words, GENERATION);
  }

  /** The controller thread's word on the queue. */
  get state(): QueueLinkState {
    return Atomics.load(this.words, STATE);
  }

  /** Controller's thread: a reset begins. Returns the generation the worker will acknowledge. */
  disconnect(): number {
    Atomics.store(this.words, STATE, QueueLinkState.Disconnected);
    return Atomics.add(this.words, GENERATION, 1) + 1;
  }

  /**
   * Controller's thread: resolves true once the worker has acknowledged `generation`, false when
   * `timeoutMs` passes first (the worker is not polling its queue pair).
   */
  async acknowledged(generation: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.words, ACKNOWLEDGED);
      if (seen === generation) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      const wait = Atomics.waitAsync(this.words, ACKNOWLEDGED, seen, left);
      if (!wait.async) continue;
      // waitAsync holds no reference on the event loop: a timer keeps the process alive meanwhile.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([wait.value, new Promise((wake) => (timer = setTimeout(wake, left)))]);
      clearTimeout(timer);
    }
  }

  /** Controller's thread: the queue exists again on the device; the worker may resume. */
  reconnect(): void {
    Atomics.store(this.words, STATE, QueueLinkState.Active);
  }

  /** Controller's thread: the queue will not come back; the worker's queue pair closes on its next poll. */
  fail(): void {
    Atomics.store(this.words, STATE, QueueLinkState.Failed);
    Atomics.add(this.words, GENERATION, 1);
  }

  /** Worker: it has dropped its commands for `generation` and no longer touches the rings. */
  acknowledge(generation: number): void {
    Atomics.store(this.words, ACKNOWLEDGED, generation);
    Atomics.notify(this.words, ACKNOWLEDGED);
  }
}
