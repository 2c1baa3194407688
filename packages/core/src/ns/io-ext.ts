/**
 * Namespace I/O from and to memory domains (SPDK's *_ext commands with a memory domain in their
 * options). The buffers may live anywhere a domain describes: when the domain can translate them into
 * addresses the controller reaches, the command carries those addresses; otherwise the data goes
 * through a DMA bounce buffer, pulled from the domain before a write and pushed to it after a read.
 * Every combination that cannot work is a typed error before anything is submitted.
 * @module
 */
import { lastValueFrom } from "rxjs";
import { type Payload, PayloadKind } from "../dataptr/payload.js";
import { checkPrpVector } from "../dataptr/prp.js";
import type { DmaBuffer, IoVec } from "../dma/dma-memory.js";
import { EFAULT } from "../errors/errno.js";
import { InvalidArgumentError } from "../errors/errors.js";
import type { MemoryDomain } from "../memdomain/domain.js";
import { MemoryDomainError, ShortTranslationError } from "../memdomain/errors.js";
import { iovsHaveBytes, iovTotalLength, type MemoryIoVec } from "../memdomain/iovec.js";
import { getSystemMemoryDomain } from "../memdomain/registry.js";
import { createTranslationResult, translationLength } from "../memdomain/translation.js";
import { checkIovs } from "../memdomain/validate.js";
import { NvmOpcode } from "../nvme-spec/opcodes.js";
import { awaitCompletion } from "../qpair/promise.js";
import type { QueuePair } from "../qpair/queue-pair.js";
import { checkRange, submitDataCommand, transferBlockSize } from "./io.js";
import type { Namespace } from "./namespace.js";

/** Options of the extended commands (SPDK's spdk_nvme_ns_cmd_ext_io_opts). */
export interface ExtIoOptions {
  /** The domain the buffers belong to; absent or the system domain: they are this controller's DMA memory. */
  memoryDomain?: MemoryDomain | null;
  /** The domain's context for this I/O, handed to its callbacks. */
  memoryDomainCtx?: unknown;
  /** {@link IoFlags}. */
  ioFlags?: number;
  /** This command's time limit in ms, 0 for none (default: the queue pair's, from `ioTimeoutMs`). */
  timeoutMs?: number;
}

/** How the data of one extended I/O reaches the controller. */
type Route = { kind: "direct"; iovs: IoVec[] } | { kind: "bounce"; buffer: DmaBuffer };

/**
 * Reads (opcode Read) into or writes (Write) from `iov`, buffers of `opts.memoryDomain`: the body of
 * Namespace.readExt and writeExt.
 */
export async function extIo(
  ns: Namespace,
  qp: QueuePair,
  opcode: number,
  iov: readonly MemoryIoVec[],
  lba: number,
  count: number,
  opts: ExtIoOptions,
): Promise<void> {
  ns.owner.assertUsable();
  qp.assertUsable();
  checkRange(ns, lba, count, ns.numSectors);
  const ioFlags = opts.ioFlags ?? 0;
  const bytes = count * transferBlockSize(ns, ioFlags);
  // Each run must lie inside its buffer: the device is told to move exactly these bytes.
  const bad = checkIovs(iov, iov.length, "iov");
  if (bad !== null) throw new InvalidArgumentError(bad.argument, bad.message);
  if (iovTotalLength(iov, iov.length) < bytes) {
    throw new InvalidArgumentError(
      "iov",
      `describes ${iovTotalLength(iov, iov.length)} bytes, the command needs ${bytes}`,
    );
  }
  const write = opcode === NvmOpcode.Write;
  const route = chooseRoute(ns, iov, bytes, write, opts);
  const what = `${write ? "Write" : "Read"} nsid ${ns.id} lba ${lba}+${count}`;
  const domain = opts.memoryDomain!;
  try {
    if (route.kind === "bounce" && write) {
      await lastValueFrom(
        domain.pullData$(opts.memoryDomainCtx, iov, [
          { bytes: route.buffer.bytes, offset: 0, length: bytes, addr: 0 },
        ]),
        { defaultValue: undefined },
      );
    }
    const target =
      route.kind === "direct"
        ? route.iovs
        : [{ iova: route.buffer.iova, length: bytes, view: route.buffer.bytes }];
    await awaitCompletion(
      qp,
      what,
      (cb, p) =>
        submitDataCommand(ns, qp, opcode, ioVecPayload(qp, target), lba, count, cb, p, ioFlags, 0, 0),
      { commandMs: opts.timeoutMs },
    );
    if (route.kind === "bounce" && !write) {
      await lastValueFrom(
        domain.pushData$(opts.memoryDomainCtx, iov, [
          { bytes: route.buffer.bytes, offset: 0, length: bytes, addr: 0 },
        ]),
        { defaultValue: undefined },
      );
    }
  } finally {
    if (route.kind === "bounce") ns.owner.dma.free(route.buffer);
  }
}

