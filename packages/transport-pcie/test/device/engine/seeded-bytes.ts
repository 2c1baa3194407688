// Seeded pseudo-random bytes for device suites and their worker threads (no rig helpers loaded).

/** Fills a buffer with bytes from a seeded xorshift stream (different per seed). */
export function randomFill(bytes: Uint8Array, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
}
