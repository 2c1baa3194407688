// Figures for the worker-thread controller, driven by the raw host: idle cost, round-trip latency
// (hot: back to back; cold: after the controller fell asleep), and 4 KiB random-read IOPS at QD 32.
// Run: node packages/softnvme/dist/test/bench/latency.js
import { NvmOpc, SoftPciDevice } from "../../src/index.js";
import { RawHost, type RawQueue, rw, sleep } from "../unit/raw-host.js";

// Spins (no event-loop yield) until the completion is there: measures the device, not setImmediate.
function spinCompletion(q: RawQueue): void {
  while (q.poll() === undefined) {}
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function describe(name: string, samplesUs: number[]): void {
  const s = [...samplesUs].sort((a, b) => a - b);
  const avg = s.reduce((a, b) => a + b, 0) / s.length;
  console.log(
    `${name}: n=${s.length} avg ${avg.toFixed(1)} µs, p50 ${percentile(s, 50).toFixed(1)}, ` +
      `p99 ${percentile(s, 99).toFixed(1)}, max ${s[s.length - 1]!.toFixed(1)}`,
  );
}

const spinUs = Number(process.env.SPIN_US ?? 5000);
const dev = await SoftPciDevice.start({
  namespaces: [{ nsid: 1, blockSize: 4096, blocks: 65536 }],
  timing: { spinUs },
});
console.log(`worker spin after work: ${spinUs} µs`);
const host = new RawHost(dev);
const admin = await host.enable();
const io = await host.createQueuePair(admin, 1, 64);
const buf = dev.dma.alloc(4096 * 32);

await sleep(200);
const cpu0 = process.cpuUsage();
const polls0 = (await dev.control.status()).loop;
await sleep(2000);
const cpu = process.cpuUsage(cpu0);
const polls1 = (await dev.control.status()).loop;
console.log(
  `idle: process CPU ${((cpu.user + cpu.system) / 20_000).toFixed(2)} % of one core, ` +
    `${((polls1.polls - polls0.polls) / 2).toFixed(0)} polls/s, ${((polls1.sleeps - polls0.sleeps) / 2).toFixed(0)} sleeps/s`,
);

const hot: number[] = [];
for (let i = 0; i < 20000; i++) {
  const t = performance.now();
  io.submit(rw(NvmOpc.Read, 1, i % 65536, 1, buf.iova));
  spinCompletion(io);
  hot.push((performance.now() - t) * 1000);
}
describe("QD1 4 KiB read, back to back", hot.slice(1000));

const cold: number[] = [];
for (let i = 0; i < 100; i++) {
  await sleep(20);
  const t = performance.now();
  io.submit(rw(NvmOpc.Read, 1, i, 1, buf.iova));
  spinCompletion(io);
  cold.push((performance.now() - t) * 1000);
}
describe("QD1 4 KiB read after 20 ms idle", cold);

const depth = 32;
let done = 0;
let lba = 1;
// A Lehmer generator over the namespace's first 65521 blocks.
const nextLba = () => {
  lba = (lba * 48271) % 65521;
  return lba;
};
const end = performance.now() + 3000;
const t0 = performance.now();
for (let i = 0; i < depth; i++) io.submit(rw(NvmOpc.Read, 1, nextLba(), 1, buf.iova + 4096 * i));
while (performance.now() < end) {
  const c = io.poll();
  if (c === undefined) continue;
  done++;
  io.submit(rw(NvmOpc.Read, 1, nextLba(), 1, buf.iova + 4096 * (done % depth)));
}
const secs = (performance.now() - t0) / 1000;
console.log(
  `QD${depth} 4 KiB random read: ${(done / secs / 1000).toFixed(1)} k IOPS (${((done * 4096) / secs / 2 ** 20).toFixed(0)} MiB/s)`,
);
await dev.close();
