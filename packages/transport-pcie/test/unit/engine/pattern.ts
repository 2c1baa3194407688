// Seeded byte patterns shared by workers.test.ts and its worker thread.

/** Fills `bytes` from a xorshift stream seeded with `seed` (different data per seed). */
export function fillPattern(bytes: Uint8Array, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
}