/** The queue pair's staged descriptor for a list of segments. */
function ioVecPayload(qp: QueuePair, iovs: readonly IoVec[]): Payload {
  const payload = qp.stagePayload();
  payload.kind = PayloadKind.IoVecs;
  payload.iovs = iovs;
  payload.iovCount = iovs.length;
  return payload;
}

/** Decides, before anything moves, whether the data goes to the controller directly or by bounce. */
function chooseRoute(
  ns: Namespace,
  iov: readonly MemoryIoVec[],
  bytes: number,
  write: boolean,
  opts: ExtIoOptions,
): Route {
  const domain = opts.memoryDomain ?? null;
  if (domain === null || domain === getSystemMemoryDomain())
    return { kind: "direct", iovs: dmaIoVecs(ns, iov, bytes) };
  // A transport that copies (NVMe/TCP) has no device addresses to translate into, but uses any
  // buffer the CPU can see.
  const byCopy = ns.owner.dma.byCopy === true;
  if (byCopy && iovsHaveBytes(iov, iov.length)) return { kind: "direct", iovs: dmaIoVecs(ns, iov, bytes) };
  if (!byCopy && domain.supports("translate")) {
    const iovs = translate(ns, domain, opts.memoryDomainCtx, iov, bytes);
    if (ns.owner.sglSupported || prpCompatible(iovs, ns.owner.dma.pageSize)) return { kind: "direct", iovs };
  }
  const move = write ? "pull" : "push";
  if (!domain.supports(move)) {
    throw new InvalidArgumentError(
      "memoryDomain",
      `domain ${domain.getDmaDeviceId() ?? "(no id)"} can neither translate these buffers into addresses this controller ` +
        `can use nor ${move} data: give it a translation or ${move} callback`,
    );
  }
  return { kind: "bounce", buffer: ns.owner.dma.alloc(bytes) };
}

/** Device addresses of buffers that are this controller's DMA memory. */
function dmaIoVecs(ns: Namespace, iov: readonly MemoryIoVec[], bytes: number): IoVec[] {
  const out: IoVec[] = [];
  for (let i = 0, left = bytes; left > 0; i++) {
    const v = iov[i]!;
    if (v.length === 0) continue;
    const iova = v.bytes ? ns.owner.dma.iovaOf(v.bytes) : -1;
    if (iova < 0) {
      throw new InvalidArgumentError(
        `iov[${i}]`,
        "is not in DMA memory: allocate it with controller.allocBuffer() or name its memory domain",
      );
    }
    const length = Math.min(v.length, left);
    const at = v.offset ?? 0;
    out.push({ iova: iova + at, length, view: v.bytes!.subarray(at, at + length) });
    left -= length;
  }
  return out;
}

/** Translates every buffer into the controller's address space; a short or failed translation throws. */
function translate(
  ns: Namespace,
  domain: MemoryDomain,
  ctx: unknown,
  iov: readonly MemoryIoVec[],
  bytes: number,
): IoVec[] {
  const out: IoVec[] = [];
  const result = createTranslationResult();
  for (let i = 0, left = bytes; left > 0; i++) {
    const v = iov[i]!;
    if (v.length === 0) continue;
    const src = v.length > left ? { ...v, length: left } : v;
    const rc = domain.translateData(ctx, ns.owner.memoryDomain, null, src, result);
    if (rc === -EFAULT)
      throw new ShortTranslationError(domain.getDmaDeviceId(), src.length, translationLength(result));
    if (rc < 0) throw new MemoryDomainError("translate", rc, domain.getDmaDeviceId());
    const runs = result.iovCount === 1 ? [result.iov] : result.iovs!.slice(0, result.iovCount);
    // An RDMA translation's memory has its own registration: the key travels with the address.
    const rkey = result.rdma?.rkey;
    for (const r of runs)
      out.push(
        rkey === undefined
          ? { iova: r.addr ?? 0, length: r.length }
          : { iova: r.addr ?? 0, length: r.length, rkey },
      );
    left -= src.length;
  }
  return out;
}

/** Whether a list of device addresses can be described with PRPs (checkPrpVector's rules). */
function prpCompatible(iovs: readonly IoVec[], pageSize: number): boolean {
  try {
    checkPrpVector(iovs, iovs.length, pageSize);
    return true;
  } catch {
    return false;
  }
}
