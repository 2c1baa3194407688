/**
 * Physical Region Page (PRP) data pointers, built as libvfn's nvme_rq_map_prp / nvme_rq_mapv_prp do,
 * after the NVMe base specification (Data Pointer, PRP Entry, PRP List):
 *
 * - PRP1 is the first byte's address; it may have a page offset, which must be dword-aligned.
 * - Data within one memory page: PRP2 = 0. Within exactly two pages: PRP2 is the second page's address.
 * - More pages: PRP2 points to a PRP list of the remaining pages' addresses, 8 bytes each, so one list
 *   page holds pageSize / 8 entries. When more remain, the last entry of a full list page points to
 *   the next list page instead of data (a chained list).
 *
 * Pure functions over IOVAs: they write the command's DPTR and the tracker's preallocated list
 * pages and allocate nothing.
 * @module
 */
import type { IoVec } from "../dma/dma-memory.js";
import { InvalidArgumentError } from "../errors/errors.js";
import { hi32, lo32 } from "../nvme-spec/bytes.js";
import { DataPointerType, type NvmeCommand } from "../nvme-spec/command.js";
import { putU64 } from "./put-u64.js";

/**
 * PRP list pages preallocated once for one request tracker. Every page is page-aligned DMA memory;
 * entry `i` of page `p` is dwords `2i` (low) and `2i + 1` (high) of `pages[p]`.
 */
export interface PrpListPages {
  /** One view per list page, each pageSize / 4 dwords long. */
  readonly pages: readonly Uint32Array[];
  /** The IOVA of each page, in the same order. */
  readonly iovas: readonly number[];
}

/**
 * How many PRP list pages `entries` list entries need with `pageSize` pages: one page while they
 * fit, else every page but the last gives one slot to the chain pointer.
 */
export function prpListPagesNeeded(entries: number, pageSize: number): number {
  const perPage = pageSize / 8;
  if (entries <= 0) return 0;
  if (entries <= perPage) return 1;
  return 1 + Math.ceil((entries - perPage) / (perPage - 1));
}

/**
 * Sets PRP1/PRP2 (and the list pages if needed) for `length` bytes contiguous from `iova`, with
 * `pageSize` the controller's memory page size (a power of two, as CC.MPS makes it).
 * @throws InvalidArgumentError when `length` is not positive, `iova` is not dword-aligned, or the
 *   transfer needs more list pages than `pages` has.
 */
export function mapPrp(
  cmd: NvmeCommand,
  iova: number,
  length: number,
  pageSize: number,
  pages: PrpListPages,
): void {
  if (mapOnePagePrp(cmd, iova, length, pageSize)) return;
  if (!(Number.isSafeInteger(length) && length > 0))
    throw new InvalidArgumentError("length", `must be a positive whole number, got ${length}`);
  checkFirstAddress(iova, "iova");
  // Integer arithmetic only on the common path: the page size is a power of two that divides 2^32,
  // so the low dword gives the page offset, and a transfer within one page needs no division.
  const offset = lo32(iova) & (pageSize - 1);
  const firstPage = iova - offset;
  const end = offset + length;
  const listed = end <= pageSize ? 0 : Math.ceil(end / pageSize) - 1; // pages after PRP1's
  checkCapacity(listed, pageSize, pages);
  cmd.prp1 = iova;
  for (let k = 0; k < listed; k++) putPage(cmd, k, listed, firstPage + (k + 1) * pageSize, pageSize, pages);
  finish(cmd, listed, pageSize, pages);
}

/**
 * {@link mapPrp} for a transfer within one memory page (PRP1 alone, PRP2 = 0), the common 4 KiB I/O,
 * in one test and four stores: small enough for V8 to inline into the per-I/O path. Returns false,
 * writing nothing, for anything else (more pages, or input {@link mapPrp} refuses).
 */
export function mapOnePagePrp(cmd: NvmeCommand, iova: number, length: number, pageSize: number): boolean {
  // `iova & x` reads the low dword, which holds the page offset (pageSize divides 2^32).
  const offset = iova & (pageSize - 1);
  if (
    !(
      Number.isSafeInteger(iova) &&
      iova >= 0 &&
      (offset & 3) === 0 &&
      Number.isInteger(length) &&
      length > 0 &&
      offset + length <= pageSize
    )
  )
    return false;
  const dw = cmd.dw;
  dw[0] = dw[0]! & ~0xc000; // PSDT 0: PRPs (a reused command may carry an SGL's)
  dw[6] = lo32(iova);
  dw[7] = hi32(iova);
  dw[8] = 0;
  dw[9] = 0;
  return true;
}

