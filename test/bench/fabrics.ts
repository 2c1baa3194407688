/**
 * `pnpm bench:tcp` and `pnpm bench:rdma` (`fabrics.js tcp|rdma`), run inside the rig's "fabrics"
 * guest: the same workloads against the same Linux nvmet target (its null_blk subsystem: NVMe/TCP on
 * 127.0.0.1:4420, RDMA on soft-RoCE at 10.66.0.1:4420), through nvmekit's host for that transport with
 * default queue-pair options (what `nvmekit perf -r` runs) and through the kernel's host (nvme-tcp or
 * nvme-rdma) with fio/io_uring on the block device it creates, in one boot, side by side: each
 * workload runs on the kernel's host and then at once on nvmekit's (after a warm-up of
 * RIG_WARMUP_SECONDS, in which V8 compiles the path), so both see the host's load of the same minute. Prints
 * Markdown tables for BENCHMARKS.md; for RDMA also the data-path verbs calls per I/O, and issue 13's
 * targets read off QD 32 rounds in which the two hosts take turns. A benchmark, not a test: it
 * asserts nothing.
 *
 * CPU per I/O is the whole guest's busy time (/proc/stat) over the run divided by the I/Os, for both
 * engines: the kernel host does much of its work in kernel threads that fio's own CPU time leaves
 * out, and the target runs in the same guest for both.
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { runWorkload } from "@nvmekit/cli";
import { type Controller, coreModule, NvmeDriver } from "@nvmekit/core";
import { channelWaits, dataPathCalls, rdmaTransportModule } from "@nvmekit/transport-rdma";
import { tcpTransportModule } from "@nvmekit/transport-tcp";
import { Container, type ContainerModule } from "inversify";
import type { BenchFigures, BenchRow, BenchWorkload } from "./figures.js";
import {
  BENCH_SECONDS,
  BENCH_WORKLOADS,
  printTable,
  printTargets,
  RIG_WARMUP_SECONDS,
  runRounds,
  workloadLabel,
} from "./figures.js";
import { runFio } from "./fio.js";

/** What differs between the fabrics: where the rig's target listens, and which hosts talk to it. */
interface Fabric {
  trtype: string;
  traddr: string;
  module: ContainerModule;
  kernelModule: string;
  label: string;
  /** The issue whose QD 32 targets (at least the kernel host's IOPS, less CPU per I/O) this fabric has. */
  targetsOf?: number;
}

const FABRICS: Record<string, Fabric> = {
  tcp: {
    trtype: "TCP",
    traddr: "127.0.0.1",
    module: tcpTransportModule,
    kernelModule: "nvme-tcp",
    label: "NVMe/TCP",
  },
  rdma: {
    trtype: "RDMA",
    traddr: "10.66.0.1",
    module: rdmaTransportModule(),
    kernelModule: "nvme-rdma",
    label: "RDMA",
    targetsOf: 13,
  },
};
const fabric = FABRICS[process.argv[2] ?? ""];
if (fabric === undefined) throw new Error(`usage: fabrics.js ${Object.keys(FABRICS).join("|")}`);
const TRADDR = fabric.traddr;
const TRSVCID = "4420";
const NQN = "nqn.2024-01.io.nvmekit:null";
const callsPerIo = new Map<string, { calls: number; waits: number }>();

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Busy and total jiffies of the whole machine so far (the first line of /proc/stat). */
function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!; // idle + iowait
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Machine-wide CPU microseconds spent while `run` ran. */
async function machineCpuUs<T>(run: () => Promise<T> | T): Promise<{ result: T; cpuUs: number }> {
  const hz = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
  const before = cpuTicks();
  const result = await run();
  const after = cpuTicks();
  return { result, cpuUs: ((after.busy - before.busy) / hz) * 1e6 };
}

async function ours(ctrlr: Controller, w: BenchWorkload): Promise<BenchFigures> {
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair();
  try {
    const spec = { ...w, readPercent: w.pattern.includes("read") ? 100 : 0, verify: false, maxIos: 0 };
    // The warm-up (V8 compiles the path) is a run of its own: the guest's CPU time and the verbs calls
    // counted below are then the measured I/Os' alone, as fio's are.
    await runWorkload(ns, qp, { ...spec, seconds: RIG_WARMUP_SECONDS });
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const callsBefore = dataPathCalls.count;
    const waitsBefore = channelWaits.count;
    const { result: r, cpuUs } = await machineCpuUs(() => runWorkload(ns, qp, spec));
    callsPerIo.set(workloadLabel(w), {
      calls: (dataPathCalls.count - callsBefore) / r.ios,
      waits: (channelWaits.count - waitsBefore) / r.ios,
    });
    gc();
    return {
      engine: `nvmekit ${fabric.label}`,
      iops: r.iops,
      mibps: r.mibps,
      avgUs: r.latencyUs.avg,
      p50Us: r.latencyUs.p50,
      p99Us: r.latencyUs.p99,
      p999Us: r.latencyUs.p999,
      cpuUsPerIo: cpuUs / r.ios,
      heapGrowthBytes: process.memoryUsage().heapUsed - heapBefore,
    };
  } finally {
    await ctrlr.freeIoQpair(qp);
  }
}

