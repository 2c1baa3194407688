/**
 * `pnpm soak`, rig part (run in a QEMU guest by `node test/rig/run.mjs --config hot-remove`): QEMU's
 * NVMe controller through VFIO under `perf --verify`'s engine at QD 32 on a part of namespace 1, for
 * eleven phases each with a controller reset while I/O is in flight, then a read of every block of
 * the part against the model, then a QMP hot removal (device_del) while 32 I/Os are outstanding (not
 * reaped by the host: QEMU executes a command as soon as it sees it, so "in flight" is the driver's
 * view): each must be called back exactly once, the remove event must fire once, and the guest kernel
 * must log no DMAR fault.
 * Prints the soak's last line; exits 1 when anything was lost, corrupted, completed twice, or missed.
 * @module
 */
import "reflect-metadata";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BlockViews, verifyModelFor } from "@nvmekit/cli";
import { ControllerState, coreModule, NvmeDriver } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { pcieTransportModule, vfioModule } from "@nvmekit/transport-pcie";
import { Container } from "inversify";
import { bind, dmarFaults } from "../device/rig-guest.js";
import { SOAK_DEPTH, type SoakEvent, STALL_MS, soakPhase, soakSpec, sweepSpec } from "./soak-phase.js";
import { SoakTally } from "./soak-tally.js";

const PHASES = 11;
const PHASE_IOS = Number(process.env.SOAK_PHASE_IOS ?? 10_000);
const DEPTH = SOAK_DEPTH;
/** The part of namespace 1 the soak uses (1/16 of 128 MiB: 2048 I/Os of 4 KiB to pre-fill). */
const PART = { index: 0, count: 16 };

const bdf = bind("vfio");
const faultsBefore = dmarFaults().length;
const container = new Container();
container.load(coreModule, pcieTransportModule, vfioModule);
const driver = container.get(NvmeDriver);
let removeEvents = 0;
await driver.probe(`trtype:PCIe traddr:${bdf}`, {
  remove: () => {
    removeEvents++;
  },
});
const ctrlr = driver.controllers[0]!;
const ns = ctrlr.getNamespace(1)!;
const qp = await ctrlr.allocIoQpair({ ioQueueSize: DEPTH + 1, ioQueueRequests: DEPTH });
const spec = soakSpec(ns, PHASE_IOS, PART);
const model = verifyModelFor(ns, spec);
const tally = new SoakTally(model);

const reset: SoakEvent = {
  atIos: PHASE_IOS / 2,
  name: "reset",
  run: async () => {
    await ctrlr.reset();
    tally.resets++;
  },
};
for (let i = 0; i < PHASES; i++) {
  tally.add(await soakPhase({ ns, qp, spec, model }, [reset]));
  console.error(`phase ${i + 1}: ${JSON.stringify(model.counts)}`);
}

// Every block of the part, read back against the model.
tally.add(await soakPhase({ ns, qp, spec: sweepSpec(spec, ns, model), model }, []));

// QMP hot removal with 32 I/Os outstanding: submitted (writes stamped through the model, reads
// poisoned) and not reaped when device_del goes out; each must be called back exactly once.
const calls = new Uint8Array(DEPTH);
const statuses: number[] = [];
const bytes = spec.ioSize;
const buffer = ctrlr.allocBuffer(DEPTH * bytes);
const blocksPerIo = bytes / ns.extendedBlockSize;
for (let i = 0; i < DEPTH; i++) {
  const view = buffer.bytes.subarray(i * bytes, (i + 1) * bytes);
  const blocks = new BlockViews(view, ns.extendedBlockSize);
  const lba = model.firstLba + i * blocksPerIo;
  const done = (_: null, cpl: Completion) => {
    calls[i]!++;
    statuses.push(cpl.status);
  };
  if (i % 2 === 0) {
    model.stamp(blocks, lba, blocksPerIo, model.nextSeq());
    ns.cmdWrite(qp, view, lba, blocksPerIo, done, null);
  } else {
    model.poison(blocks);
    ns.cmdRead(qp, view, lba, blocksPerIo, done, null);
  }
}
await promisify(execFile)("sh", [
  "test/rig/guest/qmp.sh",
  '{"execute":"device_del","arguments":{"id":"nvme0"}}',
]);
tally.removals++;
const since = performance.now();
while (ctrlr.state !== ControllerState.Removed && performance.now() - since < STALL_MS)
  await new Promise((r) => setTimeout(r, 10));
const once = calls.filter((n) => n === 1).length;
console.error(
  `removal: ${once} of ${DEPTH} outstanding I/Os called back exactly once, ` +
    `${statuses.filter((s) => s !== 0).length} with an error status`,
);
if (once !== DEPTH) tally.findings.push(`after device_del, callbacks per I/O: ${[...calls].join(" ")}`);
if (ctrlr.state !== ControllerState.Removed)
  tally.findings.push(`after device_del the controller is ${ctrlr.state}`);
if (removeEvents !== 1) tally.findings.push(`the remove event fired ${removeEvents} times`);
const faults = dmarFaults().slice(faultsBefore);
if (faults.length > 0) tally.findings.push(`DMAR faults: ${faults.join(" | ")}`);
await driver.detach(ctrlr).catch(() => undefined);

for (const line of tally.lines()) console.log(line);
process.exitCode = tally.passed ? 0 : 1;
