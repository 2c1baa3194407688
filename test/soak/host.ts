/**
 * `pnpm soak`, host part: the software controller the CLI embeds (a worker thread behind the PCIe
 * transport, as `nvmekit perf` gets it with no -r) under `perf --verify`'s engine at QD 32 for twelve
 * phases, each with a reset, and by turns dropped completions, delayed completions, media errors and a
 * controller fatal status (CSTS.CFS); the last phase ends in a surprise removal with I/O in flight,
 * after which the controller is opened again (its memory-backed namespace keeps its data, as a drive
 * would) and every block is read back against the model. Prints the soak's last line; exits 1 when
 * anything was lost, corrupted, completed twice, or the driver missed what it should have noticed.
 * @module
 */
import "reflect-metadata";
import { verifyModelFor } from "@nvmekit/cli";
import { type Controller, ControllerState, coreModule, NvmeDriver } from "@nvmekit/core";
import { PCI_DEVICE_PROVIDER } from "@nvmekit/pci-port";
import {
  MediaSc,
  NvmOpc,
  nvmeStatus,
  Sct,
  SoftControllerProvider,
  type SoftPciDevice,
} from "@nvmekit/softnvme";
import { type PcieConnection, pcieTransportModule } from "@nvmekit/transport-pcie";
import { Container, ContainerModule } from "inversify";
import { SOAK_DEPTH, type SoakEvent, soakPhase, soakSpec, sweepSpec } from "./soak-phase.js";
import { SoakTally } from "./soak-tally.js";

const TRID = "trtype:PCIe traddr:fffe:00:00.0";
const PHASES = 12;
const PHASE_IOS = Number(process.env.SOAK_PHASE_IOS ?? 100_000);
const DEPTH = SOAK_DEPTH;
/** How long the driver gets to notice a controller fatal status on its own before the soak resets. */
const CFS_GRACE_MS = 2000;

const container = new Container();
container.load(
  coreModule,
  pcieTransportModule,
  new ContainerModule(({ bind }) => {
    bind(PCI_DEVICE_PROVIDER).toConstantValue(new SoftControllerProvider([{}]));
  }),
);
const driver = container.get(NvmeDriver);

async function open() {
  const ctrlr = await driver.connect(TRID);
  const device = (ctrlr.connection as PcieConnection).device as SoftPciDevice;
  const ns = ctrlr.getNamespace(1)!;
  const qp = await ctrlr.allocIoQpair({ ioQueueSize: DEPTH + 1, ioQueueRequests: DEPTH });
  return { ctrlr, device, ns, qp };
}

let { ctrlr, device, ns, qp } = await open();
const spec = soakSpec(ns, PHASE_IOS);
const model = verifyModelFor(ns, spec);
const tally = new SoakTally(model);

const reset = (c: Controller): SoakEvent => ({
  atIos: PHASE_IOS * 0.6,
  name: "reset",
  run: async () => {
    await c.reset();
    tally.resets++;
  },
});

/**
 * The events of phase `i`: a fault, by turns, then a reset (which also ends dropped commands). The
 * fatal status brings its own reset: once the controller is Failed the job may stop (submissions
 * throw StateError), and an event after that would never come due.
 */
function phaseEvents(i: number): SoakEvent[] {
  const at = PHASE_IOS * 0.3;
  const control = device.control;
  const resetAfter = reset(ctrlr);
  switch (i % 5) {
    case 1:
      return [
        { atIos: at, name: "drop", run: () => arm(4, control.dropCompletions({ nsid: 1 }, 4)) },
        resetAfter,
      ];
    case 2:
      return [
        { atIos: at, name: "delay", run: () => arm(64, control.delayCompletions({ nsid: 1 }, 20, 64)) },
        resetAfter,
      ];
    case 3:
      return [
        {
          atIos: at,
          name: "media errors",
          run: async () => {
            for (const [opcode, sc] of [
              [NvmOpc.Write, MediaSc.WriteFault],
              [NvmOpc.Read, MediaSc.UnrecoveredReadError],
            ] as const)
              await arm(
                16,
                control.failCommands({ nsid: 1, opcode }, nvmeStatus(Sct.Media, sc, { dnr: true }), 16),
              );
          },
        },
        resetAfter,
      ];
    case 4:
      return [{ atIos: at, name: "fatal status", run: () => fatal(ctrlr) }];
    default:
      return [resetAfter];
  }
}

async function arm(times: number, armed: Promise<void>): Promise<void> {
  await armed;
  tally.faults += times;
}

/** CSTS.CFS: the driver should mark the controller failed (and fail its I/O) on its own. */
async function fatal(c: Controller): Promise<void> {
  await device.control.fatal("soak");
  tally.faults++;
  const since = performance.now();
  while (c.state !== ControllerState.Failed && performance.now() - since < CFS_GRACE_MS)
    await new Promise((r) => setTimeout(r, 10));
  if (c.state !== ControllerState.Failed)
    tally.findings.push(
      `CSTS.CFS not noticed: the controller stayed ${c.state} for ${CFS_GRACE_MS} ms, its I/O hanging`,
    );
  // Noticed or not, a reset brings it back (and ends the I/O it left hanging).
  await c.reset();
  tally.resets++;
}

for (let i = 0; i < PHASES - 1; i++) {
  const events = phaseEvents(i);
  console.error(`phase ${i + 1}: ${events.map((e) => e.name).join(", ")}`);
  tally.add(await soakPhase({ ns, qp, spec, model }, events));
  console.error(`  ${JSON.stringify(model.counts)}`);
  await device.control.clearFaults();
}

// The last phase: a surprise removal with every slot in flight; each I/O must end (with an error) once.
const removal: SoakEvent = {
  atIos: PHASE_IOS * 0.5,
  name: "surprise removal",
  run: async (stop) => {
    stop();
    await device.control.surpriseRemove();
    tally.removals++;
  },
};
tally.add(await soakPhase({ ns, qp, spec, model }, [removal]));
await driver.detach(ctrlr).catch(() => undefined);

// The same drive again: every block must hold what the model says.
({ ctrlr, device, ns, qp } = await open());
tally.add(await soakPhase({ ns, qp, spec: sweepSpec(spec, ns, model), model }, []));
await driver.detach(ctrlr);

for (const line of tally.lines()) console.log(line);
process.exitCode = tally.passed ? 0 : 1;
