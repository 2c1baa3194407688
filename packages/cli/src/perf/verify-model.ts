/**
 * What every block of a verified range must hold, and the check of each read against it. Per block
 * the model keeps the sequence number of the last write that ended well (`expected`), the one before
 * it (`previous`, to tell a lost write from older, stale data) and the newest write since that ended
 * with an error (`pending`: such a block may hold either, and the first read that finds one settles
 * it). Writes to a block are never in flight together with another I/O on it (the engine keeps I/O
 * ranges apart), so every read has one right answer. Typed arrays, nothing allocated per I/O.
 * @module
 */
import { type BlockViews, POISON, readStamp, StampReading, StampState, writeStamp } from "./block-stamp.js";

/** What verify counted; each failed read counts once, under the worst thing it found. */
export interface VerifyCounts {
  /** Reads checked against the model. */
  checked: number;
  /** Writes that ended well, now what their blocks must hold. */
  acknowledged: number;
  /** Writes that ended with an error or were aborted: their blocks may hold the old or the new data. */
  failedWrites: number;
  /** Reads that found the data a block held before its last acknowledged write (that write is missing). */
  lost: number;
  /** Reads that found data older still (an old write landed late, or old data was served). */
  stale: number;
  /** Reads that found a block mixing two writes, or an I/O whose blocks are from different writes. */
  torn: number;
  /** Reads that found a block written for another LBA. */
  misdirected: number;
  /** Reads that found a block of this LBA from a write that had not ended when the block was last settled. */
  phantom: number;
  /** Reads that left the poison in a block: the device moved no data there. */
  unfilled: number;
  /** Reads that found no stamp of this run at all. */
  garbled: number;
}

/** Counts with every figure 0. */
export function noVerifyCounts(): VerifyCounts {
  return {
    checked: 0,
    acknowledged: 0,
    failedWrites: 0,
    lost: 0,
    stale: 0,
    torn: 0,
    misdirected: 0,
    phantom: 0,
    unfilled: 0,
    garbled: 0,
  };
}

/** The kinds of failure, worst first: a read with several counts under the first. */
const KINDS = ["misdirected", "garbled", "unfilled", "torn", "phantom", "stale", "lost"] as const;
type Kind = (typeof KINDS)[number];
const TORN = KINDS.indexOf("torn");

/** Acknowledged data that is not there: lost and stale reads. */
export function lostReads(c: VerifyCounts): number {
  return c.lost + c.stale;
}

/** Data that is wrong rather than old: torn, misdirected, phantom, unfilled and garbled reads. */
export function corruptedReads(c: VerifyCounts): number {
  return c.torn + c.misdirected + c.phantom + c.unfilled + c.garbled;
}

/** Reads that failed verification, of any kind. */
export function failedReads(c: VerifyCounts): number {
  return lostReads(c) + corruptedReads(c);
}

/** Adds `b`'s counts into `a`. */
export function addVerifyCounts(a: VerifyCounts, b: VerifyCounts): VerifyCounts {
  const sum = noVerifyCounts();
  for (const k of Object.keys(sum) as (keyof VerifyCounts)[]) sum[k] = a[k] + b[k];
  return sum;
}

/**
 * The model of `blocks` blocks from `firstLba`. Threading: one thread (the one running the job).
 * Sequence numbers are 32-bit: a model takes fewer than 2^32 writes.
 */
export class VerifyModel {
  /** The run's nonce: stamps of other runs do not count as this run's data. */
  readonly nonce: number;
  /** The counts so far. */
  readonly counts = noVerifyCounts();
  /** The first failure, described (LBA, what was expected, what was found), for a report. */
  firstFailure: string | undefined;
  /** Whether every block has been written once (by a prefill), so that every read has an answer. */
  filled = false;
  private seq = 0;
  private readonly expected: Uint32Array;
  private readonly previous: Uint32Array;
  private readonly pending: Uint32Array;
  private readonly reading = new StampReading();
  private readonly found = new Uint32Array(KINDS.length);

