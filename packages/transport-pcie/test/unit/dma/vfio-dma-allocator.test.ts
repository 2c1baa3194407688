/**
 * The DMA allocator over a recording fake IOMMU backend: growth by whole regions, IOVAs, alignment,
 * zero fill, iovaOf, free, and close (unmap from the IOMMU, retire, unmap the CPU side after GC).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { InvalidArgumentError, StateError } from "@nvmekit/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { VfioDmaAllocator } from "../../../src/dma/vfio-dma-allocator.js";
import type { IommuBackend } from "../../../src/iommu/iommu-backend.js";
import { mappingStats } from "../../../src/native/mapping.js";

const MiB = 2 ** 20;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** A backend that records map/unmap calls and checks them against its rules. */
function fakeBackend() {
  const maps: { iova: number; size: number; vaddr: bigint }[] = [];
  const unmaps: { iova: number; size: number }[] = [];
  const backend: IommuBackend = {
    kind: "vfio-type1",
    iovaRanges: [
      { start: 0, end: 0xfee00000 },
      { start: 0xfef00000, end: 2 ** 39 },
    ],
    minPageSize: 4096,
    deviceFd: -1,
    mapDma(vaddr, iova, size) {
      maps.push({ vaddr, iova, size });
    },
    unmapDma(iova, size) {
      unmaps.push({ iova, size });
    },
    close() {},
  };
  return { backend, maps, unmaps };
}

test("memory is mapped only when needed, by whole 2 MiB regions, at 2 MiB-aligned IOVAs", () => {
  const { backend, maps } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  assert.is(maps.length, 0, "nothing mapped before the first allocation");
  const a = dma.alloc(4096);
  assert.is(maps.length, 1);
  assert.equal({ iova: maps[0]!.iova, size: maps[0]!.size }, { iova: 2 * MiB, size: 2 * MiB });
  assert.is(maps[0]!.vaddr % BigInt(2 * MiB), 0n, "the region's address is 2 MiB-aligned too");
  assert.is(a.iova, 2 * MiB);
  const b = dma.alloc(8192, 8192);
  assert.is(b.iova % 8192, 0);
  assert.is(maps.length, 1, "fits in the first region");
  const big = dma.alloc(3 * MiB);
  assert.is(maps.length, 2);
  assert.equal({ iova: maps[1]!.iova, size: maps[1]!.size }, { iova: 4 * MiB, size: 4 * MiB });
  assert.is(big.iova, 4 * MiB);
  assert.is(big.bytes.length, 3 * MiB);
  assert.equal(dma.stats(), {
    regions: 2,
    mappedBytes: 6 * MiB,
    usedBytes: 4096 + 8192 + 3 * MiB,
    kinds: ["anonymous", "anonymous"],
  });
  dma.close();
});

test("buffers are zero-filled, even when memory is reused", () => {
  const { backend } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const a = dma.alloc(4096);
  a.bytes.fill(0xff);
  dma.free(a);
  const b = dma.alloc(4096);
  assert.is(b.iova, a.iova, "same memory again");
  assert.ok(b.bytes.every((x) => x === 0));
  dma.close();
});

test("iovaOf: O(1) for any view into a buffer, -1 for memory from elsewhere", () => {
  const { backend } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const a = dma.alloc(4096);
  assert.is(dma.iovaOf(a.bytes), a.iova);
  assert.is(dma.iovaOf(a.bytes.subarray(512)), a.iova + 512);
  assert.is(dma.iovaOf(new Uint32Array(a.bytes.buffer, a.bytes.byteOffset + 64, 4)), a.iova + 64);
  assert.is(dma.iovaOf(new Uint8Array(4096)), -1);
  assert.is(dma.iovaOf(Buffer.alloc(16)), -1);
  const other = new VfioDmaAllocator(fakeBackend().backend, { hugepages: false });
  assert.is(other.iovaOf(a.bytes), -1, "another device's memory");
  other.close();
  dma.close();
  assert.is(dma.iovaOf(a.bytes), -1, "a closed allocator's memory");
});

test("iovaOf refuses a view of freed memory, even a view freed and since reused", () => {
  const { backend } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const a = dma.alloc(4096);
  const part = a.bytes.subarray(1024, 2048);
  dma.free(a);
  assert.is(dma.iovaOf(a.bytes), -1, "the freed buffer itself");
  assert.is(dma.iovaOf(part), -1, "a view cut from it before the free");
  assert.is(dma.iovaOf(a.bytes.subarray(0, 64)), -1, "a view cut from it after the free");
  const b = dma.alloc(4096);
  assert.is(b.iova, a.iova, "the same memory handed out again");
  assert.is(dma.iovaOf(b.bytes), b.iova);
  assert.is(dma.iovaOf(a.bytes), -1, "the old buffer stays refused once its memory is reused");
  dma.close();
});