/** The kernel's host connected to the target: its block device, and how to let go of it. */
async function connectKernelHost(): Promise<{ block: string; disconnect: () => void }> {
  execFileSync("modprobe", [fabric.kernelModule]);
  const connect = [
    "connect",
    "-t",
    fabric.trtype.toLowerCase(),
    "-a",
    TRADDR,
    "-s",
    TRSVCID,
    "-n",
    NQN,
    "-o",
    "json",
  ];
  const { device } = JSON.parse(execFileSync("nvme", connect, { encoding: "utf8" }));
  const block = `/dev/${device}n1`;
  for (let i = 0; i < 50 && !existsSync(block); i++) await sleep(100);
  return { block, disconnect: () => execFileSync("nvme", ["disconnect", "-d", device]) };
}

/** `w` through the kernel's host with fio. */
async function kernelRun(block: string, w: BenchWorkload): Promise<BenchFigures> {
  const { result, cpuUs } = await machineCpuUs(() => runFio(block, w));
  return {
    ...result,
    engine: `kernel ${fabric.kernelModule} + io_uring (fio)`,
    cpuUsPerIo: cpuUs / (result.iops * w.seconds),
  };
}

/**
 * Runs the QD 32 comparison of issue `issue`, the kernel's host and nvmekit's in turns, and prints
 * each round's figures and the medians of their ratios against its targets.
 */
async function measureTargets(block: string, issue: number): Promise<void> {
  const qd32 = (pattern: string) =>
    BENCH_WORKLOADS.find((w) => w.pattern === pattern && w.queueDepth === 32)!;
  const [read, write] = [qd32("randread"), qd32("randwrite")];
  const rounds = await runRounds([
    ["kernelRead", () => kernelRun(block, read)],
    ["oursRead", () => ours(ctrlr, read)],
    ["kernelWrite", () => kernelRun(block, write)],
    ["oursWrite", () => ours(ctrlr, write)],
  ]);
  const f = (n: number, d = 0): string => n.toFixed(d);
  printTargets(
    `Targets (issue ${issue}), QD 32 4 KiB, nvmekit's host against the kernel's`,
    rounds,
    (t) =>
      `randread ${f(t.oursRead.iops)} / kernel ${f(t.kernelRead.iops)} IOPS (CPU us/IO ${f(t.oursRead.cpuUsPerIo, 1)} / ${f(t.kernelRead.cpuUsPerIo, 1)}), ` +
      `randwrite ${f(t.oursWrite.iops)} / kernel ${f(t.kernelWrite.iops)} IOPS (CPU us/IO ${f(t.oursWrite.cpuUsPerIo, 1)} / ${f(t.kernelWrite.cpuUsPerIo, 1)})`,
    [
      ["randread IOPS", (t) => t.oursRead.iops / t.kernelRead.iops, "at least 1.00x"],
      ["randread CPU per I/O", (t) => t.oursRead.cpuUsPerIo / t.kernelRead.cpuUsPerIo, "below 1.00x"],
      ["randwrite IOPS", (t) => t.oursWrite.iops / t.kernelWrite.iops, "at least 1.00x"],
      ["randwrite CPU per I/O", (t) => t.oursWrite.cpuUsPerIo / t.kernelWrite.cpuUsPerIo, "below 1.00x"],
    ],
  );
}

const kernel = await connectKernelHost();
const container = new Container();
container.load(coreModule, fabric.module);
const driver = container.get(NvmeDriver);
const ctrlr = await driver.connect(
  `trtype:${fabric.trtype} adrfam:IPv4 traddr:${TRADDR} trsvcid:${TRSVCID} subnqn:${NQN}`,
);
console.log(
  `# nvmekit ${fabric.label} benchmark: Linux nvmet (null_blk) at ${TRADDR}:${TRSVCID}, ${BENCH_SECONDS} s per workload ` +
    `(nvmekit after ${RIG_WARMUP_SECONDS} s of warm-up), each workload on the kernel's host then on nvmekit's, ` +
    `default queue-pair options; CPU us/IO is the whole guest's\n`,
);
const rows: BenchRow[] = [];
try {
  for (const w of BENCH_WORKLOADS) {
    const k = await kernelRun(kernel.block, w);
    rows.push({ workload: w, ours: await ours(ctrlr, w), kernel: k, cDriver: null });
  }
  printTable(`nvmet over ${fabric.label}, null_blk namespace`, rows);
  if (fabric.targetsOf !== undefined) await measureTargets(kernel.block, fabric.targetsOf);
} finally {
  kernel.disconnect();
}
if (fabric.trtype === "RDMA") {
  console.log(
    "\n| workload | data-path verbs calls per I/O (post send, post recv, poll CQ, arm CQ) | completion-channel sleeps per I/O |\n| --- | ---: | ---: |",
  );
  for (const [label, { calls, waits }] of callsPerIo)
    console.log(`| ${label} | ${calls.toFixed(2)} | ${waits.toFixed(3)} |`);
}
await driver.detach(ctrlr);
