/**
 * `pnpm bench:engine`: the cost of the core's per-I/O path alone — namespace validation, request and
 * tracker handling, PRP building, command copy and completion dispatch — over a loopback queue that
 * completes every command at once, with no device model in the way. Prints nanoseconds per I/O and
 * the heap growth over the run. A benchmark, not a test.
 * @module
 */

import type { DmaAllocator, DmaBuffer, NamespaceOwner } from "@nvmekit/core";
import { createMemoryDomain, DmaDeviceType, Namespace, QueuePair } from "@nvmekit/core";
import type { Completion, IdentifyController, IdentifyNamespace } from "@nvmekit/core/nvme-spec";
import type { QueuePort } from "@nvmekit/core/transport";

const PAGE = 4096;
const IOS = Number(process.env.BENCH_IOS ?? 5_000_000);
const DEPTH = 32;

/** DMA memory as one ArrayBuffer with made-up IOVAs. */
function arena(bytes: number): DmaAllocator {
  const memory = new ArrayBuffer(bytes);
  const base = 0x10_0000;
  let next = 0;
  return {
    pageSize: PAGE,
    alloc(size: number): DmaBuffer {
      const at = next;
      next += Math.ceil(size / PAGE) * PAGE;
      return { bytes: new Uint8Array(memory, at, size), iova: base + at };
    },
    free(): void {},
    iovaOf: (v: ArrayBufferView): number => (v.buffer === memory ? base + v.byteOffset : -1),
  };
}

/** A queue whose "device" completes each command as soon as it is posted. */
class LoopbackQueue implements QueuePort {
  readonly qid = 1;
  private readonly cids: Int32Array;
  private head = 0;
  private tail = 0;
  private count = 0;
  constructor(readonly depth: number) {
    this.cids = new Int32Array(depth);
  }
  post(cmd: Uint32Array): void {
    this.cids[this.tail] = cmd[0]! >>> 16;
    this.tail = (this.tail + 1) % this.depth;
    this.count++;
  }
  ringSubmission(): void {}
  poll(out: Uint32Array): boolean {
    if (this.count === 0) return false;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    out[3] = this.cids[this.head]!;
    this.head = (this.head + 1) % this.depth;
    this.count--;
    return true;
  }
  ringCompletion(): void {}
  async release(): Promise<void> {}
}

const dma = arena(64 << 20);
const qp = new QueuePair(new LoopbackQueue(256), dma, {
  requests: 512,
  retryCount: 4,
  pagesPerTracker: 1,
  sglSupported: false,
  delayDoorbell: false,
});
const owner: NamespaceOwner = {
  dma,
  data: { oncs: 0, vwc: 0 } as IdentifyController,
  maxTransferSize: 128 * 1024,
  sglSupported: false,
  memoryDomain: createMemoryDomain(DmaDeviceType.Dma, null, "bench"),
  assertUsable(): void {},
};
const ns = new Namespace(owner, 1, {
  nsze: 1n << 24n,
  sectorSize: 512,
  metadataSize: 0,
  extendedLba: false,
  piType: 0,
  noiob: 0,
  mc: 0,
} as IdentifyNamespace);
const memory = dma.alloc(DEPTH * PAGE);

class Slot {
  constructor(readonly view: Uint8Array) {}
}
let done = 0;
function onRead(slot: Slot, _cpl: Completion): void {
  done++;
  ns.cmdRead(qp, slot.view, (done * 8) % 100_000, 8, onRead, slot);
}
for (let i = 0; i < DEPTH; i++)
  ns.cmdRead(
    qp,
    memory.bytes.subarray(i * PAGE, (i + 1) * PAGE),
    0,
    8,
    onRead,
    new Slot(memory.bytes.subarray(i * PAGE, (i + 1) * PAGE)),
  );

(globalThis as { gc?: () => void }).gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
while (done < IOS) qp.processCompletions(0);
const ms = performance.now() - started;
(globalThis as { gc?: () => void }).gc?.();
const heap = process.memoryUsage().heapUsed - heapBefore;
console.log(
  `core per-I/O path over a loopback queue: ${((ms * 1e6) / done).toFixed(0)} ns per 4 KiB read at QD ${DEPTH} ` +
    `(${(done / ms / 1000).toFixed(2)} M IOPS), heap growth ${(heap / 1024).toFixed(0)} KiB over ${done} I/Os`,
);
