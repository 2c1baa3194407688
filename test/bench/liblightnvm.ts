/**
 * `pnpm bench:liblightnvm`, run inside the rig's "zoned" guest: liblightnvm's asynchronous path
 * (@nvmekit/liblightnvm-compat: nvm_cmd_write / nvm_cmd_read with NVM_CMD_ASYNC on an nvm_async_ctx,
 * reaped with nvm_async_poke, callbacks re-submitting) against core's callback face (`ns.cmdWrite` /
 * `ns.cmdRead` + `processCompletions`) on the same zoned namespace (QEMU's, through VFIO), with the
 * same queue-pair settings and workloads (liblightnvm-engines.ts): sequential 4 KiB chunk writes at
 * the write pointer (QD 8), and 4 KiB random reads of written sectors (QD 1 and 32). The engines
 * take turns in short slices (the host is shared and its load moves within a second; a slice pair
 * sees the same load), and the overhead is the median of the pairs' differences. Prints a Markdown
 * table for BENCHMARKS.md. A benchmark, not a test: it asserts nothing.
 *
 * `--soft` runs the same on softnvme's in-thread controller with a zoned namespace of the rig's
 * geometry (no rig, no command log): the device then costs the same for both engines and takes no
 * time of its own, so the difference is the compat layer's CPU per command alone.
 * `--only=SUBSTRING` runs the workloads whose label holds it (to profile one). In the rig the whole
 * measurement runs in three processes in turn and ends with the overhead per process and its median
 * (processes.ts; `BENCH_PROCESSES`).
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import * as n from "@nvmekit/liblightnvm-compat";
import { inThreadRig } from "@nvmekit/softnvme";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { RIG_WARMUP_SECONDS } from "./figures.js";
import { Cursor, coreReader, coreWriter, nvmReader, nvmWriter, resetAll } from "./liblightnvm-engines.js";
import { inProcesses, reportOverhead } from "./processes.js";
import { COMPARISON_HEAD, comparisonRows, type Engine, overhead, sliced, spreadLine } from "./timed-loop.js";

const WRITE_QD = 8;
const READ_QDS = [1, 32];
/** Deepest context: its queue pair's requests are the same for both engines. */
const DEPTH = 32;

const soft = process.argv.includes("--soft");
/**
 * Seconds of slices per workload, and the length of one slice: the engines take turns, so a drift in
 * the host's load or the guest's timing falls on both. In the rig's guest a slice is longer (an I/O
 * takes tens of microseconds there).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? (soft ? 20 : 100));
/** Slices in turns before the measured ones. */
const WARMUP_SECONDS = soft ? 1 : RIG_WARMUP_SECONDS;
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? "";
/** Processes measured one after another (processes.ts): `BENCH_PROCESSES`, 3 in the rig, 1 with `--soft`. */
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? (soft ? 1 : 3));
if (await inProcesses(PROCESSES)) process.exit(0);

let driver: NvmeDriver;
let where: string;
if (soft) {
  // The rig's zoned namespace (configs.mjs "zoned"): 64 MiB of 4 KiB blocks, 1 MiB zones of 768 KiB.
  const zoned = { zoneSize: 256, zoneCapacity: 192, maxOpen: 4, maxActive: 6 };
  const ns = { nsid: 1, blockSize: 4096, blocks: 64 * 256, zoned };
  driver = inThreadRig({ namespaces: [ns], recordCommands: false, recordData: false }).driver;
  where = "trtype:SOFT traddr:soft0";
} else {
  const bdf = execFileSync("sh", ["test/rig/guest/nvme-bind.sh", "vfio"], { encoding: "utf8" }).trim();
  const container = new Container();
  container.load(coreModule, pcieTransportModule, vfioModule);
  driver = container.get(NvmeDriver);
  where = `trtype:PCIe traddr:${bdf}`;
}
const opened = await n.nvm_dev_open(`${where} ns:1`, { driver });
if (opened === null) throw n.nvm_last_error();
const dev: n.nvm_dev = opened;
const ctx = await n.nvm_async_init(dev, DEPTH, 0);
if (ctx === null) throw n.nvm_last_error();
// core's side: a queue pair with the requests an nvm_async_ctx of the same depth has.
const qp = await dev.ctrlr.allocIoQpair({ ioQueueRequests: DEPTH + n.NVM_NADDR_MAX });
resetAll(dev.ns, qp);
const g = dev.geo;

console.log(
  `# liblightnvm-compat benchmark: ${dev.ctrlr.data.mn.trim()} at ${where}${soft ? " (in-thread)" : " through VFIO"}, zoned namespace 1 ` +
    `(${g.nchunk} chunks of ${g.nsectr} ${g.nbytes}-byte sectors, backend ${n.nvm_dev_get_be_name(dev)}), ` +
    `${SLICE_MS} ms slices in turns for ${SECONDS} s per workload after ${WARMUP_SECONDS} s of warm-up, ` +
    `one queue pair each (${dev.ctrlr.options.ioQueueSize} entries, ${DEPTH + n.NVM_NADDR_MAX} requests)\n`,
);
const lines = [...COMPARISON_HEAD];

/**
 * Measures one workload and adds its rows: slices in turns. `make` builds an engine over the write
 * cursor both share; `written` resets every zone at the end (the writes filled them). The overhead
 * is the median over pairs of compat's CPU per I/O minus core's in the same pair, beside the
 * quartiles of those differences: a disturbed slice moves the totals, not the median.
 */
function compare(
  label: string,
  makeCore: (cur: Cursor) => Engine,
  makeNvm: (cur: Cursor) => Engine,
  written: boolean,
): void {
  if (!label.includes(only)) return;
  // Both engines are built once and write at one cursor: each goes on where the other stopped.
  const cur = new Cursor(g);
  const c = makeCore(cur);
  const v = makeNvm(cur);
  sliced(c, v, WARMUP_SECONDS, SLICE_MS);
  const [cores, nvms] = sliced(c, v, SECONDS, SLICE_MS);
  c.close();
  v.close();
  if (written) resetAll(dev.ns, qp);
  console.log(spreadLine(label, cores, nvms));
  lines.push(...comparisonRows(label, "liblightnvm-compat NVM_CMD_ASYNC + nvm_async_poke", cores, nvms));
  reportOverhead(label, overhead(cores, nvms));
}

// Sequential chunk writes; then fill every chunk once so the reads read written sectors.
compare(
  `seq chunk write 4k qd${WRITE_QD}`,
  (cur) => coreWriter(dev, qp, WRITE_QD, cur),
  (cur) => nvmWriter(dev, ctx, WRITE_QD, cur),
  true,
);
{
  const buf = dev.ctrlr.allocBuffer(g.nbytes, 4096);
  for (let c = 0; c < g.nchunk; c++)
    for (let sec = 0; sec < g.nsectr; sec += 1)
      await dev.ns.write(qp, buf.bytes, c * dev.chunkStride + sec, 1);
  dev.ctrlr.freeBuffer(buf);
}
for (const qd of READ_QDS)
  compare(
    `randread 4k qd${qd}`,
    () => coreReader(dev, qp, qd),
    () => nvmReader(dev, ctx, qd),
    false,
  );
console.log(`\n${lines.join("\n")}\n`);

resetAll(dev.ns, qp);
await dev.ctrlr.freeIoQpair(qp);
await n.nvm_async_term(dev, ctx);
await n.nvm_dev_close(dev);
await driver.detachAll();
