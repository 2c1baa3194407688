/**
 * nvm_cmd_rprt: the chunk report (Open-Channel 2.0's Chunk Information log page), built from the
 * Zoned Namespace's zone report, or from the synthetic chunk table on the NOCD backend.
 * @module
 */
import { NvmeStatusError, type ZoneDescriptor, ZoneState } from "@nvmekit/core";
import { NVM_BOUNDS_PUGRP, NVM_BOUNDS_PUNIT, type nvm_addr, nvm_addr_check } from "./addr.js";
import {
  EINVAL,
  EIO,
  ENODEV,
  NVM_CHUNK_STATE_CLOSED,
  NVM_CHUNK_STATE_FREE,
  NVM_CHUNK_STATE_OFFLINE,
  NVM_CHUNK_STATE_OPEN,
  NVM_CHUNK_TYPE_W_RAN,
  NVM_CHUNK_TYPE_W_SEQ,
} from "./constants.js";
import type { nvm_dev } from "./device.js";
import { failNull } from "./errors.js";
import type { nvm_ret } from "./ret.js";

/** One chunk's descriptor (liblightnvm's `struct nvm_spec_rprt_descr`, Open-Channel 2.0 names). */
export interface nvm_spec_rprt_descr {
  /** Chunk state: NVM_CHUNK_STATE_FREE, OPEN, CLOSED or OFFLINE. */
  cs: number;
  /** Chunk type: NVM_CHUNK_TYPE_W_SEQ (a zone), NVM_CHUNK_TYPE_W_RAN (synthetic). */
  ct: number;
  /** Wear-level index: 0 (neither ZNS nor a conventional namespace reports one). */
  wli: number;
  /** The chunk's first LBA. */
  slba: number;
  /** Writable sectors (the zone capacity). */
  cnlb: number;
  /** Write pointer: the LBA the next write must start at (`slba + cnlb` when the chunk is full). */
  wp: number;
  /** Ours: the zone's ZNS state (ZoneState: Empty 1, Implicitly/Explicitly Opened 2/3, Closed 4, ...), 0 on NOCD. */
  zs: number;
}

/** A chunk report (liblightnvm's `struct nvm_spec_rprt`). */
export interface nvm_spec_rprt {
  /** Descriptors in `descr`. */
  nchunks: number;
  /** One per chunk, in chunk order. */
  descr: nvm_spec_rprt_descr[];
}

/** The chunk state of a zone state (ZNS Closed is writable at its pointer: open, in Open-Channel's terms). */
function chunkState(zs: number): number {
  switch (zs) {
    case ZoneState.Empty:
      return NVM_CHUNK_STATE_FREE;
    case ZoneState.ImplicitlyOpened:
    case ZoneState.ExplicitlyOpened:
    case ZoneState.Closed:
      return NVM_CHUNK_STATE_OPEN;
    case ZoneState.Offline:
      return NVM_CHUNK_STATE_OFFLINE;
    default:
      return NVM_CHUNK_STATE_CLOSED; // Full, Read Only: readable, not writable
  }
}

/** The descriptor of a zone. */
export function zoneToChunk(z: ZoneDescriptor): nvm_spec_rprt_descr {
  const full = z.writePointer < 0 || z.state === ZoneState.Full;
  return {
    cs: chunkState(z.state),
    ct: NVM_CHUNK_TYPE_W_SEQ,
    wli: 0,
    slba: z.startLba,
    cnlb: z.capacity,
    wp: full ? z.startLba + z.capacity : z.writePointer,
    zs: z.state,
  };
}

async function zonedReport(dev: nvm_dev): Promise<nvm_spec_rprt> {
  const { ns } = dev;
  const descr: nvm_spec_rprt_descr[] = [];
  // A report holds what one transfer carries: ask again from the next zone until all are in.
  while (descr.length < dev.geo.nchunk) {
    const rep = await ns.reportZones(dev.syncQp, descr.length * ns.zoneSize, {
      maxZones: dev.geo.nchunk - descr.length,
    });
    if (rep.zones.length === 0) break;
    for (const z of rep.zones) descr.push(zoneToChunk(z));
  }
  return { nchunks: descr.length, descr };
}

function syntheticReport(dev: nvm_dev): nvm_spec_rprt {
  const t = dev.synthetic!;
  const descr: nvm_spec_rprt_descr[] = [];
  for (let c = 0; c < t.nchunk; c++) {
    descr.push({
      cs: t.state[c]!,
      ct: NVM_CHUNK_TYPE_W_RAN,
      wli: 0,
      slba: c * t.nsectr,
      cnlb: t.nsectr,
      wp: t.wp[c]!,
      zs: 0,
    });
  }
  return { nchunks: t.nchunk, descr };
}

/**
 * The chunk report (liblightnvm's nvm_cmd_rprt): every chunk of the parallel unit of `addr` (there is
 * one group with one parallel unit, so every chunk), or of the device when `addr` is null. `opt` is
 * accepted and not used. On a zoned namespace it runs Zone Management Receive (as often as the
 * transfer size needs), after the synchronous commands called before it.
 * A Promise of the report, or of null with EINVAL (bad address), ENODEV (closed device) or EIO (the
 * device failed it; `ret.status` holds the status). Threading: the device's thread.
 */
export function nvm_cmd_rprt(
  dev: nvm_dev | null | undefined,
  addr: nvm_addr | null,
  opt = 0,
  ret?: nvm_ret | null,
): Promise<nvm_spec_rprt | null> {
  void opt;
  if (!(dev?.open === true)) return Promise.resolve(failNull(ENODEV, "the device is not open"));
  if (
    addr !== null &&
    (nvm_addr_check(dev, { ...addr, chunk: 0, sectr: 0 }) & (NVM_BOUNDS_PUGRP | NVM_BOUNDS_PUNIT)) !== 0
  )
    return Promise.resolve(failNull(EINVAL, "addr names no parallel unit of the geometry"));
  if (dev.synthetic !== null) return Promise.resolve(syntheticReport(dev));
  const run = dev.syncTail.then(async () => {
    try {
      const r = await zonedReport(dev);
      if (ret) ret.status = 0;
      return r;
    } catch (e) {
      if (ret && e instanceof NvmeStatusError)
        ret.status = e.sc | (e.sct << 8) | (e.more ? 1 << 13 : 0) | (e.dnr ? 1 << 14 : 0);
      return failNull(EIO, "the zone report failed", e);
    }
  });
  dev.syncTail = run;
  return run;
}
