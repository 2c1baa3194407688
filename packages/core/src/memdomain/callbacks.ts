/**
 * The callback types a domain's creator installs (SPDK's `spdk_memory_domain_*_cb` typedefs).
 *
 * The contract of every asynchronous one (pull, push, transfer, memzero): return 0 when the
 * operation started, and then call `cplCb(cplCbArg, rc)` exactly once, synchronously before
 * returning or later; return a negated errno when it did not start, and then never call `cplCb`.
 * The completion argument is typed (`A`) so static completion functions need no closure per call.
 * @module
 */
import type { MemoryDomain } from "./domain.js";
import type { MemoryIoVec } from "./iovec.js";
import type { MemoryDomainTranslationCtx, MemoryDomainTranslationResult } from "./translation.js";

/** Completion of pull, push, transfer or memzero: `rc` is 0 or a negated errno. */
export type MemoryDomainDataCplCb<A> = (arg: A, rc: number) => void;

/** Pulls data from `srcDomain` into local memory `dstIov` (which is at least as long as `srcIov`). */
export type MemoryDomainPullDataCb = <A>(
  srcDomain: MemoryDomain,
  srcDomainCtx: unknown,
  srcIov: readonly MemoryIoVec[],
  srcIovCnt: number,
  dstIov: readonly MemoryIoVec[],
  dstIovCnt: number,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
) => number;

/** Pushes data from local memory `srcIov` into `dstDomain` at `dstIov`. */
export type MemoryDomainPushDataCb = <A>(
  dstDomain: MemoryDomain,
  dstDomainCtx: unknown,
  dstIov: readonly MemoryIoVec[],
  dstIovCnt: number,
  srcIov: readonly MemoryIoVec[],
  srcIovCnt: number,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
) => number;

/** Transfers data from `srcDomain` to `dstDomain`, optionally using a prior translation of the source. */
export type MemoryDomainTransferDataCb = <A>(
  dstDomain: MemoryDomain,
  dstDomainCtx: unknown,
  dstIov: readonly MemoryIoVec[],
  dstIovCnt: number,
  srcDomain: MemoryDomain,
  srcDomainCtx: unknown,
  srcIov: readonly MemoryIoVec[],
  srcIovCnt: number,
  srcTranslation: MemoryDomainTranslationResult | null,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
) => number;

/** Fills memory of `domain` with zeroes. */
export type MemoryDomainMemzeroCb = <A>(
  domain: MemoryDomain,
  domainCtx: unknown,
  iov: readonly MemoryIoVec[],
  iovCnt: number,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
) => number;

/**
 * Translates `src` (memory of `srcDomain`) into a description `dstDomain` can use, filling `result`;
 * synchronous, returns 0 or a negated errno. No data moves.
 */
export type MemoryDomainTranslateMemoryCb = (
  srcDomain: MemoryDomain,
  srcDomainCtx: unknown,
  dstDomain: MemoryDomain,
  dstDomainCtx: MemoryDomainTranslationCtx | null,
  src: MemoryIoVec,
  result: MemoryDomainTranslationResult,
) => number;

/** Invalidates a range of `domain` (typically a former translation result); no result. */
export type MemoryDomainInvalidateDataCb = (
  domain: MemoryDomain,
  domainCtx: unknown,
  iov: readonly MemoryIoVec[],
  iovCnt: number,
) => void;
