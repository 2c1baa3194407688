/**
 * The block cache of one namespace, shared by every handle (and every nvmed_open) on it: pages of
 * 4 KiB (or one sector, when sectors are larger), LRU replacement, write-back with merged contiguous
 * runs, read-modify-write for partial pages, eviction that writes a dirty victim (and its dirty
 * neighbours) first, and a bounded size.
 *
 * Threading: the controller's thread. Operations that move data are serialized by a chain of
 * Promises (one at a time per cache), because a page being filled or written back must not change
 * under the transfer. Direct I/O does not wait for that chain: it tells the cache what it wrote
 * ({@link directWritten}) and reads dirty pages over what it read ({@link overlayDirty}), so the two
 * paths see each other's completed writes. A direct write that lands while a page is being filled
 * makes the fill run again; one that lands during a write-back leaves the page dirty.
 * @module
 */
import type { Controller, DmaBuffer, Namespace, QueuePair } from "@nvmekit/core";
import { NVMED_CACHE_DEFAULT_PAGES, NVMED_CACHE_MAX_RUN_PAGES, NVMED_PAGE_SIZE } from "../constants.js";
import { type CachePage, PageTable } from "./page-table.js";

const noop = (): void => {};

/** One namespace's block cache. */
export class BlockCache {
  /** The pages. */
  readonly table: PageTable;
  /** Bytes per page: 4 KiB, or the sector size when that is larger. */
  readonly pageSize: number;
  /** Most pages one transfer moves. */
  readonly maxRun = NVMED_CACHE_MAX_RUN_PAGES;
  private capacity: number;
  private staging: DmaBuffer | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly pinned = new Set<number>();
  private readonly filling = new Map<number, { stale: boolean }>();
  /** Commands this cache sent, by kind: for tests and statistics. */
  readonly stats = { fills: 0, writeBacks: 0, evictions: 0 };

  /**
   * @param ctrlr the controller (DMA memory for the staging buffer)
   * @param ns the namespace cached
   * @param capacityPages the bound, in pages
   */
  constructor(
    readonly ctrlr: Controller,
    readonly ns: Namespace,
    capacityPages = NVMED_CACHE_DEFAULT_PAGES,
  ) {
    this.pageSize = Math.max(NVMED_PAGE_SIZE, ns.sectorSize);
    this.table = new PageTable(this.pageSize);
    this.capacity = capacityPages;
  }

  /** The bound, in pages. */
  get capacityPages(): number {
    return this.capacity;
  }

  /**
   * Sets the bound. Growing takes effect at once; shrinking is lazy: the next data operation evicts
   * (writing dirty pages first) down to the new bound. The original could only grow.
   */
  setCapacity(pages: number): void {
    this.capacity = pages;
  }

  /** Reads `dst.length` bytes at byte `pos` through the cache (any offset and length inside the device). */
  read(qp: QueuePair, pos: number, dst: Uint8Array): Promise<void> {
    return this.exclusive(() => this.walk(qp, pos, dst, false, false));
  }

  /**
   * Writes `src` at byte `pos` into the cache: dirty pages (write-back) or, with `through`, written to
   * the device before this settles (write-through). Partial pages not cached are read first.
   */
  write(qp: QueuePair, pos: number, src: Uint8Array, through: boolean): Promise<void> {
    return this.exclusive(() => this.walk(qp, pos, src, true, through));
  }

  /** Writes every dirty page back, in merged contiguous runs. */
  flushAll(qp: QueuePair): Promise<void> {
    return this.exclusive(async () => {
      for (let pass = 0; pass < 4 && this.table.dirtyCount > 0; pass++) {
        for (const [s, e] of this.runs(this.table.dirtyIndices())) await this.writeRun(qp, s, e);
      }
    });
  }

