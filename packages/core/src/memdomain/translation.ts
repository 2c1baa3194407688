/**
 * The result of translating memory of one domain into the terms of another (SPDK's
 * `spdk_memory_domain_translation_result` and `_translation_ctx`), and the coverage rule: a
 * translation that describes fewer bytes than asked is a failure (-EFAULT), never a silent
 * partial I/O.
 * @module
 */
import type { MemoryDomain } from "./domain.js";
import type { MemoryIoVec } from "./iovec.js";

/** RDMA keys of a translation into an RDMA domain (SPDK's `result.rdma`). */
export interface RdmaTranslationKeys {
  /** Local key: this host's NIC uses it to reach the memory. */
  lkey: number;
  /** Remote key: the peer uses it for RDMA READ/WRITE into the memory. */
  rkey: number;
}

/**
 * Filled by a translation callback; valid only when the translation returned 0. Reused across
 * calls by the I/O path (allocate it once with {@link createTranslationResult}).
 */
export interface MemoryDomainTranslationResult {
  /** Number of translated runs: 1 → `iov`, more → `iovs`. */
  iovCount: number;
  /** The single translated run when `iovCount` is 1: `addr` is the address in the destination domain (e.g. an IOVA). */
  readonly iov: MemoryIoVec;
  /** The translated runs when `iovCount` > 1; the callback owns the array until the I/O completes. */
  iovs: readonly MemoryIoVec[] | null;
  /** The destination domain the translation was for (set by `translateData`). */
  dstDomain: MemoryDomain | null;
  /** The keys, when the destination is an RDMA domain; null otherwise. */
  rdma: RdmaTranslationKeys | null;
}

/** Ancillary data for the destination of a translation (SPDK's `spdk_memory_domain_translation_ctx`). */
export interface MemoryDomainTranslationCtx {
  /** RDMA specifics. */
  readonly rdma?: {
    /** Opaque handle of the `ibv_qp` the keys are wanted for. */
    readonly qp: unknown;
  };
}

/** A fresh, empty translation result (allocate once, reuse for every translation). */
export function createTranslationResult(): MemoryDomainTranslationResult {
  return {
    iovCount: 0,
    iov: { bytes: null, offset: 0, length: 0, addr: 0 },
    iovs: null,
    dstDomain: null,
    rdma: null,
  };
}

/** Empties `result` for a translation into `dstDomain`, so nothing stale survives a callback that fills little. */
export function resetTranslationResult(result: MemoryDomainTranslationResult, dstDomain: MemoryDomain): void {
  result.iovCount = 0;
  const iov = result.iov;
  iov.bytes = null;
  iov.offset = 0;
  iov.length = 0;
  iov.addr = 0;
  result.iovs = null;
  result.dstDomain = dstDomain;
  result.rdma = null;
}

/** Bytes a translation result describes: the single run, or the sum of its runs. */
export function translationLength(result: MemoryDomainTranslationResult): number {
  if (result.iovCount === 1) return result.iov.length;
  const iovs = result.iovs;
  if (iovs === null) return 0;
  let total = 0;
  const n = Math.min(result.iovCount, iovs.length);
  for (let i = 0; i < n; i++) total += iovs[i]!.length;
  return total;
}
