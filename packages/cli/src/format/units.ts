/**
 * Numbers for people: byte sizes with binary units, LBA formats as nvme-cli writes them, rates.
 * @module
 */
import type { Namespace } from "@nvmekit/core";

const BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `bytes` with a binary unit: `512 B`, `4 KiB`, `8.00 MiB`, `1.82 TiB`. */
export function formatBytes(bytes: number): string {
  let unit = 0;
  let v = bytes;
  while (v >= 1024 && unit < BINARY.length - 1) {
    v /= 1024;
    unit++;
  }
  return unit === 0 || Number.isInteger(v) ? `${v} ${BINARY[unit]}` : `${v.toFixed(2)} ${BINARY[unit]}`;
}

/** The LBA format in use, as `nvme list` prints it: `512 B + 0 B`, `4 KiB + 8 B`. */
export function formatLbaFormat(ns: Namespace): string {
  return `${formatBytes(ns.sectorSize)} + ${ns.metadataSize} B`;
}

/** A number with thousands separators and `digits` decimals. */
export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
