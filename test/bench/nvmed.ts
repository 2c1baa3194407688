/**
 * `pnpm bench:nvmed`, run inside the rig's "bench" guest: the NVMeDirect API's direct AIO against
 * core's callback face (nvmed-engines.ts) on the same controller, namespace (the null-backed namespace
 * 1), queue settings and workload: 4 KiB random reads at QD 1 and 32, and at QD 32 on queues with
 * delayed doorbells (QUEUE_DELAYED_DOORBELL against core's `delayDoorbell`). The same comparison over
 * a loopback device, and cached reads, run on the host first (nvmed-host.ts). Prints a Markdown table
 * for BENCHMARKS.md, from three processes in turn, then the overhead per process and its median
 * (processes.ts). A benchmark, not a test: it asserts nothing.
 * @module
 */
import "reflect-metadata";
import { execFileSync } from "node:child_process";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import * as n from "@nvmekit/nvmed-compat";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { RIG_WARMUP_SECONDS } from "./figures.js";
import { compareEngines, type SliceSettings } from "./nvmed-engines.js";
import { inProcesses } from "./processes.js";
import { COMPARISON_HEAD } from "./timed-loop.js";

/** Slices in the guest: longer than on the host (an I/O takes tens of microseconds there). */
const SLICES: SliceSettings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 20),
  sliceMs: Number(process.env.BENCH_SLICE_MS ?? 100),
  warmupSeconds: RIG_WARMUP_SECONDS,
};

/** Processes measured one after another (processes.ts): `BENCH_PROCESSES`, default 3. */
if (await inProcesses(Number(process.env.BENCH_PROCESSES ?? 3))) process.exit(0);

const bdf = execFileSync("sh", ["test/rig/guest/nvme-bind.sh", "vfio"], { encoding: "utf8" }).trim();
const container = new Container();
container.load(coreModule, pcieTransportModule, vfioModule);
const driver = container.get(NvmeDriver);
const nvmed = await n.nvmed_open(`trtype:PCIe traddr:${bdf} ns:1`, 0, { driver });
if (nvmed === null) throw n.nvmed_last_error();
const ctrlr = nvmed.ctrlr;
const q = await n.nvmed_queue_create(nvmed, 0);
const qDelayed = await n.nvmed_queue_create(nvmed, n.QUEUE_DELAYED_DOORBELL);
if (q === null || qDelayed === null) throw nvmed.lastError;
const direct = n.nvmed_handle_create(q, n.HANDLE_DIRECT_IO | n.HANDLE_HINT_DMEM)!;
const directDelayed = n.nvmed_handle_create(qDelayed, n.HANDLE_DIRECT_IO | n.HANDLE_HINT_DMEM)!;
// core's side: its own queue pairs with the options nvmed_queue_create uses for those flags.
// nvmed_queue_create without QUEUE_DELAYED_DOORBELL rings per submission; core's default is delayed.
const qp = await ctrlr.allocIoQpair({ delayDoorbell: false });
const qpDelayed = await ctrlr.allocIoQpair({ delayDoorbell: true });

console.log(
  `# nvmed-compat benchmark: ${ctrlr.data.mn.trim()} at ${bdf} through VFIO, namespace 1 ` +
    `(${nvmed.capacity / 2 ** 30} GiB null-backed, ${nvmed.sectorSize}-byte LBAs), ` +
    `${SLICES.sliceMs} ms slices in turns for ${SLICES.seconds} s per workload after ${SLICES.warmupSeconds} s of ` +
    `warm-up, one queue pair each ` +
    `(${ctrlr.options.ioQueueSize} entries; the doorbell rung per submission, or per batch where delayed)\n`,
);
const lines = [...COMPARISON_HEAD];
lines.push(...compareEngines({ label: "randread 4k qd1", qd: 1, handle: direct, qp }, SLICES));
lines.push(...compareEngines({ label: "randread 4k qd32", qd: 32, handle: direct, qp }, SLICES));
lines.push(
  ...compareEngines(
    { label: "randread 4k qd32, delayed doorbell", qd: 32, handle: directDelayed, qp: qpDelayed },
    SLICES,
  ),
);
console.log(`\n${lines.join("\n")}\n`);

n.nvmed_handle_destroy(direct);
n.nvmed_handle_destroy(directDelayed);
await n.nvmed_queue_destroy(q);
await n.nvmed_queue_destroy(qDelayed);
await ctrlr.freeIoQpair(qp);
await ctrlr.freeIoQpair(qpDelayed);
await n.nvmed_close(nvmed);
await driver.detachAll();
