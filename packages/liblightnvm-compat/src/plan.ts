/**
 * From addresses to NVMe commands: each command of a vector is a run of consecutive LBAs inside one
 * chunk, no longer than one command may carry; a scalar range is one run, cut the same way. Pure
 * functions over a geometry, so they are tested apart from any device.
 * @module
 */
import { type AddressSpace, type nvm_addr, nvm_addr_check, nvm_addr_gen2dev } from "./addr.js";
import { NVM_NADDR_MAX } from "./constants.js";

/** One NVMe command of an nvm_* command: `count` sectors at `lba`, from sector `offset` of the data. */
export interface Piece {
  /** First LBA. */
  lba: number;
  /** Sectors. */
  count: number;
  /** Index of its first sector in the command's data (and address list). */
  offset: number;
}

/** Pieces to plan into: {@link NVM_NADDR_MAX} of them, allocated once and reused. */
export function pieceArray(): Piece[] {
  return Array.from({ length: NVM_NADDR_MAX }, () => ({ lba: 0, count: 0, offset: 0 }));
}

/** What is wrong with `naddrs` addresses of `addrs` for a vector command, or null. */
export function checkVector(dev: AddressSpace, addrs: readonly nvm_addr[], naddrs: number): string | null {
  if (!Array.isArray(addrs) || !Number.isInteger(naddrs) || naddrs < 1 || naddrs > NVM_NADDR_MAX)
    return vectorProblem(dev, addrs, naddrs);
  if (naddrs > addrs.length) return vectorProblem(dev, addrs, naddrs);
  for (let i = 0; i < naddrs; i++)
    if (nvm_addr_check(dev, addrs[i]!) !== 0) return vectorProblem(dev, addrs, naddrs);
  return null;
}

/** The message of a vector {@link checkVector} refuses (built off the per-command path). */
function vectorProblem(dev: AddressSpace, addrs: readonly nvm_addr[], naddrs: number): string {
  if (!Array.isArray(addrs)) return "addrs is not an array of nvm_addr";
  if (!Number.isInteger(naddrs) || naddrs < 1 || naddrs > NVM_NADDR_MAX || naddrs > addrs.length)
    return `naddrs ${naddrs}: give 1 to ${Math.min(NVM_NADDR_MAX, addrs.length)} (addrs holds ${addrs.length}, a vector at most ${NVM_NADDR_MAX})`;
  let i = 0;
  while (nvm_addr_check(dev, addrs[i]!) === 0) i++;
  return `addrs[${i}] is outside the geometry (nvm_addr_check 0x${nvm_addr_check(dev, addrs[i]!).toString(16)})`;
}

/** How long a piece may be: `maxBlocks` sectors, never across a multiple of `boundary` (0: none). */
export interface PieceLimit {
  /** Sectors one NVMe command carries at most. */
  maxBlocks: number;
  /** LBA multiple no piece crosses (the namespace's split boundary, e.g. NOIOB), 0 for none. */
  boundary: number;
}

/**
 * Plans a vector: consecutive addresses with consecutive LBAs in one chunk merge into one piece, up
 * to the limit. Returns the number of pieces (at most `naddrs`); the addresses must have passed
 * {@link checkVector}.
 */
export function planVector(
  dev: AddressSpace,
  addrs: readonly nvm_addr[],
  naddrs: number,
  limit: PieceLimit,
  out: Piece[],
): number {
  let n = 0;
  let cur: Piece | null = null;
  let chunk = -1;
  for (let i = 0; i < naddrs; i++) {
    const a = addrs[i]!;
    const lba = nvm_addr_gen2dev(dev, a);
    const key = (a.pugrp * dev.geo.npunit + a.punit) * dev.geo.nchunk + a.chunk;
    if (
      cur !== null &&
      key === chunk &&
      lba === cur.lba + cur.count &&
      cur.count < limit.maxBlocks &&
      (limit.boundary === 0 || lba % limit.boundary !== 0)
    ) {
      cur.count++;
      continue;
    }
    cur = out[n++]!;
    cur.lba = lba;
    cur.count = 1;
    cur.offset = i;
    chunk = key;
  }
  return n;
}

