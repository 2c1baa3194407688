// Deterministic bytes for the device suites, so a failure is reproducible from its seed.

/** Fills `view` with xorshift32 bytes from `seed`; returns it. */
export function fill(view: Uint8Array, seed: number): Uint8Array {
  let x = seed | 1;
  for (let i = 0; i < view.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view[i] = x & 0xff;
  }
  return view;
}
