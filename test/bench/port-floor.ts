/**
 * JavaScript's floor in the rig: 4 KiB random reads in a bare loop over the PCIe queue port of a
 * default I/O queue pair, shaped like the C driver (reap what has completed, ring the CQ doorbell,
 * post the same commands again with new LBAs, ring the SQ doorbell), with the commands built once.
 * No core engine, no checks, no perf bookkeeping: what V8's code alone costs against gcc's under
 * the rig's emulation, so that `bench:pcie` can show where issue 17's targets sit against it.
 * Run in the guest as a child (`node --single-threaded port-floor.js BDF NSID QD SECONDS`), after a
 * warm-up of RIG_WARMUP_SECONDS; prints one line of JSON. A benchmark, not a test.
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import { NvmOpcode } from "@nvmekit/core/nvme-spec";
import type { QueuePort } from "@nvmekit/core/transport";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { type BenchFigures, type BenchWorkload, RIG_WARMUP_SECONDS } from "./figures.js";

/** Runs the loop as a child process on namespace `nsid` of `bdf`, 4 KiB random reads at `w`'s depth. */
export function runPortFloor(bdf: string, nsid: number, w: BenchWorkload): BenchFigures {
  const args = [bdf, String(nsid), String(w.queueDepth), String(w.seconds)];
  const out = execFileSync(process.execPath, ["--single-threaded", fileURLToPath(import.meta.url), ...args], {
    encoding: "utf8",
  });
  const r = JSON.parse(out.trim().split("\n").pop()!) as { iops: number; cpuUsPerIo: number };
  const none = { mibps: (r.iops * 4096) / 2 ** 20, avgUs: 0, p50Us: 0, p99Us: 0, p999Us: 0 };
  return { engine: "JavaScript over the queue port", ...r, ...none, heapGrowthBytes: null };
}

let state = 0x2545f491;
/**
 * xorshift32, shifted to 31 bits so that `%` stays an integer remainder, as the C driver's `%`. Not
 * timed-loop.ts's `randomBelow`: its scaling is floating point, a helper call per I/O under the rig's
 * emulation, which a floor must not pay.
 */
function nextRandom(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 1;
}

/** The loop: reads at `depth` until `until` (a performance.now() time); the I/Os completed. */
function readLoop(
  port: QueuePort,
  commands: Uint32Array[],
  units: number,
  blocks: number,
  until: number,
): number {
  const cqe = new Uint32Array(4);
  for (const c of commands) {
    c[10] = (nextRandom() % units) * blocks;
    port.post(c);
  }
  port.ringSubmission();
  let done = 0;
  let outstanding = commands.length;
  let stopping = false;
  for (let round = 1; outstanding > 0; round++) {
    let n = 0;
    while (port.poll(cqe)) {
      n++;
      done++;
      if (stopping) {
        outstanding--;
        continue;
      }
      const c = commands[cqe[3]! & 0xffff]!;
      c[10] = (nextRandom() % units) * blocks;
      port.post(c);
    }
    if (n > 0) {
      port.ringCompletion();
      port.ringSubmission();
    }
    if ((round & 255) === 0 && performance.now() >= until) stopping = true;
  }
  return done;
}

async function main(bdf: string, nsid: number, depth: number, seconds: number): Promise<void> {
  const container = new Container();
  container.load(coreModule, pcieTransportModule, vfioModule);
  const driver = container.get(NvmeDriver);
  const ctrlr = await driver.connect(`trtype:PCIe traddr:${bdf}`);
  const ns = ctrlr.getNamespace(nsid)!;
  const qp = await ctrlr.allocIoQpair();
  const blocks = 4096 / ns.extendedBlockSize;
  // LBAs below 2^32: the loop writes SLBA's low dword only.
  const units = Math.floor(Math.min(ns.numSectors, 2 ** 32) / blocks);
  const buffers = Array.from({ length: depth }, () => ctrlr.allocBuffer(4096));
  // Command identifier i is command i's: nothing else posts on this queue pair.
  const commands = buffers.map((b, i) => {
    const c = new Uint32Array(16);
    c[0] = NvmOpcode.Read | (i << 16);
    c[1] = nsid;
    c[6] = b.iova % 2 ** 32;
    c[7] = Math.floor(b.iova / 2 ** 32);
    c[12] = blocks - 1;
    return c;
  });
  const port = qp.transportQueue;
  readLoop(port, commands, units, blocks, performance.now() + RIG_WARMUP_SECONDS * 1000);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const ios = readLoop(port, commands, units, blocks, started + seconds * 1000);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ iops: (ios * 1000) / ms, cpuUsPerIo: (used.user + used.system) / ios }));
  for (const b of buffers) ctrlr.freeBuffer(b);
  await ctrlr.freeIoQpair(qp);
  await driver.detach(ctrlr);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [bdf, nsid, depth, seconds] = process.argv.slice(2);
  await main(bdf!, Number(nsid), Number(depth), Number(seconds));
}