  /**
   * Writes back the dirty pages overlapping bytes [pos, pos+len), drops every overlapping page, then
   * runs `deallocate`, all before another cache operation starts.
   */
  discard(qp: QueuePair, pos: number, len: number, deallocate: () => Promise<unknown>): Promise<void> {
    return this.exclusive(async () => {
      const a = Math.floor(pos / this.pageSize);
      const b = Math.floor((pos + len - 1) / this.pageSize);
      const dirty = this.table.dirtyIndices().filter((i) => i >= a && i <= b);
      for (const [s, e] of this.runs(dirty)) await this.writeRun(qp, s, e);
      for (let i = a; i <= b; i++) if (!this.table.peek(i)?.dirty) this.table.remove(i);
      await deallocate();
    });
  }

  /** Direct I/O wrote `src` at byte `pos` (completed): cached copies of those bytes take them. */
  directWritten(pos: number, src: Uint8Array): void {
    if (this.table.size === 0 && this.filling.size === 0) return; // nothing cached: a check per direct write
    this.eachOverlap(pos, src.length, (i, pageOff, bufOff, n) => {
      const f = this.filling.get(i);
      if (f !== undefined) f.stale = true;
      const p = this.table.peek(i);
      if (p === undefined) return;
      p.data.set(src.subarray(bufOff, bufOff + n), pageOff);
      p.version++;
    });
  }

  /** Direct I/O read bytes at `pos` into `dst` from the device: dirty cached bytes are newer, copy them over. */
  overlayDirty(pos: number, dst: Uint8Array): void {
    if (this.table.dirtyCount === 0) return;
    this.eachOverlap(pos, dst.length, (i, pageOff, bufOff, n) => {
      const p = this.table.peek(i);
      if (p?.dirty) dst.set(p.data.subarray(pageOff, pageOff + n), bufOff);
    });
  }

  /** Frees the staging buffer and forgets every page (write them back first). */
  dispose(): void {
    if (this.staging !== null) this.ctrlr.freeBuffer(this.staging);
    this.staging = null;
    this.table.clear();
  }

