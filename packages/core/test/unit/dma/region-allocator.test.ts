/** A region of DMA memory (a worker's chunk, an RDMA pool) refuses views the caller no longer owns. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RegionDmaAllocator } from "../../../src/dma/region-allocator.js";
import { InvalidArgumentError } from "../../../src/errors/errors.js";

const IOVA = 0x10_0000;
const isInvalidArgument = (e: unknown) => e instanceof InvalidArgumentError;

test("iovaOf: whole buffers and views inside one buffer; -1 for freed memory and views across two", () => {
  const region = new Uint8Array(64 * 1024);
  const dma = new RegionDmaAllocator(region, IOVA, 4096);
  const a = dma.alloc(4096);
  const b = dma.alloc(4096);
  assert.is(dma.iovaOf(a.bytes), a.iova);
  assert.is(dma.iovaOf(b.bytes.subarray(100, 200)), b.iova + 100);
  const across = region.subarray(a.bytes.byteOffset + 4000, b.bytes.byteOffset + 100);
  assert.is(dma.iovaOf(across), -1, "runs from a into b");
  assert.is(dma.iovaOf(region.subarray(60_000, 60_100)), -1, "never allocated");
  dma.free(a);
  assert.is(dma.iovaOf(a.bytes), -1, "the freed buffer itself");
  assert.is(dma.iovaOf(a.bytes.subarray(0, 512)), -1, "a view of the freed memory");
  assert.throws(() => dma.free(a), isInvalidArgument, "freed twice");
  const reused = dma.alloc(4096);
  assert.is(reused.iova, a.iova, "first fit hands the same memory out again");
  assert.is(dma.iovaOf(a.bytes), -1, "the old buffer stays refused after its memory is reused");
  assert.is(dma.iovaOf(reused.bytes), reused.iova);
});

test("free takes only a whole live buffer of this region", () => {
  const dma = new RegionDmaAllocator(new Uint8Array(16 * 1024), IOVA, 4096);
  const a = dma.alloc(8192);
  assert.throws(() => dma.free({ bytes: a.bytes.subarray(0, 4096), iova: a.iova }), isInvalidArgument);
  assert.throws(() => dma.free({ bytes: new Uint8Array(4096), iova: 0 }), isInvalidArgument);
  dma.free(a);
});

test.run();
