/**
 * `pnpm bench:engine`: the cost of the core's per-I/O path alone — namespace validation, request and
 * tracker handling, PRP building, command copy and completion dispatch — over a loopback queue that
 * completes every command at once, with no device model in the way. Prints nanoseconds per I/O and
 * the heap growth over the run, beside the same loop in C (c-baseline/loopback-engine.c, built by the
 * script with gcc -O2) and lean JavaScript that checks what the core checks (checked-floor.ts).
 * A benchmark, not a test.
 * @module
 */

import { execFileSync } from "node:child_process";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { runCheckedFloor } from "./checked-floor.js";
import { ENGINE_READS, engineLba, loopbackDevice, Slot } from "./loopback.js";

const IOS = Number(process.env.BENCH_IOS ?? 5_000_000);
const { depth: DEPTH, blockSize, blocks, blocksPerRead, bufferBytes } = ENGINE_READS;
const WARMUP_IOS = Math.ceil(IOS / 10);

const { dma, ns, queuePair } = loopbackDevice(blockSize, BigInt(blocks));
const qp = queuePair();

let done = 0;
function onRead(slot: Slot, _cpl: Completion): void {
  done++;
  ns.cmdRead(qp, slot.view, engineLba(done), blocksPerRead, onRead, slot);
}
// A buffer per slot, as allocated (as `nvmekit perf` does).
for (let i = 0; i < DEPTH; i++) {
  const slot = new Slot(dma.alloc(bufferBytes).bytes);
  ns.cmdRead(qp, slot.view, 0, blocksPerRead, onRead, slot);
}

// Warm-up outside the timing: V8 compiles the path during the first I/Os, which under emulation (the
// rig's guest) takes a good part of a short run.
while (done < WARMUP_IOS) qp.processCompletions(0);
(globalThis as { gc?: () => void }).gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const doneBefore = done;
const started = performance.now();
while (done - doneBefore < IOS) qp.processCompletions(0);
const ms = performance.now() - started;
const measured = done - doneBefore;
(globalThis as { gc?: () => void }).gc?.();
const heap = process.memoryUsage().heapUsed - heapBefore;
const jsNs = (ms * 1e6) / measured;

/** Where `pnpm bench:engine` builds the C twin (test/dist is the shared, ignored build folder). */
const C_TWIN = new URL("./loopback-engine", import.meta.url).pathname;
const twin = JSON.parse(execFileSync(C_TWIN, [String(IOS)], { encoding: "utf8" })) as { nsPerIo: number };
const floorNs = runCheckedFloor(IOS);
console.log(
  `core per-I/O path over a loopback queue, 4 KiB reads at QD ${DEPTH}, ${measured} I/Os after ${WARMUP_IOS} to warm up:\n` +
    `  nvmekit (JavaScript): ${jsNs.toFixed(1)} ns per I/O, heap growth ${(heap / 1024).toFixed(0)} KiB ` +
    `(${((heap / 1024) * (1e6 / measured)).toFixed(0)} KiB per million I/Os)\n` +
    `  the same loop in C:   ${twin.nsPerIo.toFixed(1)} ns per I/O\n` +
    `  JavaScript / C:       ${(jsNs / twin.nsPerIo).toFixed(2)}x (issue 17's target: at most 1.50x)\n` +
    `  reference, lean JavaScript with the core's checks (checked-floor.ts): ${floorNs.toFixed(1)} ns per I/O, ` +
    `${(floorNs / twin.nsPerIo).toFixed(2)}x the C twin`,
);
