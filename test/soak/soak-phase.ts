/**
 * One phase of a soak: the perf engine with `--verify` (and the model the soak keeps across phases)
 * runs a job to its I/O count while events (a reset, a fault, a removal) fire when the count reaches
 * theirs, one at a time. A phase whose I/Os stop completing for {@link STALL_MS} ends the process
 * with the stall reported: a driver that leaves I/O hanging fails the soak rather than hanging it.
 * @module
 */
import {
  checkWorkload,
  runWorkloads,
  type VerifyModel,
  type WorkloadJob,
  type WorkloadPart,
  type WorkloadResult,
  type WorkloadSpec,
} from "@nvmekit/cli";
import type { Namespace } from "@nvmekit/core";

/** I/Os the soak keeps in flight. */
export const SOAK_DEPTH = 32;

/** The soak's workload on `ns` (or a part of it): verified randrw 50% at 4 KiB, QD 32, `phaseIos` per phase. */
export function soakSpec(ns: Namespace, phaseIos: number, part?: WorkloadPart): WorkloadSpec {
  return checkWorkload(
    {
      pattern: "randrw",
      readPercent: 50,
      ioSize: 4096,
      queueDepth: SOAK_DEPTH,
      seconds: 24 * 3600,
      maxIos: phaseIos,
      verify: true,
      ...(part === undefined ? {} : { part }),
    },
    ns,
  );
}

/** `spec` turned into one sequential read of every block `model` covers. */
export function sweepSpec(spec: WorkloadSpec, ns: Namespace, model: VerifyModel): WorkloadSpec {
  const units = model.blocks / (spec.ioSize / ns.extendedBlockSize);
  return checkWorkload({ ...spec, pattern: "read", readPercent: 100, maxIos: units }, ns);
}

/** Something the soak does to the device or the driver once the phase has done `atIos` I/Os. */
export interface SoakEvent {
  /** When, in I/Os completed in this phase. */
  atIos: number;
  /** What it is, for the report. */
  name: string;
  /** Does it; the next event waits for it. `stop` ends the phase's submissions at once. */
  run(stop: () => void): Promise<void> | void;
}

/** How long the I/O count may stand still before the soak gives up (a hang, not a slow device). */
export const STALL_MS = 20_000;

/**
 * Runs `job` and `events`; returns its figures once every event ran. The job ends at `spec.maxIos`
 * I/Os, or (with events) later if one is still due or running then (an event's own awaits, such as arming a
 * fault in the controller's thread, can outlast the rest of a fast phase).
 */
export async function soakPhase(job: WorkloadJob, events: readonly SoakEvent[]): Promise<WorkloadResult> {
  const queue = [...events].sort((a, b) => a.atIos - b.atIos);
  const stopper = new AbortController();
  const stop = () => stopper.abort();
  let running: Promise<void> | undefined;
  let current = "";
  let failure: unknown;
  let lastIos = -1;
  let lastChange = 0;
  // With events, the phase itself stops the job at its count once none is due (see `stop` below).
  const target = events.length > 0 ? (job.spec.maxIos ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  const run = events.length > 0 ? { ...job, spec: { ...job.spec, maxIos: undefined } } : job;
  const [result] = await runWorkloads([run], {
    progressMs: 5,
    signal: stopper.signal,
    onProgress: (ios, ms) => {
      if (ios !== lastIos) [lastIos, lastChange] = [ios, ms];
      else if (ms - lastChange > STALL_MS)
        stalled(`after ${ios} I/Os${running ? ` (during "${current}")` : ""}`);
      const next = queue[0];
      if (running === undefined && next === undefined && ios >= target) stop();
      if (running !== undefined || next === undefined || ios < next.atIos) return;
      queue.shift();
      current = next.name;
      running = Promise.resolve()
        .then(() => next.run(stop))
        .catch((e: unknown) => {
          failure ??= new Error(`soak event "${next.name}" failed: ${(e as Error).message}`, { cause: e });
          stop();
        })
        .finally(() => {
          running = undefined;
        });
    },
  });
  if (running !== undefined) {
    const watch = setTimeout(() => stalled(`in "${current}" after the last I/O`), STALL_MS);
    await running;
    clearTimeout(watch);
  }
  if (failure !== undefined) throw failure;
  if (queue.length > 0)
    throw new Error(`the phase ended before "${queue[0]!.name}" (at ${queue[0]!.atIos} I/Os)`);
  return result!;
}

/** Ends the process: the driver left I/O (or a recovery step) hanging. */
function stalled(where: string): never {
  console.error(`soak: stalled: nothing completed for ${STALL_MS / 1000} s ${where}`);
  process.exit(1);
}