/** What is wrong with a scalar range of `naddrs` sectors from `addrs[0]`, or null. */
export function checkScalar(dev: AddressSpace, addrs: readonly nvm_addr[], naddrs: number): string | null {
  return Array.isArray(addrs) &&
    addrs.length >= 1 &&
    nvm_addr_check(dev, addrs[0]!) === 0 &&
    Number.isInteger(naddrs) &&
    naddrs >= 1 &&
    naddrs <= dev.geo.nsectr - addrs[0]!.sectr
    ? null
    : scalarProblem(dev, addrs, naddrs);
}

/** The message of a range {@link checkScalar} refuses (built off the per-command path). */
function scalarProblem(dev: AddressSpace, addrs: readonly nvm_addr[], naddrs: number): string {
  if (!Array.isArray(addrs) || addrs.length < 1) return "addrs must hold the start address";
  const bad = nvm_addr_check(dev, addrs[0]!);
  if (bad !== 0) return `addrs[0] is outside the geometry (nvm_addr_check 0x${bad.toString(16)})`;
  return `naddrs ${naddrs}: a scalar range stays in its chunk: give 1 to ${dev.geo.nsectr - addrs[0]!.sectr}`;
}

/**
 * Plans a scalar range (checked by {@link checkScalar}) into pieces within the limit. Returns the
 * number of pieces, or -1 when that would be more than {@link NVM_NADDR_MAX}.
 */
export function planScalar(
  dev: AddressSpace,
  start: nvm_addr,
  naddrs: number,
  limit: PieceLimit,
  out: Piece[],
): number {
  const lba = nvm_addr_gen2dev(dev, start);
  let n = 0;
  for (let done = 0; done < naddrs; ) {
    if (n === NVM_NADDR_MAX) return -1;
    const at = lba + done;
    const left = naddrs - done;
    // One sector crosses no boundary: the common 4 KiB command divides nothing.
    const toBoundary = limit.boundary === 0 || left === 1 ? left : limit.boundary - (at % limit.boundary);
    const p = out[n++]!;
    p.lba = at;
    p.count = Math.min(limit.maxBlocks, left, toBoundary);
    p.offset = done;
    done += p.count;
  }
  return n;
}

/**
 * Plans an erase: one piece per distinct chunk, in the order of first appearance, with the chunk's
 * first LBA and `nsectr` sectors (sector fields are not looked at).
 */
export function planChunks(
  dev: AddressSpace,
  addrs: readonly nvm_addr[],
  naddrs: number,
  out: Piece[],
): number {
  let n = 0;
  for (let i = 0; i < naddrs; i++) {
    const a = addrs[i]!;
    const lba = nvm_addr_gen2dev(dev, { pugrp: a.pugrp, punit: a.punit, chunk: a.chunk, sectr: 0 });
    let seen = false;
    for (let j = 0; j < n && !seen; j++) seen = out[j]!.lba === lba;
    if (seen) continue;
    const p = out[n++]!;
    p.lba = lba;
    p.count = dev.geo.nsectr;
    p.offset = i;
  }
  return n;
}

/** Checks the addresses of an erase or append (every field but the sector must be valid), or null. */
export function checkChunks(dev: AddressSpace, addrs: readonly nvm_addr[], naddrs: number): string | null {
  if (!Array.isArray(addrs)) return "addrs is not an array of nvm_addr";
  if (!Number.isInteger(naddrs) || naddrs < 1 || naddrs > NVM_NADDR_MAX || naddrs > addrs.length)
    return `naddrs ${naddrs}: give 1 to ${Math.min(NVM_NADDR_MAX, addrs.length)}`;
  for (let i = 0; i < naddrs; i++) {
    const a = addrs[i]!;
    const bad = nvm_addr_check(dev, {
      pugrp: a?.pugrp,
      punit: a?.punit,
      chunk: a?.chunk,
      sectr: 0,
    } as nvm_addr);
    if (bad !== 0) return `addrs[${i}] names no chunk of the geometry (nvm_addr_check 0x${bad.toString(16)})`;
  }
  return null;
}
