/**
 * One memory domain (SPDK's `struct spdk_memory_domain`) and everything that takes a domain first:
 * getters, callback setters, and the operations in two faces. The callback face (`pullData`, ...)
 * is SPDK's: it returns 0 when the operation started and then calls the completion once, or a
 * negated errno and never calls it (-ENOTSUP when no callback is set, -EINVAL for bad iovecs or a
 * destination shorter than the source: checked before any callback runs, so nothing moves). It
 * allocates nothing. The RxJS face (`pullData$`, ...) wraps it, with typed errors.
 *
 * Which domain's callback runs, as in SPDK: pull → the source domain, push → the destination,
 * transfer → the destination, translate → the source, invalidate and memzero → the domain itself.
 * @module
 */
import type { Observable } from "rxjs";
import { EFAULT, EINVAL, ENOTSUP } from "../errors/errno.js";
import type {
  MemoryDomainDataCplCb,
  MemoryDomainInvalidateDataCb,
  MemoryDomainMemzeroCb,
  MemoryDomainPullDataCb,
  MemoryDomainPushDataCb,
  MemoryDomainTransferDataCb,
  MemoryDomainTranslateMemoryCb,
} from "./callbacks.js";
import type { MemoryDomainContext, MemoryDomainUserContext } from "./context.js";
import type { DmaDeviceType } from "./device-type.js";
import type { MemoryDomainOperation } from "./errors.js";
import type { MemoryIoVec } from "./iovec.js";
import { completion$, translation$ } from "./rx.js";
import {
  type MemoryDomainTranslationCtx,
  type MemoryDomainTranslationResult,
  resetTranslationResult,
  translationLength,
} from "./translation.js";
import { type ArgProblem, checkIov, checkMemzero, checkMove, checkObject, countOf } from "./validate.js";

function checkDomain(value: unknown, name: string): ArgProblem | null {
  return value instanceof MemoryDomain ? null : { argument: name, message: "is not a MemoryDomain" };
}

/**
 * A memory domain: memory some DMA device can reach, and how to move or translate data to and from it.
 * Create one with `createMemoryDomain` (which registers it); `getSystemMemoryDomain()` is always there.
 * @typeParam C the creator's context type (e.g. `RdmaMemoryDomainContext`)
 */
export class MemoryDomain<C extends MemoryDomainContext = MemoryDomainContext> {
  private pullCb: MemoryDomainPullDataCb | null = null;
  private pushCb: MemoryDomainPushDataCb | null = null;
  private transferCb: MemoryDomainTransferDataCb | null = null;
  private translateCb: MemoryDomainTranslateMemoryCb | null = null;
  private invalidateCb: MemoryDomainInvalidateDataCb | null = null;
  private memzeroCb: MemoryDomainMemzeroCb | null = null;

  /**
   * Use `createMemoryDomain` instead: it checks the arguments, copies the context and registers
   * the domain. A domain built here is invisible to `getFirstMemoryDomain`/`getNextMemoryDomain`.
   */
  constructor(
    private readonly type: DmaDeviceType,
    private readonly context: Readonly<C> | null,
    private readonly userContext: MemoryDomainUserContext | null,
    private readonly id: string | null,
  ) {}

  // ---- getters --------------------------------------------------------------------------------

  /** Whether a callback is set for `operation`, so a caller can choose a path before moving data. */
  supports(operation: MemoryDomainOperation): boolean {
    switch (operation) {
      case "pull":
        return this.pullCb !== null;
      case "push":
        return this.pushCb !== null;
      case "transfer":
        return this.transferCb !== null;
      case "translate":
        return this.translateCb !== null;
      case "memzero":
        return this.memzeroCb !== null;
    }
  }

  /** The (frozen, shallow) copy of the context given at creation, or null when none was given. */
  getContext(): Readonly<C> | null {
    return this.context;
  }

  /** The domain's copy of the creator's `userCtx` bytes with its size, or null when there are none. */
  getUserContext(): MemoryDomainUserContext | null {
    return this.userContext;
  }

  /** Type of the DMA device that can access this domain. */
  getDmaDeviceType(): DmaDeviceType {
    return this.type;
  }

  /** Identifier of the DMA device that can access this domain (null when created without one). */
  getDmaDeviceId(): string | null {
    return this.id;
  }

  // ---- callback setters: each overwrites the previous one; null removes it ----------------------

  /** Sets the pull callback (data from this domain into local memory). */
  setPull(pullCb: MemoryDomainPullDataCb | null): void {
    this.pullCb = pullCb;
  }

  /** Sets the push callback (data from local memory into this domain). */
  setPush(pushCb: MemoryDomainPushDataCb | null): void {
    this.pushCb = pushCb;
  }

