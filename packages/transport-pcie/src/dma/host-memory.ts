/**
 * Process memory for DMA regions: hugepages from the hugetlb pool when configured, else anonymous
 * memory aligned to 2 MiB (so the IOMMU can use large pages and IOVAs align with addresses).
 * Marked MADV_DONTFORK so a forked child never takes copy-on-write pages the device is writing.
 * @module
 */
import { readFileSync } from "node:fs";
import { NativeError } from "@nvmekit/core";
import {
  MADV_DONTFORK,
  MAP_ANONYMOUS,
  MAP_HUGE_SHIFT,
  MAP_HUGETLB,
  MAP_NORESERVE,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
} from "../native/constants.js";
import { madvise, mmap, munmap } from "../native/libc.js";
import { NativeMapping } from "../native/mapping.js";

/** Alignment of every DMA region (and of its IOVA). */
export const REGION_ALIGN = 2 * 1024 * 1024;

/** Whether to use hugepages: always, never, or when /proc/sys/vm/nr_hugepages > 0. */
export type HugepagePolicy = boolean | "auto";

/** Whether the hugetlb pool has pages configured. */
export function hugepagesConfigured(procRoot = "/proc"): boolean {
  try {
    return Number(readFileSync(`${procRoot}/sys/vm/nr_hugepages`, "utf8").trim()) > 0;
  } catch {
    return false;
  }
}

/** Mapping flags for 2 MiB hugetlb pages. */
const HUGE_2M = MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);

/** 2 MiB-aligned anonymous memory: over-map by the alignment and trim both ends. */
function alignedAnonymous(size: number): bigint {
  const raw = mmap(
    size + REGION_ALIGN,
    PROT_READ | PROT_WRITE,
    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
    -1,
    0,
  );
  const align = BigInt(REGION_ALIGN);
  const start = ((raw + align - 1n) / align) * align;
  const head = Number(start - raw);
  if (head > 0) munmap(raw, head);
  const tail = REGION_ALIGN - head;
  if (tail > 0) munmap(start + BigInt(size), tail);
  return start;
}

/** The kind of memory a region got. */
export type HostMemoryKind = "hugetlb" | "anonymous";

/** Maps `size` bytes (a multiple of 2 MiB) of DMA-able process memory. */
export function mapHostMemory(
  size: number,
  hugepages: HugepagePolicy,
): { mapping: NativeMapping; kind: HostMemoryKind } {
  let address: bigint | undefined;
  let kind: HostMemoryKind = "anonymous";
  if (hugepages === true || (hugepages === "auto" && hugepagesConfigured())) {
    try {
      address = mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | HUGE_2M, -1, 0);
      kind = "hugetlb";
    } catch (error) {
      // The pool may be exhausted; an explicit request must not silently degrade.
      if (hugepages === true || !(error instanceof NativeError)) throw error;
    }
  }
  address ??= alignedAnonymous(size);
  const mapping = new NativeMapping(address, size);
  madvise(address, size, MADV_DONTFORK);
  return { mapping, kind };
}
