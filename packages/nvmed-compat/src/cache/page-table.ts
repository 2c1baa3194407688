/**
 * The block cache's pages and their order of use: a Map whose insertion order is the LRU list (first
 * entry least recently used; a hit re-inserts at the end), as the original's TAILQ was (head LRU,
 * tail MRU). Page memory is plain process memory: transfers go through a DMA staging buffer, so the
 * cache is not bounded by the controller's DMA memory. No I/O here.
 * @module
 */

/** One cached page. */
export interface CachePage {
  /** Page index: byte offset / page size (the original's `lpaddr`). */
  readonly index: number;
  /** The page's bytes (the last page of a device may be shorter than a page). */
  readonly data: Uint8Array;
  /** Modified since it was last written to the device. */
  dirty: boolean;
  /** Bumped on every change, so a write-back that copied an older version does not mark it clean. */
  version: number;
}

/** Pages by index in LRU order, with a free list of page memory. */
export class PageTable {
  private readonly pages = new Map<number, CachePage>();
  private readonly spare: Uint8Array[] = [];
  private dirtyPages = 0;

  /** @param pageSize bytes per page */
  constructor(readonly pageSize: number) {}

  /** Pages held. */
  get size(): number {
    return this.pages.size;
  }

  /** Dirty pages held. */
  get dirtyCount(): number {
    return this.dirtyPages;
  }

  /** The page at `index`, without touching the LRU order. */
  peek(index: number): CachePage | undefined {
    return this.pages.get(index);
  }

  /** The page at `index`, made most recently used. */
  touch(index: number): CachePage | undefined {
    const p = this.pages.get(index);
    if (p !== undefined) {
      this.pages.delete(index);
      this.pages.set(index, p);
    }
    return p;
  }

  /** Adds a clean page of `length` bytes at `index` (most recently used); its bytes are unspecified. */
  insert(index: number, length: number): CachePage {
    if (this.pages.has(index)) throw new Error(`page ${index} is already cached`);
    const mem = this.spare.pop() ?? new Uint8Array(this.pageSize);
    const page: CachePage = {
      index,
      data: length === this.pageSize ? mem : mem.subarray(0, length),
      dirty: false,
      version: 0,
    };
    this.pages.set(index, page);
    return page;
  }

  /** Marks `page` dirty (and changed). */
  markDirty(page: CachePage): void {
    if (!page.dirty) this.dirtyPages++;
    page.dirty = true;
    page.version++;
  }

  /** Marks `page` clean. */
  markClean(page: CachePage): void {
    if (page.dirty) this.dirtyPages--;
    page.dirty = false;
  }

  /** Drops the page at `index` (dirty or not: the caller wrote it back first), keeping its memory for reuse. */
  remove(index: number): void {
    const p = this.pages.get(index);
    if (p === undefined) return;
    if (p.dirty) this.dirtyPages--;
    this.pages.delete(index);
    this.spare.push(new Uint8Array(p.data.buffer, p.data.byteOffset, this.pageSize));
  }

  /** The least recently used page not in `pinned`, or undefined. */
  victim(pinned: ReadonlySet<number>): CachePage | undefined {
    for (const p of this.pages.values()) if (!pinned.has(p.index)) return p;
    return undefined;
  }

  /** Indices of the dirty pages, ascending. */
  dirtyIndices(): number[] {
    const out: number[] = [];
    for (const p of this.pages.values()) if (p.dirty) out.push(p.index);
    return out.sort((a, b) => a - b);
  }

  /** Every page index held, in LRU order (least recent first). */
  indices(): number[] {
    return [...this.pages.keys()];
  }

  /** Forgets every page and the spare memory. */
  clear(): void {
    this.pages.clear();
    this.spare.length = 0;
    this.dirtyPages = 0;
  }
}
