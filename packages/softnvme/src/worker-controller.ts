/**
 * A controller model running in its own thread: the model over the host's shared DMA regions, the
 * BAR mirror feeding it, interrupts, the poll loop, and the answers to the host's control requests.
 * @module
 */
import { type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import { BarMirror } from "./bar-mirror.js";
import type { ControlReply, ControlRequest, SoftControl, WorkerInit } from "./control.js";
import { SoftController } from "./controller.js";
import type { DmaRegionShare } from "./dma-region.js";
import { InterruptRaiser } from "./interrupts.js";
import { RegionMap } from "./region-map.js";
import { PollLoop } from "./worker-loop.js";

// While removed, the BAR is refilled with ones at most this often (the host may still write to it).
const REMOVED_REFILL_MS = 1;

/** Builds the controller described by `init` and serves control requests arriving on `port`. */
export function runController(init: WorkerInit, port: MessagePort): void {
  const regions = new RegionMap(init.regions, () => drain(init.regionPort));
  const model = new SoftController(regions, {
    // A long-running device keeps no per-command history unless asked to.
    recordCommands: false,
    recordData: false,
    ...init.controller,
    maxIoQueues: init.maxQueues,
    interruptVectors: init.vectors,
  });
  const mirror = new BarMirror(new Uint32Array(init.bar), model, init.maxQueues);
  const irq = new InterruptRaiser(new Int32Array(init.interrupts), init.vectors);
  model.signals.interrupt = (v) => irq.raise(v);
  let refilled = 0;
  const loop = new PollLoop(
    () => {
      if (model.isRemoved) {
        const now = performance.now();
        if (now - refilled >= REMOVED_REFILL_MS) {
          mirror.showRemoved();
          refilled = now;
        }
        return false;
      }
      const work = mirror.poll();
      irq.flush();
      return work;
    },
    new Int32Array(init.wake),
    init.timing,
  );
  const control = controlOf(model, mirror, loop);
  port.on("message", (req: ControlRequest) => {
    const reply: ControlReply = { id: req.id };
    try {
      const fn = control[req.op] as (...args: unknown[]) => unknown;
      reply.value = fn(...req.args);
    } catch (e) {
      reply.error = (e as Error).message;
    }
    port.postMessage(reply);
    if (req.op === "shutdown") port.close();
  });
  loop.start();
  port.postMessage({ id: 0, value: "ready" } satisfies ControlReply);
}

// Regions announced since the last look.
function drain(port: MessagePort): DmaRegionShare[] {
  const out: DmaRegionShare[] = [];
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    out.push(m.message as DmaRegionShare);
  }
  return out;
}

// The control requests, acting on the model in this thread.
function controlOf(model: SoftController, mirror: BarMirror, loop: PollLoop): SoftControl {
  return {
    failLba: (nsid, lba, status, times) => void model.failLba(nsid, lba, status, times),
    failCommands: (match, status, times) => void model.failCommands(match, status, times),
    dropCompletions: (match, times) => void model.dropCompletions(match, times),
    delayCompletions: (match, ms, times) => void model.delayCompletions(match, ms, times),
    holdCompletions: (qid) => model.holdCompletions(qid),
    releaseCompletions: (qid, count) => model.releaseCompletions(qid, count),
    clearFaults: () => model.clearFaults(),
    fatal: (reason) => model.fatal(reason),
    surpriseRemove: () => {
      model.surpriseRemove();
      mirror.showRemoved();
    },
    raiseAsyncEvent: (type, info, logPage) => model.raiseAsyncEvent(type, info, logPage),
    functionReset: () => {
      model.functionReset();
      mirror.resetRegisters();
    },
    status: () => ({
      ready: model.ready,
      halted: model.isHalted,
      removed: model.isRemoved,
      commandCount: model.commandCount,
      keepAlives: model.keepAlives,
      outstandingAsyncEventRequests: model.outstandingAsyncEventRequests,
      diagnostics: [...model.diagnostics],
      dmaFaults: model.dmaFaults.map((f) => ({ iova: f.iova, length: f.length, message: f.message })),
      loop: { ...loop.stats },
    }),
    commands: () => model.commands,
    clearLogs: () => model.clearLogs(),
    shutdown: () => {
      loop.stop();
      for (const ns of model.namespaces.values()) ns.close();
    },
  };
}