  /** Sets the data-transfer callback (data from any domain into this one). */
  setDataTransfer(transferCb: MemoryDomainTransferDataCb | null): void {
    this.transferCb = transferCb;
  }

  /** Sets the translation callback (this domain's memory described for another domain). */
  setTranslation(translateCb: MemoryDomainTranslateMemoryCb | null): void {
    this.translateCb = translateCb;
  }

  /** Sets the invalidate callback (drop what a translation established). */
  setInvalidate(invalidateCb: MemoryDomainInvalidateDataCb | null): void {
    this.invalidateCb = invalidateCb;
  }

  /** Sets the memzero callback (zero-fill memory of this domain). */
  setMemzero(memzeroCb: MemoryDomainMemzeroCb | null): void {
    this.memzeroCb = memzeroCb;
  }

  // ---- callback face (SPDK): 0 = started, then cplCb once; negated errno = failed, no cplCb --------

  /**
   * Pulls the data at `srcIov` (memory of this domain) into local memory `dstIov`, which must hold
   * at least as many bytes. Returns 0 (then `cplCb(cplCbArg, rc)` follows once), -EINVAL, -ENOTSUP
   * or the callback's negated errno.
   */
  pullData<A>(
    srcDomainCtx: unknown,
    srcIov: readonly MemoryIoVec[],
    srcIovCnt: number,
    dstIov: readonly MemoryIoVec[],
    dstIovCnt: number,
    cplCb: MemoryDomainDataCplCb<A>,
    cplCbArg: A,
  ): number {
    if (checkMove(srcIov, srcIovCnt, "srcIov", dstIov, dstIovCnt, "dstIov") !== null) return -EINVAL;
    const cb = this.pullCb;
    if (cb === null) return -ENOTSUP;
    return cb(this, srcDomainCtx, srcIov, srcIovCnt, dstIov, dstIovCnt, cplCb, cplCbArg);
  }

  /**
   * Pushes the data of local memory `srcIov` into `dstIov` (memory of this domain), which must hold
   * at least as many bytes. Returns as {@link pullData}.
   */
  pushData<A>(
    dstDomainCtx: unknown,
    dstIov: readonly MemoryIoVec[],
    dstIovCnt: number,
    srcIov: readonly MemoryIoVec[],
    srcIovCnt: number,
    cplCb: MemoryDomainDataCplCb<A>,
    cplCbArg: A,
  ): number {
    if (checkMove(srcIov, srcIovCnt, "srcIov", dstIov, dstIovCnt, "dstIov") !== null) return -EINVAL;
    const cb = this.pushCb;
    if (cb === null) return -ENOTSUP;
    return cb(this, dstDomainCtx, dstIov, dstIovCnt, srcIov, srcIovCnt, cplCb, cplCbArg);
  }

  /**
   * Transfers the data at `srcIov` of `srcDomain` into `dstIov` of this domain, by this domain's
   * transfer callback; `srcTranslation` optionally carries a prior translation of the source.
   * Returns as {@link pullData}.
   */
  transferData<A>(
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
  ): number {
    if (checkDomain(srcDomain, "srcDomain") !== null) return -EINVAL;
    if (checkMove(srcIov, srcIovCnt, "srcIov", dstIov, dstIovCnt, "dstIov") !== null) return -EINVAL;
    const cb = this.transferCb;
    if (cb === null) return -ENOTSUP;
    return cb(
      this,
      dstDomainCtx,
      dstIov,
      dstIovCnt,
      srcDomain,
      srcDomainCtx,
      srcIov,
      srcIovCnt,
      srcTranslation,
      cplCb,
      cplCbArg,
    );
  }

  /**
   * Translates `src` (memory of this domain; SPDK's `addr` and `len`) into a description `dstDomain`
   * can use, in `result` (reset first; valid only on 0). No data moves. Returns 0, -EINVAL, -ENOTSUP,
   * the callback's negated errno, or -EFAULT when the result describes fewer than `src.length` bytes.
   */
  translateData(
    srcDomainCtx: unknown,
    dstDomain: MemoryDomain,
    dstDomainCtx: MemoryDomainTranslationCtx | null,
    src: MemoryIoVec,
    result: MemoryDomainTranslationResult,
  ): number {
    if (this.translateProblem(dstDomain, src, result) !== null) return -EINVAL;
    const cb = this.translateCb;
    if (cb === null) return -ENOTSUP;
    resetTranslationResult(result, dstDomain);
    const rc = cb(this, srcDomainCtx, dstDomain, dstDomainCtx, src, result);
    if (rc !== 0) return rc;
    // A partial translation would make the I/O path move less than asked: refuse it here, once.
    return translationLength(result) < src.length ? -EFAULT : 0;
  }

