/**
 * The two engines `pnpm bench:nvmed` compares, on whatever device it is given: nvmed-compat's direct
 * AIO (one handle, HANDLE_DIRECT_IO | HANDLE_HINT_DMEM, `qd` contexts kept in flight with a
 * submit/complete loop, as NVMeDirect's fio plugin does) and core's callback face (`ns.cmdRead` +
 * `processCompletions`) with the same loop, in slices taken in turns, as Markdown table rows.
 * @module
 */
import type { QueuePair } from "@nvmekit/core";
import * as n from "@nvmekit/nvmed-compat";
import { reportOverhead } from "./processes.js";
import {
  type CoreSlot,
  comparisonRows,
  coreDone,
  coreEngine,
  type Engine,
  overhead,
  randomBelow,
  sliced,
  spreadLine,
} from "./timed-loop.js";

const IO = 4096;

/** The callback nvmed's engine gives its contexts: the context is ready again (as core's {@link coreDone}). */
function aioReady(c: n.NVMED_AIO_CTX, ready: unknown): void {
  (ready as n.NVMED_AIO_CTX[]).push(c);
}

/** nvmed direct AIO: `qd` contexts with their own nvmed_get_buffer page, resubmitted as they complete. */
class NvmedEngine implements Engine {
  stopped = false;
  private readonly ready: n.NVMED_AIO_CTX[] = [];
  private readonly buffers: Uint8Array[] = [];
  private readonly span: number;

  constructor(
    private readonly h: n.NVMED_HANDLE,
    qd: number,
  ) {
    this.span = Math.floor(h.nvmed.capacity / IO);
    for (let i = 0; i < qd; i++) {
      const buf = n.nvmed_get_buffer(h.nvmed, 1);
      if (buf === null) throw n.nvmed_last_error();
      this.buffers.push(buf);
      this.ready.push(
        n.nvmed_aio_ctx({ handle: h, len: IO, buf, aio_callback: aioReady, cb_userdata: this.ready }),
      );
    }
  }

  spin(): number {
    const done = n.nvmed_aio_handle_complete(this.h);
    if (!this.stopped && this.ready.length > 0) {
      while (this.ready.length > 0) {
        const c = this.ready.pop()!;
        c.start_lba = randomBelow(this.span) * IO;
        if (n.nvmed_aio_read(c) !== 0) {
          this.ready.push(c); // queue full: reap first
          break;
        }
      }
      n.nvmed_aio_queue_submit(this.h);
    }
    return done;
  }

  inFlight(): number {
    return this.h.aioInFlight;
  }

  close(): void {
    for (const b of this.buffers) n.nvmed_put_buffer(b);
  }
}

/** One workload: both engines at `qd`, on queues set up alike. */
export interface EngineCase {
  /** The table's workload label. */
  label: string;
  /** Contexts / slots in flight. */
  qd: number;
  /** nvmed's handle (its device is the one core reads too). */
  handle: n.NVMED_HANDLE;
  /** core's queue pair, allocated with the options nvmed_queue_create used for the handle's queue. */
  qp: QueuePair;
}

/** How long the engines run. */
export interface SliceSettings {
  /** Seconds of measured slices per workload. */
  seconds: number;
  /** One slice, in milliseconds. */
  sliceMs: number;
  /** Seconds of slices before the measured ones (V8 compiles the path meanwhile). */
  warmupSeconds: number;
}

/**
 * Runs `c` in slices of the two engines in turns (see timed-loop.ts), prints the slices' spread and
 * returns the case's two table rows.
 */
export function compareEngines(c: EngineCase, settings: SliceSettings): string[] {
  const nvmed = c.handle.nvmed;
  // core's callback face with nvmed's loop: reads of IO bytes at random, rung as nvmed_aio_queue_submit rings.
  const ns = nvmed.ns;
  const blocks = IO / ns.sectorSize;
  const span = Math.floor(ns.numSectors / blocks);
  const read = (s: CoreSlot): number =>
    ns.cmdRead(c.qp, s.view, randomBelow(span) * blocks, blocks, coreDone, s);
  const core = coreEngine(nvmed.ctrlr, c.qp, c.qd, IO, read, { flush: true });
  const aio = new NvmedEngine(c.handle, c.qd);
  sliced(core, aio, settings.warmupSeconds, settings.sliceMs);
  const [cores, aios] = sliced(core, aio, settings.seconds, settings.sliceMs);
  core.close();
  aio.close();
  console.log(spreadLine(c.label, cores, aios));
  reportOverhead(c.label, overhead(cores, aios));
  return comparisonRows(c.label, "nvmed direct AIO (DIRECT_IO + HINT_DMEM)", cores, aios);
}
