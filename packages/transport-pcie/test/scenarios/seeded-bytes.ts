// Seeded pseudo-random bytes for the suites and their worker threads, on either controller. No rig or
// harness helpers are loaded here, so a worker thread can import it without pulling them in.

/** Fills `bytes` from a xorshift stream seeded with `seed` (different data per seed). */
export function randomFill(bytes: Uint8Array, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
}
