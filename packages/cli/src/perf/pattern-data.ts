/**
 * Verifiable data: every block's content is a function of its LBA and a seed (an xorshift stream),
 * so a read can be checked without remembering what was written, once the range was pre-filled.
 * @module
 */

/**
 * Writes the pattern of `blocks` blocks starting at `lba` into `view` (`check` false, returns -1), or
 * compares `view` with it (`check` true) and returns the first LBA that differs, -1 when all match.
 */
export function walkPattern(
  view: Uint32Array,
  lba: number,
  blocks: number,
  blockSize: number,
  seed: number,
  check: boolean,
): number {
  const words = blockSize >>> 2;
  for (let b = 0; b < blocks; b++) {
    let x = (lba + b + Math.imul(seed, 0x9e3779b9)) >>> 0 || 1;
    const base = b * words;
    for (let i = 0; i < words; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      if (!check) view[base + i] = x;
      else if (view[base + i] !== x >>> 0) return lba + b;
    }
  }
  return -1;
}
