/**
 * Helpers for the controller-level tests, which attach the software controller in this thread
 * (`attachInThread` from @nvmekit/softnvme) and check what it saw.
 * @module
 */
/** Low 32 bits of an IOVA. */
export const lo = (iova: number): number => (iova % 0x1_0000_0000) >>> 0;
/** High 32 bits of an IOVA. */
export const hi = (iova: number): number => Math.floor(iova / 0x1_0000_0000);

/** Fills a buffer with a pattern that differs per byte and per seed. */
export function pattern(bytes: Uint8Array, seed: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
}

/** Asserts that `fn` rejects with an error whose message matches `pattern`; returns the error. */
export async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    const err = e as Error;
    if (!pattern.test(err.message)) throw new Error(`rejected with "${err.message}", expected ${pattern}`);
    return err;
  }
  throw new Error(`did not reject; expected ${pattern}`);
}
