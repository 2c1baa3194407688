/**
 * A ring of completions a transport has received and the core has not polled yet: for transports
 * whose completions do not arrive in a controller-written ring (NVMe/TCP's PDUs, RDMA's receive
 * buffers). Fixed size, no allocation.
 * @module
 */

/** Received completions, 4 dwords each, taken in arrival order. */
export class CompletionRing {
  private readonly entries: Uint32Array;
  private head = 0;
  private held = 0;

  /** @param capacity completions it holds: the queue's depth (no more can be outstanding) */
  constructor(private readonly capacity: number) {
    this.entries = new Uint32Array(capacity * 4);
  }

  /** Completions waiting. */
  get count(): number {
    return this.held;
  }

  /** Adds one; a completion beyond capacity (more than were commands) is dropped: the core ignores strays anyway. */
  push(dw0: number, dw1: number, dw2: number, dw3: number): void {
    if (this.held === this.capacity) return;
    const at = ((this.head + this.held) % this.capacity) << 2;
    this.entries[at] = dw0;
    this.entries[at + 1] = dw1;
    this.entries[at + 2] = dw2;
    this.entries[at + 3] = dw3;
    this.held++;
  }

  /** Copies the oldest into `out` and removes it; false when there is none (QueuePort.poll's contract). */
  take(out: Uint32Array): boolean {
    if (this.held === 0) return false;
    const at = this.head << 2;
    out[0] = this.entries[at]!;
    out[1] = this.entries[at + 1]!;
    out[2] = this.entries[at + 2]!;
    out[3] = this.entries[at + 3]!;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.held--;
    return true;
  }

  /** Empties it. */
  clear(): void {
    this.head = 0;
    this.held = 0;
  }
}
