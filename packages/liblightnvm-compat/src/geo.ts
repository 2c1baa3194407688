/**
 * The geometry a device reports (liblightnvm's `struct nvm_geo`, Open-Channel 2.0 layout), derived
 * from a Zoned Namespace (one group, one parallel unit, a chunk per zone) or synthesised over a
 * conventional namespace as liblightnvm's NOCD backend did.
 * @module
 */
import type { Namespace } from "@nvmekit/core";
import { NVM_SPEC_VERID_20 } from "./constants.js";

/** Bit widths of the address fields (the geometry's LBA format). */
export interface nvm_geo_lbaf {
  /** Bits of the group. */
  readonly pugrp: number;
  /** Bits of the parallel unit. */
  readonly punit: number;
  /** Bits of the chunk. */
  readonly chunk: number;
  /** Bits of the sector. */
  readonly sectr: number;
}

/** liblightnvm's geometry (`nvm_geo.l` plus `tbytes` and `verid`). */
export interface nvm_geo {
  /** Parallel unit groups: 1. */
  readonly npugrp: number;
  /** Parallel units per group: 1. */
  readonly npunit: number;
  /** Chunks per parallel unit: the zones, or the synthetic chunks. */
  readonly nchunk: number;
  /** Writable sectors per chunk: the zone capacity (ZCAP), or the synthetic chunk size. */
  readonly nsectr: number;
  /** Bytes per sector (the LBA data size). */
  readonly nbytes: number;
  /** Out-of-band (metadata) bytes per sector. */
  readonly nbytes_oob: number;
  /** Writable bytes of the device: npugrp * npunit * nchunk * nsectr * nbytes. */
  readonly tbytes: number;
  /** Open-Channel version: 2 (2.0). */
  readonly verid: number;
  /** Address field widths. */
  readonly lbaf: nvm_geo_lbaf;
}

/** The blocks of one synthetic chunk on a conventional namespace (liblightnvm's NOCD: 4096). */
export const SYNTHETIC_CHUNK_SECTORS = 4096;

const bitsFor = (n: number): number => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

/** A geometry of one group and one parallel unit. */
function geometry(ns: Namespace, nchunk: number, nsectr: number, stride: number): nvm_geo {
  return Object.freeze({
    npugrp: 1,
    npunit: 1,
    nchunk,
    nsectr,
    nbytes: ns.sectorSize,
    nbytes_oob: ns.metadataSize,
    tbytes: nchunk * nsectr * ns.sectorSize,
    verid: NVM_SPEC_VERID_20,
    lbaf: Object.freeze({ pugrp: 0, punit: 0, chunk: bitsFor(nchunk), sectr: bitsFor(stride) }),
  });
}

/**
 * A zoned namespace's geometry: a chunk per zone, `zoneCapacity` writable sectors each (chunks are
 * `ns.zoneSize` LBAs apart, which is wider when the capacity is below the zone size).
 */
export function zonedGeometry(ns: Namespace, zoneCapacity: number): nvm_geo {
  return geometry(ns, ns.zoneCount, zoneCapacity, ns.zoneSize);
}

/** A conventional namespace's synthetic geometry: chunks of 4096 sectors (fewer on a smaller namespace). */
export function syntheticGeometry(ns: Namespace): nvm_geo {
  const nsectr = Math.min(SYNTHETIC_CHUNK_SECTORS, ns.numSectors);
  return geometry(ns, Math.floor(ns.numSectors / nsectr), nsectr, nsectr);
}