test("iovaOf refuses a view that runs out of its allocation into the next one or into free memory", () => {
  const { backend } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const a = dma.alloc(4096);
  const b = dma.alloc(4096);
  assert.is(b.iova, a.iova + 4096, "adjacent allocations");
  const region = a.bytes.buffer;
  const at = (offset: number, length: number) => new Uint8Array(region, a.bytes.byteOffset + offset, length);
  assert.is(dma.iovaOf(at(0, 4096)), a.iova, "exactly a");
  assert.is(dma.iovaOf(at(4096, 4096)), b.iova, "exactly b");
  assert.is(dma.iovaOf(at(4000, 200)), -1, "the end of a and the start of b");
  assert.is(dma.iovaOf(at(0, 8192)), -1, "a and b together");
  assert.is(dma.iovaOf(at(8192, 64)), -1, "free memory after b");
  assert.is(dma.iovaOf(at(8000, 256)), -1, "the end of b and free memory");
  const odd = dma.alloc(100, 64);
  const past = new Uint8Array(region, odd.bytes.byteOffset, 128);
  assert.is(dma.iovaOf(past), -1, "the rounding after a 100-byte buffer is not the caller's");
  assert.is(dma.iovaOf(odd.bytes.subarray(99)), odd.iova + 99);
  assert.is(dma.iovaOf(odd.bytes.subarray(100)), -1, "an empty view at the end points past the buffer");
  dma.close();
});

test("free takes only a whole live buffer: not a piece of one", () => {
  const { backend } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const a = dma.alloc(4096);
  const invalid = (e: unknown) => e instanceof InvalidArgumentError;
  assert.throws(() => dma.free({ bytes: a.bytes.subarray(0, 512), iova: a.iova }), invalid);
  assert.is(dma.iovaOf(a.bytes), a.iova, "a refused free leaves the buffer live");
  dma.free(a);
  assert.is(dma.stats().usedBytes, 0);
  dma.close();
});

test("bad arguments are rejected with InvalidArgumentError", () => {
  const { backend } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const invalid = (e: unknown) => e instanceof InvalidArgumentError;
  assert.throws(() => dma.alloc(0), invalid);
  assert.throws(() => dma.alloc(1.5), invalid);
  assert.throws(() => dma.alloc(64, 3), invalid);
  assert.throws(() => dma.alloc(64, 4 * MiB), invalid);
  const a = dma.alloc(64);
  dma.free(a);
  assert.throws(() => dma.free(a), invalid, "double free");
  assert.throws(() => dma.free({ bytes: new Uint8Array(8), iova: 0 }), invalid);
  assert.throws(() => new VfioDmaAllocator(backend, { pageSize: 1000 }), invalid);
  assert.throws(() => new VfioDmaAllocator(backend, { regionSize: MiB }), invalid);
  dma.close();
});

/** Allocates and closes; returns the still-referenced views. */
function allocateAndClose(): {
  views: Uint8Array[];
  unmaps: { iova: number; size: number }[];
  dma: VfioDmaAllocator;
} {
  const { backend, unmaps } = fakeBackend();
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const views = [dma.alloc(4096).bytes, dma.alloc(3 * MiB).bytes];
  for (const v of views) v.fill(0x5a);
  dma.close();
  return { views, unmaps, dma };
}

/** Uses views after close. */
function touch(views: Uint8Array[]): void {
  for (const v of views) {
    assert.is(v[0], 0, "retired memory reads as fresh zero pages");
    v[0] = 1;
  }
}

test("close unmaps from the IOMMU at once, keeps views safe, and unmaps the CPU side after GC", async () => {
  // Earlier tests' garbage would otherwise be unmapped during this one and skew the counters.
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const before = mappingStats();
  let kept: ReturnType<typeof allocateAndClose> | null = allocateAndClose();
  assert.equal(kept.unmaps, [
    { iova: 2 * MiB, size: 2 * MiB },
    { iova: 4 * MiB, size: 4 * MiB },
  ]);
  touch(kept.views);
  assert.is(kept.dma.iovaOf(kept.views[0]!), -1);
  assert.throws(
    () => kept!.dma.alloc(64),
    (e: unknown) => e instanceof StateError,
  );
  assert.is(mappingStats().retired - before.retired, 2);
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.is(mappingStats().unmapped, before.unmapped, "views alive: nothing unmapped");
  kept = null;
  for (let i = 0; i < 50 && mappingStats().unmapped < before.unmapped + 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.is(mappingStats().unmapped - before.unmapped, 2);
});

test("a failing IOMMU map leaves nothing behind and reports the error", () => {
  const { backend } = fakeBackend();
  backend.mapDma = () => {
    throw new Error("pinning refused");
  };
  const dma = new VfioDmaAllocator(backend, { hugepages: false });
  const before = mappingStats();
  assert.throws(() => dma.alloc(64), /pinning refused/);
  assert.is(mappingStats().retired - before.retired, 1, "the region was retired");
  assert.is(dma.stats().regions, 0);
  dma.close();
});

test.run();
