/**
 * `pnpm bench:engine`: the cost of the core's per-I/O path alone — namespace validation, request and
 * tracker handling, PRP building, command copy and completion dispatch — over a loopback queue that
 * completes every command at once, with no device model in the way. Prints nanoseconds per I/O and
 * the heap growth over the run. A benchmark, not a test.
 * @module
 */

import type { Completion } from "@nvmekit/core/nvme-spec";
import { loopbackDevice } from "./loopback.js";

const PAGE = 4096;
const IOS = Number(process.env.BENCH_IOS ?? 5_000_000);
const DEPTH = 32;

const { dma, ns, queuePair } = loopbackDevice(512, 1n << 24n);
const qp = queuePair();
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
