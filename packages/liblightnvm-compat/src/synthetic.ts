/**
 * The chunk table of a conventional namespace opened as chunks (the NOCD backend): state and write
 * pointer per synthetic chunk, kept in memory from what this device wrote and erased since it was
 * opened (the namespace itself has no such state; a new open starts with every chunk free).
 * @module
 */
import { NVM_CHUNK_STATE_CLOSED, NVM_CHUNK_STATE_FREE, NVM_CHUNK_STATE_OPEN } from "./constants.js";

/** Chunk states and write pointers of a synthetic geometry. */
export class SyntheticChunks {
  /** State per chunk (NVM_CHUNK_STATE_*). */
  readonly state: Uint8Array;
  /** Write pointer per chunk: the LBA after the highest one written since the last erase. */
  readonly wp: Float64Array;

  /**
   * @param nchunk chunks
   * @param nsectr sectors per chunk (chunks are contiguous: chunk c starts at LBA c * nsectr)
   */
  constructor(
    readonly nchunk: number,
    readonly nsectr: number,
  ) {
    this.state = new Uint8Array(nchunk).fill(NVM_CHUNK_STATE_FREE);
    this.wp = Float64Array.from({ length: nchunk }, (_, c) => c * nsectr);
  }

  /** Records a completed write of `count` sectors at `lba` (inside one chunk). */
  written(lba: number, count: number): void {
    const c = Math.floor(lba / this.nsectr);
    const end = (c + 1) * this.nsectr;
    this.wp[c] = Math.max(this.wp[c]!, lba + count);
    this.state[c] = this.wp[c] === end ? NVM_CHUNK_STATE_CLOSED : NVM_CHUNK_STATE_OPEN;
  }

  /** Records a completed erase of the chunk starting at `lba`. */
  erased(lba: number): void {
    const c = Math.floor(lba / this.nsectr);
    this.state[c] = NVM_CHUNK_STATE_FREE;
    this.wp[c] = c * this.nsectr;
  }
}
