/**
 * The zone state of a zoned namespace kept in a file: a small JSON sidecar next to the data file
 * (`<data file>.zones`), so that a controller opened again on the same file finds each zone's state
 * and write pointer as the last one left them.
 *
 * Writes do not save it (that would cost a file write per I/O). It is saved when the namespace closes,
 * at a controller shutdown, after Zone Management Send and after a format; in between, the first
 * change after a save rewrites it once marked stale (`clean: false`), before the data of that write
 * is stored. A sidecar found stale at open (the process was killed), missing, unreadable or of
 * another geometry is not trusted alone: each zone not Full, Read Only or Offline gets the write
 * pointer the data justifies, the end of its last block that is not all zeroes (if above the saved
 * one), and is Closed (Full at its capacity end). Zero blocks written last are indistinguishable from
 * unwritten ones, so the pointer may come back below them (and a later write land on them); every
 * block holding anything else stays below the pointer, so no such data is written over.
 * @module
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { SoftNamespace } from "./namespace.js";
import { type ZoneSet, ZoneState } from "./zones.js";

/** The sidecar's content. */
interface SavedZones {
  /** Block size, zone size and capacity the pointers are in (a mismatch voids the file). */
  blockSize: number;
  zoneSize: number;
  zoneCapacity: number;
  /** Whether the zones matched the data when written. */
  clean: boolean;
  /** Per zone: [state, write pointer]. */
  zones: [number, number][];
}

const STATES = new Set<number>(Object.values(ZoneState));

// The saved zones, if the file is there, parses, and fits this geometry.
function readSaved(path: string, ns: SoftNamespace, zones: ZoneSet): SavedZones | undefined {
  if (!existsSync(path)) return undefined;
  let saved: SavedZones;
  try {
    saved = JSON.parse(readFileSync(path, "utf8")) as SavedZones;
  } catch {
    return undefined;
  }
  const fits =
    saved.blockSize === ns.blockSize &&
    saved.zoneSize === zones.zoneSize &&
    saved.zoneCapacity === zones.zoneCapacity &&
    Array.isArray(saved.zones) &&
    saved.zones.length === zones.zones.length &&
    saved.zones.every(([state, wp], i) => {
      const z = zones.zones[i]!;
      return STATES.has(state) && Number.isInteger(wp) && wp >= z.start && wp <= z.start + z.capacity;
    });
  return fits ? saved : undefined;
}

// The LBA after the last block of [from, to) that is not all zeroes, or `from` if there is none.
function dataEnd(ns: SoftNamespace, from: number, to: number): number {
  const block = new Uint8Array(ns.blockSize);
  for (let lba = to - 1; lba >= from; lba--) {
    ns.readBlocks(lba, block);
    if (block.some((b) => b !== 0)) return lba + 1;
  }
  return from;
}

/** The zone state file of one file-backed zoned namespace. */
export class ZoneStateFile {
  // Whether the file on disk holds the zones as they are now.
  private current = false;

  /** @param path the sidecar file */
  constructor(readonly path: string) {}

  /** Loads the saved zones into `ns.zones`, recovering from the data where the file is not trusted. */
  load(ns: SoftNamespace): void {
    const zones = ns.zones!;
    const saved = readSaved(this.path, ns, zones);
    for (const [i, [state, wp]] of (saved?.zones ?? []).entries()) zones.restore(i, state, wp);
    if (saved?.clean === true) {
      this.current = true;
      return;
    }
    for (const [i, z] of zones.zones.entries()) {
      if (z.state !== ZoneState.Empty && z.state !== ZoneState.Closed) continue;
      const end = z.start + z.capacity;
      const wp = Math.max(z.wp, dataEnd(ns, z.wp, end));
      if (wp !== z.wp) zones.restore(i, wp === end ? ZoneState.Full : ZoneState.Closed, wp);
    }
    this.save(ns);
  }

  /** Writes the zones as they are now. */
  save(ns: SoftNamespace): void {
    this.write(ns, true);
    this.current = true;
  }

  /** Marks the file stale, once after each save: the zones are about to change. */
  markStale(ns: SoftNamespace): void {
    if (!this.current) return;
    this.write(ns, false);
    this.current = false;
  }

  // Through a temporary file and a rename, so that a kill mid-write leaves the old file whole.
  private write(ns: SoftNamespace, clean: boolean): void {
    const zones = ns.zones!;
    const saved: SavedZones = {
      blockSize: ns.blockSize,
      zoneSize: zones.zoneSize,
      zoneCapacity: zones.zoneCapacity,
      clean,
      zones: zones.zones.map((z) => [z.state, z.wp]),
    };
    writeFileSync(`${this.path}.tmp`, JSON.stringify(saved));
    renameSync(`${this.path}.tmp`, this.path);
  }
}