  /**
   * @param firstLba the first LBA of the range
   * @param blocks its length in blocks
   * @param nonce the run's nonce (default: a random one)
   */
  constructor(
    readonly firstLba: number,
    readonly blocks: number,
    nonce = (Math.random() * 2 ** 32) >>> 0,
  ) {
    this.nonce = nonce;
    this.expected = new Uint32Array(blocks);
    this.previous = new Uint32Array(blocks);
    this.pending = new Uint32Array(blocks);
  }

  /** The sequence number for the next write. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Stamps the `count` blocks of `v` for a write of `lba` with sequence `seq`. */
  stamp(v: BlockViews, lba: number, count: number, seq: number): void {
    for (let b = 0; b < count; b++) writeStamp(v, b, this.nonce, lba + b, seq);
  }

  /** Fills the buffer with {@link POISON} before a read. */
  poison(v: BlockViews): void {
    v.all.fill(POISON);
  }

  /** A write of `seq` to `count` blocks at `lba` ended: `ok` it was acknowledged, else it failed. */
  writeEnded(lba: number, count: number, seq: number, ok: boolean): void {
    const base = lba - this.firstLba;
    if (ok) this.counts.acknowledged++;
    else this.counts.failedWrites++;
    for (let i = base; i < base + count; i++) {
      if (ok) {
        this.previous[i] = this.expected[i]!;
        this.expected[i] = seq;
        this.pending[i] = 0;
      } else this.pending[i] = seq;
    }
  }

  /**
   * Checks what a read of `count` blocks at `lba` returned in `v` against the model, counts the
   * outcome and settles blocks an earlier failed write left open. Returns true when it is right.
   */
  check(v: BlockViews, lba: number, count: number): boolean {
    const found = this.found;
    found.fill(0);
    let right = 0;
    for (let b = 0; b < count; b++) {
      const kind = this.checkBlock(v, b, lba + b);
      if (kind < 0) right++;
      else found[kind]!++;
    }
    this.counts.checked++;
    if (right === count) return true;
    let worst = found.findIndex((n) => n > 0);
    // Some blocks of the I/O are right and others old: only part of a write landed.
    if (right > 0 && worst > TORN) worst = TORN;
    this.counts[KINDS[worst]!]++;
    this.firstFailure ??= this.describe(v, lba, count, KINDS[worst]!);
    return false;
  }

  /** The index in {@link KINDS} of what block `b` (for `lba`) shows, -1 when it is right. */
  private checkBlock(v: BlockViews, b: number, lba: number): number {
    const i = lba - this.firstLba;
    const expected = this.expected[i]!;
    const pending = this.pending[i]!;
    if (expected === 0 && pending === 0) return -1; // never written: nothing to hold it to
    const state = readStamp(v, b, this.nonce, this.reading);
    if (state === StampState.Unfilled) return KINDS.indexOf("unfilled");
    if (state === StampState.Garbled) return KINDS.indexOf("garbled");
    if (state === StampState.Torn) return KINDS.indexOf("torn");
    if (this.reading.lba !== lba) return KINDS.indexOf("misdirected");
    const seq = this.reading.seq;
    if (seq === expected || (pending !== 0 && seq > expected && seq <= pending)) {
      // A write that failed either landed or did not; now it is known which, and nothing may change it.
      if (pending !== 0) {
        if (seq !== expected) this.previous[i] = expected;
        this.expected[i] = seq;
        this.pending[i] = 0;
      }
      return -1;
    }
    if (seq === this.previous[i]) return KINDS.indexOf("lost");
    return seq < expected ? KINDS.indexOf("stale") : KINDS.indexOf("phantom");
  }

  private describe(v: BlockViews, lba: number, count: number, kind: Kind): string {
    const seen: string[] = [];
    for (let b = 0; b < count; b++) {
      const i = lba + b - this.firstLba;
      const state = readStamp(v, b, this.nonce, this.reading);
      const what =
        state === StampState.Whole ? `lba ${this.reading.lba} write #${this.reading.seq}` : StampState[state];
      seen.push(`${lba + b}: expected write #${this.expected[i]}, found ${what}`);
    }
    return `${kind} read of ${count} blocks at LBA ${lba} (${seen.join("; ")})`;
  }
}