  /** Invalidates `iov[0..iovCnt)` of this domain (after a translation); a no-op without a callback. */
  invalidateData(domainCtx: unknown, iov: readonly MemoryIoVec[], iovCnt: number): void {
    const cb = this.invalidateCb;
    if (cb !== null) cb(this, domainCtx, iov, iovCnt);
  }

  /** Fills `iov[0..iovCnt)` (memory of this domain, at least one iovec) with zeroes. Returns as {@link pullData}. */
  memzero<A>(
    domainCtx: unknown,
    iov: readonly MemoryIoVec[],
    iovCnt: number,
    cplCb: MemoryDomainDataCplCb<A>,
    cplCbArg: A,
  ): number {
    if (checkMemzero(iov, iovCnt) !== null) return -EINVAL;
    const cb = this.memzeroCb;
    if (cb === null) return -ENOTSUP;
    return cb(this, domainCtx, iov, iovCnt, cplCb, cplCbArg);
  }

  // ---- RxJS face: cold, starts on subscribe, emits once and completes or errors once -------------

  /** {@link pullData} of whole arrays as an Observable; errors with InvalidArgumentError or MemoryDomainError. */
  pullData$(
    srcDomainCtx: unknown,
    srcIov: readonly MemoryIoVec[],
    dstIov: readonly MemoryIoVec[],
  ): Observable<void> {
    return completion$(
      "pull",
      this.id,
      () => checkMove(srcIov, countOf(srcIov), "srcIov", dstIov, countOf(dstIov), "dstIov"),
      (cb, arg) => this.pullData(srcDomainCtx, srcIov, srcIov.length, dstIov, dstIov.length, cb, arg),
    );
  }

  /** {@link pushData} of whole arrays as an Observable. */
  pushData$(
    dstDomainCtx: unknown,
    dstIov: readonly MemoryIoVec[],
    srcIov: readonly MemoryIoVec[],
  ): Observable<void> {
    return completion$(
      "push",
      this.id,
      () => checkMove(srcIov, countOf(srcIov), "srcIov", dstIov, countOf(dstIov), "dstIov"),
      (cb, arg) => this.pushData(dstDomainCtx, dstIov, dstIov.length, srcIov, srcIov.length, cb, arg),
    );
  }

  /** {@link transferData} of whole arrays as an Observable. */
  transferData$(
    dstDomainCtx: unknown,
    dstIov: readonly MemoryIoVec[],
    srcDomain: MemoryDomain,
    srcDomainCtx: unknown,
    srcIov: readonly MemoryIoVec[],
    srcTranslation: MemoryDomainTranslationResult | null = null,
  ): Observable<void> {
    return completion$(
      "transfer",
      this.id,
      () =>
        checkDomain(srcDomain, "srcDomain") ??
        checkMove(srcIov, countOf(srcIov), "srcIov", dstIov, countOf(dstIov), "dstIov"),
      (cb, arg) =>
        this.transferData(
          dstDomainCtx,
          dstIov,
          dstIov.length,
          srcDomain,
          srcDomainCtx,
          srcIov,
          srcIov.length,
          srcTranslation,
          cb,
          arg,
        ),
    );
  }

  /**
   * {@link translateData} into a fresh result as an Observable; a translation that covers fewer bytes
   * than `src.length` errors with ShortTranslationError.
   */
  translateData$(
    srcDomainCtx: unknown,
    dstDomain: MemoryDomain,
    dstDomainCtx: MemoryDomainTranslationCtx | null,
    src: MemoryIoVec,
  ): Observable<MemoryDomainTranslationResult> {
    return translation$(
      this.id,
      src?.length ?? 0,
      () => checkDomain(dstDomain, "dstDomain") ?? checkIov(src, "src"),
      (result) => this.translateData(srcDomainCtx, dstDomain, dstDomainCtx, src, result),
    );
  }

  /** {@link memzero} of a whole array as an Observable. */
  memzero$(domainCtx: unknown, iov: readonly MemoryIoVec[]): Observable<void> {
    return completion$(
      "memzero",
      this.id,
      () => checkMemzero(iov, countOf(iov)),
      (cb, arg) => this.memzero(domainCtx, iov, iov.length, cb, arg),
    );
  }

  private translateProblem(
    dstDomain: MemoryDomain,
    src: MemoryIoVec,
    result: MemoryDomainTranslationResult,
  ): ArgProblem | null {
    return checkDomain(dstDomain, "dstDomain") ?? checkIov(src, "src") ?? checkObject(result, "result");
  }
}
