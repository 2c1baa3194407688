/**
 * The timed loop the compat benchmarks run each engine in (nvmed, liblightnvm): a spin function
 * polls and resubmits for a fixed time, then what is in flight drains; CPU time is the process's.
 * Also the slot core's callback-face engine resubmits.
 * @module
 */

import type { Completion } from "@nvmekit/core/nvme-spec";

/** One buffer of core's callback-face engine: resubmitted once its command completed. */
export interface CoreSlot {
  /** The slot's buffer (DMA memory). */
  view: Uint8Array;
  /** Where a completed slot waits to be resubmitted (shared by an engine's slots). */
  ready: CoreSlot[];
}

/** The callback core's engines give cmdRead/cmdWrite: the slot is ready again. */
export function coreDone(slot: CoreSlot, _cpl: Completion): void {
  slot.ready.push(slot);
}

/** What one round did. */
export interface Result {
  /** I/Os completed within the time. */
  ios: number;
  /** Seconds the round ran. */
  seconds: number;
  /** CPU microseconds the process used meanwhile. */
  cpuUs: number;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * xorshift32: a cheap random index below `span` with no allocation. Scaled by a multiplication: a
 * modulo of the unsigned value (a double past 2^31) is a C call in V8, which cost more than an I/O.
 */
let rnd = 0x2545f491;
export const randomBelow = (span: number): number => {
  rnd ^= rnd << 13;
  rnd ^= rnd >>> 17;
  rnd ^= rnd << 5;
  return Math.floor(((rnd >>> 0) * span) / 0x1_0000_0000);
};

/**
 * Runs `spin` (one poll-and-resubmit round, returning I/Os completed) for `seconds`, then spins until
 * `inFlight()` is 0.
 */
export function timed(seconds: number, spin: () => number, inFlight: () => number): Result {
  gc();
  let ios = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  for (let i = 1; ; i++) {
    ios += spin();
    if ((i & 1023) === 0 && performance.now() >= deadline) break;
  }
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  while (inFlight() > 0) spin();
  return { ios, seconds: elapsed, cpuUs: used.user + used.system };
}
