/**
 * Ready-made callbacks for domains whose memory the CPU can see (plain JS memory, memory shared with
 * a worker, DMA buffers): pull, push and transfer copy with {@link copyIovs}, memzero fills with
 * {@link zeroIovs}. They complete synchronously (the completion runs before they return 0) and
 * allocate nothing; an iovec without `bytes` makes them return -EINVAL without moving anything.
 * A bounce-style domain installs them with `domain.setPull(pullByCopy)` and so on.
 * @module
 */

import { EINVAL } from "../errors/errno.js";
import type { MemoryDomainDataCplCb } from "./callbacks.js";
import { copyIovs, zeroIovs } from "./copy.js";
import type { MemoryDomain } from "./domain.js";
import { iovsHaveBytes, type MemoryIoVec } from "./iovec.js";

function copyAndComplete<A>(
  dst: readonly MemoryIoVec[],
  dstCnt: number,
  src: readonly MemoryIoVec[],
  srcCnt: number,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
): number {
  if (!iovsHaveBytes(dst, dstCnt) || !iovsHaveBytes(src, srcCnt)) return -EINVAL;
  copyIovs(dst, dstCnt, src, srcCnt);
  cplCb(cplCbArg, 0);
  return 0;
}

/** A pull callback that copies `srcIov` into `dstIov` by the CPU. */
export function pullByCopy<A>(
  _srcDomain: MemoryDomain,
  _srcDomainCtx: unknown,
  srcIov: readonly MemoryIoVec[],
  srcIovCnt: number,
  dstIov: readonly MemoryIoVec[],
  dstIovCnt: number,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
): number {
  return copyAndComplete(dstIov, dstIovCnt, srcIov, srcIovCnt, cplCb, cplCbArg);
}

/** A push callback that copies `srcIov` into `dstIov` by the CPU. */
export function pushByCopy<A>(
  _dstDomain: MemoryDomain,
  _dstDomainCtx: unknown,
  dstIov: readonly MemoryIoVec[],
  dstIovCnt: number,
  srcIov: readonly MemoryIoVec[],
  srcIovCnt: number,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
): number {
  return copyAndComplete(dstIov, dstIovCnt, srcIov, srcIovCnt, cplCb, cplCbArg);
}

/** A transfer callback that copies by the CPU (both domains' memory must be visible); ignores the translation. */
export function transferByCopy<A>(
  _dstDomain: MemoryDomain,
  _dstDomainCtx: unknown,
  dstIov: readonly MemoryIoVec[],
  dstIovCnt: number,
  _srcDomain: MemoryDomain,
  _srcDomainCtx: unknown,
  srcIov: readonly MemoryIoVec[],
  srcIovCnt: number,
  _srcTranslation: unknown,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
): number {
  return copyAndComplete(dstIov, dstIovCnt, srcIov, srcIovCnt, cplCb, cplCbArg);
}

/** A memzero callback that fills the iovecs with zeroes by the CPU. */
export function memzeroByFill<A>(
  _domain: MemoryDomain,
  _domainCtx: unknown,
  iov: readonly MemoryIoVec[],
  iovCnt: number,
  cplCb: MemoryDomainDataCplCb<A>,
  cplCbArg: A,
): number {
  if (!iovsHaveBytes(iov, iovCnt)) return -EINVAL;
  zeroIovs(iov, iovCnt);
  cplCb(cplCbArg, 0);
  return 0;
}
