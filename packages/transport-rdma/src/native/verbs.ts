/**
 * The verbs the transport sets up and tears down with (not per I/O): device attributes, protection
 * domains, memory registration, completion queues. Each wrapper checks the result and throws a
 * {@link NativeError} with errno.
 * @module
 */
import { NativeError } from "@nvmekit/core";
import koffi from "koffi";
import {
  F_SETFL,
  IBV_ACCESS_ALL_REMOTE,
  IbvCompChannel,
  IbvDeviceAttr,
  IbvMr,
  O_NONBLOCK,
} from "./layouts.js";
import { rdmaLibraries } from "./libraries.js";

/** What the transport needs to know about an adapter. */
export interface DeviceLimits {
  /** Most work requests per queue. */
  readonly maxQpWr: number;
  /** Most scatter entries per work request. */
  readonly maxSge: number;
  /** Most completion queue entries. */
  readonly maxCqe: number;
  /** Outstanding RDMA reads this side can answer (what the target may issue to pull write data). */
  readonly maxQpRdAtom: number;
  /** Outstanding RDMA reads this side can issue. */
  readonly maxQpInitRdAtom: number;
}

/** Queries the adapter behind `context` (an ibv_context pointer). */
export function queryDevice(context: bigint): DeviceLimits {
  const attr = new Uint8Array(IbvDeviceAttr.size);
  const rc = rdmaLibraries().ibv_query_device(context, attr) as number;
  if (rc !== 0) throw new NativeError("ibv_query_device", rc);
  const v = new DataView(attr.buffer);
  return {
    maxQpWr: v.getInt32(IbvDeviceAttr.maxQpWr, true),
    maxSge: v.getInt32(IbvDeviceAttr.maxSge, true),
    maxCqe: v.getInt32(IbvDeviceAttr.maxCqe, true),
    maxQpRdAtom: v.getInt32(IbvDeviceAttr.maxQpRdAtom, true),
    maxQpInitRdAtom: v.getInt32(IbvDeviceAttr.maxQpInitRdAtom, true),
  };
}

/** Allocates a protection domain on `context`. */
export function allocPd(context: bigint): bigint {
  const pd = rdmaLibraries().ibv_alloc_pd(context);
  if (!pd) throw new NativeError("ibv_alloc_pd", koffi.errno());
  return BigInt(pd);
}

/** Frees a protection domain (its memory regions and queue pairs must be gone). */
export function deallocPd(pd: bigint): void {
  rdmaLibraries().ibv_dealloc_pd(pd);
}

/** A registered memory region: the keys the adapter and the peer use to reach it. */
export interface MemoryRegion {
  /** The ibv_mr pointer. */
  readonly mr: bigint;
  /** Key for this side's work requests. */
  readonly lkey: number;
  /** Key the peer puts in RDMA reads and writes. */
  readonly rkey: number;
}

/** Local write, remote read and remote write: what NVMe-oF data buffers need. */
export const RDMA_ACCESS_LOCAL_AND_REMOTE = IBV_ACCESS_ALL_REMOTE;

/**
 * Registers `length` bytes at `address` (memory that stays mapped until deregistered) on protection
 * domain `pd`, e.g. in a memory domain's translation into a controller's RDMA domain, whose context
 * names the pd. Threading: any thread; the region is the process's.
 * @param access `ibv_access_flags`; {@link RDMA_ACCESS_LOCAL_AND_REMOTE} for NVMe-oF data
 * @throws NativeError (ENOMEM or EPERM usually mean the locked-memory limit: `ulimit -l`)
 */
export function registerMemory(
  pd: bigint,
  address: bigint,
  length: number,
  access: number = RDMA_ACCESS_LOCAL_AND_REMOTE,
): MemoryRegion {
  const mr = rdmaLibraries().ibv_reg_mr(pd, address, length, access);
  if (!mr)
    throw new NativeError(
      "ibv_reg_mr",
      koffi.errno(),
      "registration pins memory: raise the locked-memory limit (ulimit -l) or run as root",
    );
  const fields = new DataView(koffi.view(BigInt(mr), 48));
  return {
    mr: BigInt(mr),
    lkey: fields.getUint32(IbvMr.lkey, true),
    rkey: fields.getUint32(IbvMr.rkey, true),
  };
}

/** Deregisters a memory region. */
export function deregisterMemory(region: MemoryRegion): void {
  rdmaLibraries().ibv_dereg_mr(region.mr);
}

/** Creates a completion queue of at least `entries` entries on `context`, signalling `channel` (0n: none) when armed. */
export function createCq(context: bigint, entries: number, channel: bigint): bigint {
  const cq = rdmaLibraries().ibv_create_cq(context, entries, null, channel === 0n ? null : channel, 0);
  if (!cq) throw new NativeError("ibv_create_cq", koffi.errno());
  return BigInt(cq);
}

/** Destroys a completion queue (its queue pair must be gone). */
export function destroyCq(cq: bigint): void {
  rdmaLibraries().ibv_destroy_cq(cq);
}

/** libibverbs' name for a work completion status, e.g. "remote access error". */
export function wcStatusName(status: number): string {
  return rdmaLibraries().ibv_wc_status_str(status) as string;
}

/** A completion channel: the fd that becomes readable when an armed completion queue gets a completion. */
export interface CompletionChannel {
  /** The ibv_comp_channel pointer. */
  readonly channel: bigint;
  /** Its fd, non-blocking. */
  readonly fd: number;
}

/** Creates a completion channel on `context`, its fd non-blocking (so reading an event never blocks). */
export function createCompletionChannel(context: bigint): CompletionChannel {
  const lib = rdmaLibraries();
  const channel = lib.ibv_create_comp_channel(context);
  if (!channel) throw new NativeError("ibv_create_comp_channel", koffi.errno());
  const pointer = BigInt(channel);
  const fd = new DataView(koffi.view(pointer, 16)).getInt32(IbvCompChannel.fd, true);
  if (lib.fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
    const errno = koffi.errno();
    lib.ibv_destroy_comp_channel(pointer);
    throw new NativeError("fcntl(O_NONBLOCK)", errno);
  }
  return { channel: pointer, fd };
}

/** Destroys a completion channel (every completion queue on it must be gone). */
export function destroyCompletionChannel(channel: CompletionChannel): void {
  rdmaLibraries().ibv_destroy_comp_channel(channel.channel);
}

/**
 * Takes one event from the channel, if there is one, and acknowledges it (a completion queue cannot
 * be destroyed with events unacknowledged). Returns whether there was one.
 */
export function consumeCompletionEvent(
  channel: CompletionChannel,
  cqOut: BigUint64Array,
  ctxOut: BigUint64Array,
): boolean {
  const lib = rdmaLibraries();
  if (lib.ibv_get_cq_event(channel.channel, cqOut, ctxOut) !== 0) return false;
  lib.ibv_ack_cq_events(cqOut[0]!, 1);
  return true;
}
