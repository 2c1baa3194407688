/**
 * MSI-X over shared memory: per vector, a counter the controller's thread bumps and notifies
 * (Atomics.notify) and an enable flag the host sets. The host waits with Atomics.waitAsync, so
 * waiting for an interrupt never blocks its event loop.
 * @module
 */
import type { InterruptVector } from "@nvmekit/pci-port";

// Atomics.waitAsync is ES2024; Node 20 has it, the ES2022 lib this project compiles against does not.
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** The shared words of `vectors` interrupt vectors: counters, then enable flags. */
export function interruptWords(vectors: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8 * vectors));
}

/** The controller's side: raises vectors, batched per poll so a burst of completions notifies once. */
export class InterruptRaiser {
  private pending = 0;

  /** @param words the shared words  @param vectors how many vectors they hold (at most 32) */
  constructor(
    private readonly words: Int32Array,
    private readonly vectors: number,
  ) {}

  /** Marks `vector` to be raised at the next {@link flush}. */
  raise(vector: number): void {
    if (vector < this.vectors) this.pending |= 1 << vector;
  }

  /** Signals every marked vector the host has enabled. */
  flush(): void {
    for (let v = 0; this.pending !== 0; v++) {
      const bit = 1 << v;
      if ((this.pending & bit) === 0) continue;
      this.pending &= ~bit;
      if (Atomics.load(this.words, this.vectors + v) === 0) continue; // masked: dropped, as MSI-X off
      Atomics.add(this.words, v, 1);
      Atomics.notify(this.words, v);
    }
  }
}

/** The host's side of one vector. */
export class SoftInterruptVector implements InterruptVector {
  private seen: number;

  /** @param words the shared words  @param vectors how many they hold  @param vector this vector */
  constructor(
    private readonly words: Int32Array,
    private readonly vectors: number,
    readonly vector: number,
  ) {
    this.seen = Atomics.load(words, vector);
  }

  /** Routes the vector to the host (or stops it). */
  setEnabled(on: boolean): void {
    Atomics.store(this.words, this.vectors + this.vector, on ? 1 : 0);
  }

  /** Resolves true when the vector fired since the last wait, false after `timeoutMs` without one. */
  async wait(timeoutMs: number): Promise<boolean> {
    if (this.consume()) return true;
    const r = waitAsync(this.words, this.vector, this.seen, timeoutMs);
    if (r.async) await r.value;
    return this.consume();
  }

  // Takes the interrupts counted since the last look.
  private consume(): boolean {
    const now = Atomics.load(this.words, this.vector);
    if (now === this.seen) return false;
    this.seen = now;
    return true;
  }
}
