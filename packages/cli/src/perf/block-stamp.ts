/**
 * The stamp verify writes into every block: who the block is for (its LBA), which write put it there
 * (a run nonce and a per-write sequence number), a payload derived from both, and a CRC32C over all
 * of it in the block's last word. A read can then tell, block by block, whether it holds a whole
 * stamp (the CRC), for this LBA (misdirected otherwise), from this run, and which write's data it is
 * (lost or stale otherwise). Words are host-endian: the same host writes and checks them.
 * @module
 */
import { crc32c } from "@node-rs/crc32";

/** Word 0 of a stamped block. */
export const STAMP_MAGIC = 0x766b766e;
/** What read buffers are filled with before each read: a read that moves no data leaves it there. */
export const POISON = 0xdeadbeef;
// Words 1-4: nonce, LBA low and high, sequence; the payload follows, the CRC is the last word.
const HEADER_WORDS = 5;
/** The smallest block a stamp fits in (header, one payload word, CRC). */
export const MIN_STAMPED_BLOCK = (HEADER_WORDS + 2) * 4;

/** What a block holds, as {@link readStamp} finds it. */
export enum StampState {
  /** A whole stamp: its fields are in {@link StampReading}. */
  Whole,
  /** Every word is {@link POISON}: the read moved no data into it. */
  Unfilled,
  /** The header is a stamp of this run but the CRC does not match: parts of two writes. */
  Torn,
  /** No stamp of this run: foreign or garbled data. */
  Garbled,
}

/** The fields of a whole stamp, filled in by {@link readStamp} (one object reused, no allocation). */
export class StampReading {
  /** The LBA the block was written for. */
  lba = 0;
  /** The sequence number of the write that stamped it. */
  seq = 0;
}

/**
 * An I/O buffer cut into blocks once, when it is allocated, so that stamping and checking allocate
 * nothing per I/O: per block its words and the bytes its CRC covers (all but the last word).
 */
export class BlockViews {
  /** Each block's 32-bit words. */
  readonly words: Uint32Array[] = [];
  /** Each block's bytes but its last word. */
  readonly covered: Uint8Array[] = [];
  /** All words of the buffer (for poisoning). */
  readonly all: Uint32Array;

  /**
   * @param bytes the buffer (its byte offset a multiple of 4), viewed, not copied: the views live as
   *   long as it does
   * @param blockSize bytes per block, a multiple of 4 and at least {@link MIN_STAMPED_BLOCK}
   */
  constructor(bytes: Uint8Array, blockSize: number) {
    const words = blockSize >>> 2;
    this.all = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    for (let at = 0; at + blockSize <= bytes.length; at += blockSize) {
      this.words.push(this.all.subarray(at >>> 2, (at >>> 2) + words));
      this.covered.push(bytes.subarray(at, at + blockSize - 4));
    }
  }
}

/** Stamps block `b` of `v` for `lba` with write `seq` of the run `nonce`. Synchronous, allocates nothing. */
export function writeStamp(v: BlockViews, b: number, nonce: number, lba: number, seq: number): void {
  const words = v.words[b]!;
  const n = words.length;
  words[0] = STAMP_MAGIC;
  words[1] = nonce;
  words[2] = lba >>> 0;
  words[3] = Math.floor(lba / 2 ** 32);
  words[4] = seq;
  // An xorshift stream seeded by LBA and sequence: two writes' payloads differ in nearly every word.
  let x = (lba ^ Math.imul(seq, 0x9e3779b9) ^ nonce) >>> 0 || 1;
  for (let i = HEADER_WORDS; i < n - 1; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  words[n - 1] = crc32c(v.covered[b]!);
}

/**
 * Reads block `b` of `v` into `out` (for {@link StampState.Whole}) and says what the block holds.
 * Only a stamp of the run `nonce` counts as whole. Synchronous, allocates nothing.
 */
export function readStamp(v: BlockViews, b: number, nonce: number, out: StampReading): StampState {
  const words = v.words[b]!;
  const n = words.length;
  if (words[0] !== STAMP_MAGIC || words[1] !== nonce) {
    return words[0] === POISON && words[n >>> 1] === POISON && words[n - 1] === POISON
      ? StampState.Unfilled
      : StampState.Garbled;
  }
  if (words[n - 1] !== crc32c(v.covered[b]!)) return StampState.Torn;
  out.lba = words[2]! + words[3]! * 2 ** 32;
  out.seq = words[4]!;
  return StampState.Whole;
}
