/**
 * Memory mappings that JavaScript views alias, released without use-after-free. A koffi view over
 * unmapped memory crashes the process on the next access, and nothing stops a caller from keeping a
 * typed array after `close()`. So a mapping is never munmapped while its ArrayBuffer is alive:
 * `retire()` swaps the pages for private anonymous memory at the same address (the device is cut
 * off, a stale view reads zeroes instead of crashing, a BAR's device file is released), and the
 * address range is munmapped only by a FinalizationRegistry once the ArrayBuffer is collected.
 * @module
 */
import koffi from "koffi";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_NORESERVE, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "./constants.js";
import { mmapAt, munmap } from "./libc.js";

interface Range {
  readonly address: bigint;
  readonly length: number;
}

const counts = { created: 0, retired: 0, unmapped: 0 };

const unmapper = new FinalizationRegistry<Range>((range) => {
  try {
    munmap(range.address, range.length);
    counts.unmapped++;
  } catch {
    // Leaking address space is the only safe answer to a failed munmap.
  }
});

/** Counters of mappings made, retired and finally unmapped (for tests and diagnostics). */
export function mappingStats(): { created: number; retired: number; unmapped: number } {
  return { ...counts };
}

/** One mmap'd range and the single ArrayBuffer every view of it derives from. */
export class NativeMapping {
  /** Start address. */
  readonly address: bigint;
  /** Length in bytes. */
  readonly length: number;
  /** The zero-copy ArrayBuffer; every typed array over this mapping must be built on it. */
  readonly buffer: ArrayBuffer;
  #retired = false;

  /** Takes ownership of `length` bytes mapped at `address`. */
  constructor(address: bigint, length: number) {
    this.address = address;
    this.length = length;
    this.buffer = koffi.view(address, length);
    counts.created++;
    unmapper.register(this.buffer, { address, length });
  }

  /** Whether {@link retire} ran. */
  get retired(): boolean {
    return this.#retired;
  }

  /**
   * Replaces the pages with fresh anonymous memory (idempotent). Afterwards the original memory or
   * device registers are no longer reachable through any view, and views stay safe to touch.
   */
  retire(): void {
    if (this.#retired) return;
    mmapAt(
      this.address,
      this.length,
      PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
      -1,
      0,
    );
    this.#retired = true;
    counts.retired++;
  }
}