/**
 * Sets PRP1/PRP2 (and the list pages if needed) for the first `niov` elements of `iov`. The first
 * element may start anywhere dword-aligned but, unless it is the only one, must end on a page
 * boundary; every later element must start on a page boundary, and all but the last must end on one
 * (PRPs cannot describe a gap inside a page).
 * @throws InvalidArgumentError naming the element and the rule it breaks, or when the list pages
 *   are too few.
 */
export function mapvPrp(
  cmd: NvmeCommand,
  iov: readonly IoVec[],
  niov: number,
  pageSize: number,
  pages: PrpListPages,
): void {
  if (!(niov >= 1 && niov <= iov.length)) {
    throw new InvalidArgumentError("niov", `must be 1..${iov.length} (the iov's length), got ${niov}`);
  }
  const listed = checkPrpVector(iov, niov, pageSize) - 1;
  checkCapacity(listed, pageSize, pages);
  const first = iov[0]!.iova;
  cmd.prp1 = first;
  // k counts pages after PRP1's; element 0 contributes its pages after the first.
  let k = 0;
  for (let i = 0; i < niov; i++) {
    const { iova, length } = iov[i]!;
    const base = iova - (iova % pageSize);
    const n = Math.ceil((iova - base + length) / pageSize);
    for (let p = i === 0 ? 1 : 0; p < n; p++) putPage(cmd, k++, listed, base + p * pageSize, pageSize, pages);
  }
  finish(cmd, listed, pageSize, pages);
}

/**
 * Checks that the first `niov` elements of `iov` can be described with PRPs (the rules of
 * {@link mapvPrp}) and returns how many memory pages they touch.
 * @throws InvalidArgumentError naming the element and the rule it breaks
 */
export function checkPrpVector(iov: readonly IoVec[], niov: number, pageSize: number): number {
  let pageCount = 0;
  for (let i = 0; i < niov; i++) {
    const { iova, length } = iov[i]!;
    if (!(Number.isSafeInteger(length) && length > 0))
      throw new InvalidArgumentError(`iov[${i}]`, `length must be a positive whole number, got ${length}`);
    if (i === 0) checkFirstAddress(iova, "iov[0]");
    else if (iova % pageSize !== 0) {
      throw new InvalidArgumentError(`iov[${i}]`, `must start on a ${pageSize}-byte page boundary`);
    }
    if (i < niov - 1 && (iova + length) % pageSize !== 0) {
      throw new InvalidArgumentError(
        `iov[${i}]`,
        `must end on a ${pageSize}-byte page boundary because another element follows`,
      );
    }
    pageCount += Math.ceil(((iova % pageSize) + length) / pageSize);
  }
  return pageCount;
}

function checkFirstAddress(iova: number, what: string): void {
  if (!Number.isSafeInteger(iova) || iova < 0 || (lo32(iova) & 3) !== 0) {
    throw new InvalidArgumentError(what, `address ${iova} must be a dword-aligned (multiple of 4) IOVA`);
  }
}

function checkCapacity(listed: number, pageSize: number, pages: PrpListPages): void {
  if (listed < 2) return; // PRP2 holds it directly
  const needed = prpListPagesNeeded(listed, pageSize);
  if (needed > pages.pages.length) {
    throw new InvalidArgumentError(
      "length",
      `the transfer spans ${listed + 1} pages and needs ${needed} PRP list pages, but the tracker ` +
        `has ${pages.pages.length}; split the I/O into smaller commands`,
    );
  }
}

/** Places the address of the `k`-th page after PRP1's, out of `listed` such pages. */
function putPage(
  cmd: NvmeCommand,
  k: number,
  listed: number,
  address: number,
  pageSize: number,
  pages: PrpListPages,
): void {
  if (listed === 1) {
    cmd.prp2 = address;
    return;
  }
  const perPage = pageSize / 8;
  if (listed <= perPage) {
    putU64(pages.pages[0]!, 2 * k, address);
    return;
  }
  // Chained: all list pages but the last hold perPage - 1 data entries.
  const last = prpListPagesNeeded(listed, pageSize) - 1;
  const page = Math.min(Math.floor(k / (perPage - 1)), last);
  putU64(pages.pages[page]!, 2 * (k - page * (perPage - 1)), address);
}

/** Marks the command as using PRPs, sets PRP2 when it is 0 or a list, and links chained list pages. */
function finish(cmd: NvmeCommand, listed: number, pageSize: number, pages: PrpListPages): void {
  cmd.psdt = DataPointerType.Prp; // a reused command may carry an SGL's PSDT
  if (listed === 0) cmd.prp2 = 0;
  if (listed < 2) return;
  cmd.prp2 = pages.iovas[0]!;
  const perPage = pageSize / 8;
  const used = prpListPagesNeeded(listed, pageSize);
  for (let p = 0; p + 1 < used; p++) putU64(pages.pages[p]!, 2 * (perPage - 1), pages.iovas[p + 1]!);
}