  // ---- internals --------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.then(noop, noop);
    return run;
  }

  private pageLength(i: number): number {
    return Math.min(this.pageSize, this.ns.size - i * this.pageSize);
  }

  // Calls fn(pageIndex, offsetInPage, offsetInBuffer, bytes) for each page overlapping [pos, pos+len).
  private eachOverlap(
    pos: number,
    len: number,
    fn: (i: number, pageOff: number, bufOff: number, n: number) => void,
  ): void {
    if (len <= 0) return;
    const ps = this.pageSize;
    const end = pos + len;
    for (let i = Math.floor(pos / ps); i * ps < end; i++) {
      const start = Math.max(pos, i * ps);
      const stop = Math.min(end, (i + 1) * ps);
      fn(i, start - i * ps, start - pos, stop - start);
    }
  }

  // The cache's data path: window by window (at most maxRun pages and at most the bound, pinned while
  // in use), fill what is missing, copy, and write through when asked.
  private async walk(
    qp: QueuePair,
    pos: number,
    buf: Uint8Array,
    write: boolean,
    through: boolean,
  ): Promise<void> {
    const len = buf.length;
    if (len === 0) return;
    const ps = this.pageSize;
    const first = Math.floor(pos / ps);
    const last = Math.floor((pos + len - 1) / ps);
    const width = Math.max(1, Math.min(this.capacity, this.maxRun));
    for (let a = first; a <= last; a += width) {
      const b = Math.min(last, a + width - 1);
      for (let i = a; i <= b; i++) this.pinned.add(i);
      try {
        const missing: number[] = [];
        const toFill: number[] = [];
        for (let i = a; i <= b; i++) {
          if (this.table.peek(i) !== undefined) continue;
          missing.push(i);
          const whole = pos <= i * ps && pos + len >= i * ps + this.pageLength(i);
          if (!write || !whole) toFill.push(i); // read, or read-modify-write of a partial page
        }
        await this.makeRoom(qp, missing.length);
        for (const i of missing) this.table.insert(i, this.pageLength(i));
        await this.fill(qp, toFill);
        const lo = Math.max(pos, a * ps);
        const hi = Math.min(pos + len, (b + 1) * ps);
        this.eachOverlap(lo, hi - lo, (i, pageOff, bufOff, n) => {
          const p = this.table.touch(i)!;
          const at = bufOff + (lo - pos);
          if (write) {
            p.data.set(buf.subarray(at, at + n), pageOff);
            this.table.markDirty(p);
          } else {
            buf.set(p.data.subarray(pageOff, pageOff + n), at);
          }
        });
        if (write && through) await this.writeRun(qp, a, b);
      } finally {
        for (let i = a; i <= b; i++) this.pinned.delete(i);
      }
    }
  }

  // Evicts least recently used pages until `incoming` more fit in the bound; dirty victims are written
  // back first, merged with their dirty neighbours.
  private async makeRoom(qp: QueuePair, incoming: number): Promise<void> {
    while (this.table.size + incoming > this.capacity) {
      const v = this.table.victim(this.pinned);
      if (v === undefined) return; // everything left is in use by this operation (bounded by `width`)
      while (v.dirty) await this.writeBackAround(qp, v);
      if (this.table.peek(v.index) === v) {
        this.table.remove(v.index);
        this.stats.evictions++;
      }
    }
  }

  private async writeBackAround(qp: QueuePair, v: CachePage): Promise<void> {
    let s = v.index;
    let e = v.index;
    while (e - s + 1 < this.maxRun && this.table.peek(s - 1)?.dirty) s--;
    while (e - s + 1 < this.maxRun && this.table.peek(e + 1)?.dirty) e++;
    await this.writeRun(qp, s, e);
  }

  // Contiguous runs of at most maxRun pages over sorted indices.
  private runs(sorted: readonly number[]): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const i of sorted) {
      const r = out[out.length - 1];
      if (r !== undefined && r[1] === i - 1 && i - r[0] < this.maxRun) r[1] = i;
      else out.push([i, i]);
    }
    return out;
  }

  private stage(): DmaBuffer {
    this.staging ??= this.ctrlr.allocBuffer(this.maxRun * this.pageSize, NVMED_PAGE_SIZE);
    return this.staging;
  }

  // Reads the listed pages (already inserted) from the device, in contiguous runs; again for any page a
  // direct write landed on meanwhile.
  private async fill(qp: QueuePair, indices: number[]): Promise<void> {
    while (indices.length > 0) {
      const marks = new Map<number, { stale: boolean }>();
      for (const i of indices) {
        const m = { stale: false };
        marks.set(i, m);
        this.filling.set(i, m);
      }
      try {
        for (const [s, e] of this.runs(indices)) {
          const bytes = (e - s) * this.pageSize + this.pageLength(e);
          const view = this.stage().bytes.subarray(0, bytes);
          this.stats.fills++;
          await this.ns.read(qp, view, (s * this.pageSize) / this.ns.sectorSize, bytes / this.ns.sectorSize);
          for (let i = s; i <= e; i++) {
            const off = (i - s) * this.pageSize;
            this.table.peek(i)!.data.set(view.subarray(off, off + this.pageLength(i)));
          }
        }
      } catch (err) {
        for (const i of indices) this.table.remove(i); // their bytes are not the device's
        throw err;
      } finally {
        for (const i of indices) this.filling.delete(i);
      }
      indices = indices.filter((i) => marks.get(i)!.stale);
    }
  }

  // Writes pages s..e (all cached) in one command; marks clean those that did not change meanwhile.
  private async writeRun(qp: QueuePair, s: number, e: number): Promise<void> {
    const bytes = (e - s) * this.pageSize + this.pageLength(e);
    const view = this.stage().bytes.subarray(0, bytes);
    const versions: number[] = [];
    for (let i = s; i <= e; i++) {
      const p = this.table.peek(i)!;
      view.set(p.data, (i - s) * this.pageSize);
      versions.push(p.version);
    }
    this.stats.writeBacks++;
    await this.ns.write(qp, view, (s * this.pageSize) / this.ns.sectorSize, bytes / this.ns.sectorSize);
    for (let i = s; i <= e; i++) {
      const p = this.table.peek(i);
      if (p !== undefined && p.version === versions[i - s]) this.table.markClean(p);
    }
  }
}
