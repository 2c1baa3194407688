/**
 * Random 4 KiB reads through core's callback face alone (no perf engine, no clock per I/O) on the
 * rig's controller, with one queue-pair setting changed at a time, to separate what the settings cost
 * from what `nvmekit perf` adds. Run in the guest after binding to vfio-pci:
 *
 *     node test/dist/bench/qpair-settings.js BDF QUEUE_DEPTH VARIANT SECONDS
 *
 * VARIANT: `cli` (a ring of depth + 1 entries and depth requests, a doorbell per command: what
 * `nvmekit perf` allocates), `q256` (256 entries, a doorbell per command), `delay` (256 entries,
 * delayed doorbells: what bench:pcie allocates); a `-noshadow` suffix turns shadow doorbells off;
 * a `-clock` suffix reads performance.now() once per completion, as perf does at QD 1.
 * Prints one line of JSON. A benchmark, not a test.
 * @module
 */
import "reflect-metadata";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { randomBelow } from "./timed-loop.js";

const [bdf, depthArg, variant = "cli", secondsArg = "4"] = process.argv.slice(2);
if (bdf === undefined || depthArg === undefined) {
  console.error("usage: qpair-settings.js BDF QUEUE_DEPTH {cli|q256|delay}[-noshadow][-clock] SECONDS");
  process.exit(2);
}
const depth = Number(depthArg);
const container = new Container();
container.load(coreModule, pcieTransportModule, vfioModule);
const driver = container.get(NvmeDriver);
const ctrlr = await driver.connect(`trtype:PCIe traddr:${bdf}`, {
  useShadowDoorbells: !variant.includes("noshadow"),
});
const ns = ctrlr.getNamespace(1)!;
const qp = await ctrlr.allocIoQpair(
  variant.startsWith("delay")
    ? { ioQueueSize: 256, delayDoorbell: true }
    : variant.startsWith("q256")
      ? { ioQueueSize: 256 }
      : { ioQueueSize: Math.max(depth + 1, 2), ioQueueRequests: depth },
);
const readClock = variant.includes("clock");

let done = 0;
let stopping = false;
let lastClock = 0;
const nextLba = (): number => randomBelow(ns.numSectors);
function onRead(view: Uint8Array): void {
  done++;
  if (readClock) lastClock = performance.now();
  if (!stopping) ns.cmdRead(qp, view, nextLba(), 1, onRead, view);
}

const buffers = Array.from({ length: depth }, () => ctrlr.allocBuffer(4096));
const started = performance.now();
const cpu = process.cpuUsage();
for (const b of buffers) ns.cmdRead(qp, b.bytes, nextLba(), 1, onRead, b.bytes);
const deadline = started + Number(secondsArg) * 1000;
for (let i = 1; ; i++) {
  qp.processCompletions(0);
  if ((i & 1023) === 0 && performance.now() >= deadline) break;
}
stopping = true;
while (qp.outstanding > 0) qp.processCompletions(0);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({
    variant,
    queueDepth: depth,
    shadowDoorbells: ctrlr.options.useShadowDoorbells,
    ios: done,
    iops: Math.round((done * 1000) / ms),
    cycleUs: Number(((ms * 1000) / done).toFixed(1)),
    cpuUsPerIo: Number(((used.user + used.system) / done).toFixed(1)),
    clockRead: lastClock > 0,
  }),
);
for (const b of buffers) ctrlr.freeBuffer(b);
await ctrlr.freeIoQpair(qp);
await driver.detach(ctrlr);
