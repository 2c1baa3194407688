/**
 * Addresses (liblightnvm's `struct nvm_addr`, the `.l` view: group, parallel unit, chunk, sector)
 * and their conversions, per a device's geometry: to the device address (the LBA: chunks lie
 * `chunkStride` LBAs apart, the zone size on a zoned namespace), to byte offsets, and to the raw
 * 64-bit value (`.val`).
 * @module
 */
import type { nvm_geo } from "./geo.js";

/** A generic address: group, parallel unit, chunk, sector (liblightnvm's `nvm_addr.l`). */
export interface nvm_addr {
  /** Parallel unit group (8 bits). */
  pugrp: number;
  /** Parallel unit (8 bits). */
  punit: number;
  /** Chunk (16 bits). */
  chunk: number;
  /** Sector within the chunk (32 bits). */
  sectr: number;
}

/** What address conversions need from a device. */
export interface AddressSpace {
  /** The geometry. */
  readonly geo: nvm_geo;
  /** LBAs from one chunk's start to the next (the zone size; the chunk size when synthetic). */
  readonly chunkStride: number;
}

/** An address with the given fields, the others 0 (C's `struct nvm_addr a = { 0 }` then assignments). */
export function nvm_addr(fields: Partial<nvm_addr> = {}): nvm_addr {
  return {
    pugrp: fields.pugrp ?? 0,
    punit: fields.punit ?? 0,
    chunk: fields.chunk ?? 0,
    sectr: fields.sectr ?? 0,
  };
}

/** Bit of {@link nvm_addr_check}'s result: the group is out of range. */
export const NVM_BOUNDS_PUGRP = 0x1;
/** Bit of {@link nvm_addr_check}'s result: the parallel unit is out of range. */
export const NVM_BOUNDS_PUNIT = 0x2;
/** Bit of {@link nvm_addr_check}'s result: the chunk is out of range. */
export const NVM_BOUNDS_CHUNK = 0x4;
/** Bit of {@link nvm_addr_check}'s result: the sector is out of range. */
export const NVM_BOUNDS_SECTR = 0x8;

const inRange = (v: unknown, n: number): boolean =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) < n;

/**
 * 0 when every field of `addr` is inside the geometry, else the NVM_BOUNDS_* bits of those that are
 * not (liblightnvm's nvm_addr_check, with the device first as in its other calls). Synchronous.
 */
export function nvm_addr_check(dev: AddressSpace, addr: nvm_addr): number {
  const g = dev.geo;
  return (
    (inRange(addr?.pugrp, g.npugrp) ? 0 : NVM_BOUNDS_PUGRP) |
    (inRange(addr?.punit, g.npunit) ? 0 : NVM_BOUNDS_PUNIT) |
    (inRange(addr?.chunk, g.nchunk) ? 0 : NVM_BOUNDS_CHUNK) |
    (inRange(addr?.sectr, g.nsectr) ? 0 : NVM_BOUNDS_SECTR)
  );
}

/** The device address (LBA) of a generic address; the address must be valid ({@link nvm_addr_check}). */
export function nvm_addr_gen2dev(dev: AddressSpace, addr: nvm_addr): number {
  const g = dev.geo;
  return ((addr.pugrp * g.npunit + addr.punit) * g.nchunk + addr.chunk) * dev.chunkStride + addr.sectr;
}

/**
 * The generic address of a device address (LBA). An LBA in the gap between a zone's capacity and the
 * next zone gets a sector at or beyond `nsectr`, which {@link nvm_addr_check} reports.
 */
export function nvm_addr_dev2gen(dev: AddressSpace, lba: number): nvm_addr {
  const g = dev.geo;
  const sectr = lba % dev.chunkStride;
  let rest = (lba - sectr) / dev.chunkStride;
  const chunk = rest % g.nchunk;
  rest = (rest - chunk) / g.nchunk;
  return { pugrp: Math.floor(rest / g.npunit), punit: rest % g.npunit, chunk, sectr };
}

/** The byte offset of a generic address (its LBA times the sector size). */
export function nvm_addr_gen2off(dev: AddressSpace, addr: nvm_addr): number {
  return nvm_addr_gen2dev(dev, addr) * dev.geo.nbytes;
}

/** The generic address of a byte offset (rounded down to its sector). */
export function nvm_addr_off2gen(dev: AddressSpace, off: number): nvm_addr {
  return nvm_addr_dev2gen(dev, Math.floor(off / dev.geo.nbytes));
}

/** The raw 64-bit value of an address (`nvm_addr.val`: sector bits 31:0, chunk 47:32, unit 55:48, group 63:56). */
export function nvm_addr_val(addr: nvm_addr): bigint {
  return (
    (BigInt(addr.pugrp & 0xff) << 56n) |
    (BigInt(addr.punit & 0xff) << 48n) |
    (BigInt(addr.chunk & 0xffff) << 32n) |
    BigInt(addr.sectr >>> 0)
  );
}

/** The address of a raw 64-bit value (the inverse of {@link nvm_addr_val}). */
export function nvm_addr_from_val(val: bigint): nvm_addr {
  return {
    pugrp: Number((val >> 56n) & 0xffn),
    punit: Number((val >> 48n) & 0xffn),
    chunk: Number((val >> 32n) & 0xffffn),
    sectr: Number(val & 0xffffffffn),
  };
}
