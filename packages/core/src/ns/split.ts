/**
 * I/O splitting, as SPDK's nvme_ns_cmd.c does it: a read or write larger than the controller's
 * maximum data transfer (MDTS), or crossing the namespace's optimal I/O boundary (NOIOB), is issued
 * as several child commands. These functions compute the children's lengths without allocating.
 *
 * SPDK splits either at the boundary (stripe) or by MDTS, and finds the boundary with
 * `lba & (noiob - 1)`, which is right only for powers of two. NOIOB need not be one, so here a child
 * ends at the first of: the request's end, MDTS, the next multiple of NOIOB, and 65536 blocks (the
 * Number of Logical Blocks field is 16 bits, 0's based).
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";

/** Most logical blocks one read/write command can carry (NLB is a 16-bit 0's based count). */
export const MAX_BLOCKS_PER_COMMAND = 0x1_0000;

/**
 * The largest transfer in blocks that MDTS allows: 2^mdts minimum-size memory pages (CAP.MPSMIN),
 * divided by the block size (data plus interleaved metadata for extended LBAs). 0 means no limit
 * (MDTS = 0).
 * @param mdts Identify Controller MDTS
 * @param minPageSize CAP.MPSMIN as bytes (4096 for MPSMIN = 0)
 * @param blockBytes bytes transferred per logical block
 * @throws InvalidArgumentError when MDTS is smaller than one block
 */
export function mdtsBlocks(mdts: number, minPageSize: number, blockBytes: number): number {
  if (mdts === 0) return 0;
  const blocks = Math.floor((2 ** mdts * minPageSize) / blockBytes);
  if (blocks < 1) {
    throw new InvalidArgumentError("blockBytes", `a ${blockBytes}-byte block exceeds the MDTS transfer size`);
  }
  return blocks;
}

/** The most blocks a child may carry: MDTS when set, never more than one command can hold. */
function childLimit(maxBlocksPerIo: number): number {
  return maxBlocksPerIo > 0 ? Math.min(maxBlocksPerIo, MAX_BLOCKS_PER_COMMAND) : MAX_BLOCKS_PER_COMMAND;
}

/**
 * Blocks in the next child of a request at `lba` with `remainingBlocks` to go.
 * @param maxBlocksPerIo MDTS in blocks (see {@link mdtsBlocks}); 0 for no limit
 * @param boundaryBlocks NOIOB in blocks; 0 for none
 */
export function nextChildBlocks(
  lba: number,
  remainingBlocks: number,
  maxBlocksPerIo: number,
  boundaryBlocks: number,
): number {
  const n = Math.min(remainingBlocks, childLimit(maxBlocksPerIo));
  return boundaryBlocks > 0 ? Math.min(n, boundaryBlocks - (lba % boundaryBlocks)) : n;
}

/**
 * Whether a request of `blocks` blocks at `lba` goes as one command ({@link countChildren} is 1), in
 * one test: no call, and no division unless a request of several blocks meets a boundary (one block
 * never crosses one). For the per-I/O path.
 * @param maxBlocksPerIo MDTS in blocks; 0 for no limit
 * @param boundaryBlocks NOIOB or zone size in blocks; 0 for none
 */
export function isOneCommand(
  lba: number,
  blocks: number,
  maxBlocksPerIo: number,
  boundaryBlocks: number,
): boolean {
  return (
    blocks >= 1 &&
    blocks <= MAX_BLOCKS_PER_COMMAND &&
    (maxBlocksPerIo <= 0 || blocks <= maxBlocksPerIo) &&
    (blocks === 1 || boundaryBlocks <= 0 || (lba % boundaryBlocks) + blocks <= boundaryBlocks)
  );
}

/**
 * How many child commands {@link nextChildBlocks} cuts a request of `blocks` blocks at `lba` into
 * (1 when it needs no split, 0 for an empty request). Closed form, so a huge Write Zeroes costs no loop.
 */
export function countChildren(
  lba: number,
  blocks: number,
  maxBlocksPerIo: number,
  boundaryBlocks: number,
): number {
  if (blocks <= 0) return 0;
  const max = childLimit(maxBlocksPerIo);
  if (boundaryBlocks <= 0) return blocks <= max ? 1 : Math.ceil(blocks / max); // no division when unsplit
  return countAcrossBoundaries(lba, blocks, max, boundaryBlocks);
}

/**
 * {@link countChildren} with a boundary, apart so that the common case stays small enough for V8 to
 * inline into the per-I/O path: the piece up to the first boundary, then whole boundary intervals,
 * then the tail, each cut by `max`.
 */
function countAcrossBoundaries(lba: number, blocks: number, max: number, boundaryBlocks: number): number {
  const head = Math.min(blocks, boundaryBlocks - (lba % boundaryBlocks));
  const whole = Math.floor((blocks - head) / boundaryBlocks);
  const tail = blocks - head - whole * boundaryBlocks;
  return Math.ceil(head / max) + whole * Math.ceil(boundaryBlocks / max) + Math.ceil(tail / max);
}
