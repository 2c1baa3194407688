/**
 * The two engines `pnpm bench:liblightnvm` compares on one zoned namespace, each a spin function over
 * fixed slots: liblightnvm-compat's asynchronous path (nvm_cmd_write / nvm_cmd_read with
 * NVM_CMD_ASYNC | NVM_CMD_SCALAR on an nvm_async_ctx, reaped by nvm_async_poke) and core's callback
 * face (`ns.cmdWrite` / `ns.cmdRead` + `processCompletions`). Both hand the device the same commands:
 * sequential 4 KiB writes at the write pointer (a {@link Cursor} two writers may share), or 4 KiB
 * reads of random written sectors; when every chunk is written, whoever is writing drains and resets
 * all zones with the same core call.
 * @module
 */
import { type Namespace, type QueuePair, ZoneSendAction } from "@nvmekit/core";
import * as n from "@nvmekit/liblightnvm-compat";
import { coreDone, coreEngine, type Engine, randomBelow } from "./timed-loop.js";

/** Where the next sequential write goes: chunk and sector, wrapping (with a reset of all zones) at the end. */
export class Cursor {
  chunk = 0;
  sectr = 0;
  /** Every chunk is written: the zones must be reset (with nothing in flight) before going on. */
  wrap = false;
  constructor(private readonly geo: n.nvm_geo) {}
  /** Moves past the sector just written. */
  advance(): void {
    if (++this.sectr < this.geo.nsectr) return;
    this.sectr = 0;
    if (++this.chunk < this.geo.nchunk) return;
    this.chunk = 0;
    this.wrap = true;
  }
}

/** Resets every zone on `qp` through the callback face and spins until it completed (both engines' housekeeping). */
export function resetAll(ns: Namespace, qp: QueuePair): void {
  let done = false;
  ns.cmdZoneManagementSend(
    qp,
    0,
    ZoneSendAction.Reset,
    true,
    () => {
      done = true;
    },
    null,
  );
  while (!done) qp.processCompletions(0);
}

/** One compat slot: its nvm_ret (whose callback is {@link nvmDone}), address and buffer. */
interface NvmSlot {
  ret: n.nvm_ret;
  addrs: n.nvm_addr[];
  buf: Uint8Array;
  /** Where a completed slot waits to be resubmitted (shared by an engine's slots). */
  ready: NvmSlot[];
}

/**
 * The callback every compat slot's nvm_ret names: one function for the whole run, as core's engine
 * has coreDone (a closure made per engine would be a new call target for the layer's completion path
 * each time, and cost it a deoptimization core's side never pays).
 */
function nvmDone(_ret: n.nvm_ret, slot: unknown): void {
  (slot as NvmSlot).ready.push(slot as NvmSlot);
}

const FLAGS = n.NVM_CMD_ASYNC | n.NVM_CMD_SCALAR;

/** The compat engine: `qd` slots on `ctx`; `before` says whether to submit now (a writer waits out a wrap). */
function nvmEngine(
  dev: n.nvm_dev,
  ctx: n.nvm_async_ctx,
  qd: number,
  before: () => boolean,
  submit: (s: NvmSlot) => void,
): Engine {
  const ready: NvmSlot[] = [];
  const all: NvmSlot[] = [];
  for (let i = 0; i < qd; i++) {
    const s: NvmSlot = {
      ret: new n.nvm_ret(),
      addrs: [n.nvm_addr()],
      buf: n.nvm_buf_alloc(dev, dev.geo.nbytes)!,
      ready,
    };
    s.ret.async = { ctx, cb: nvmDone, cb_arg: s };
    ready.push(s);
    all.push(s);
  }
  const e: Engine = {
    stopped: false,
    spin() {
      const done = n.nvm_async_poke(dev, ctx, 0);
      while (!e.stopped && ready.length > 0 && before()) submit(ready.pop()!);
      return done;
    },
    inFlight: () => n.nvm_async_get_outstanding(ctx),
    close() {
      for (const s of all) n.nvm_buf_free(dev, s.buf);
    },
  };
  return e;
}

/** Sequential writes at `cur` through the compat layer, QD `qd`. */
export function nvmWriter(dev: n.nvm_dev, ctx: n.nvm_async_ctx, qd: number, cur: Cursor): Engine {
  return nvmEngine(
    dev,
    ctx,
    qd,
    () => {
      if (!cur.wrap) return true;
      if (n.nvm_async_get_outstanding(ctx) > 0) return false;
      resetAll(dev.ns, ctx.qp);
      cur.wrap = false;
      return true;
    },
    (s) => {
      s.addrs[0]!.chunk = cur.chunk;
      s.addrs[0]!.sectr = cur.sectr;
      if (n.nvm_cmd_write(dev, s.addrs, 1, s.buf, null, FLAGS, s.ret) !== 0) throw n.nvm_last_error();
      cur.advance();
    },
  );
}

/** Random reads of written sectors through the compat layer, QD `qd`. */
export function nvmReader(dev: n.nvm_dev, ctx: n.nvm_async_ctx, qd: number): Engine {
  return nvmEngine(
    dev,
    ctx,
    qd,
    () => true,
    (s) => {
      s.addrs[0]!.chunk = randomBelow(dev.geo.nchunk);
      s.addrs[0]!.sectr = randomBelow(dev.geo.nsectr);
      if (n.nvm_cmd_read(dev, s.addrs, 1, s.buf, null, FLAGS, s.ret) !== 0) throw n.nvm_last_error();
    },
  );
}

/** Sequential writes at `cur` through core's callback face, QD `qd`. */
export function coreWriter(dev: n.nvm_dev, qp: QueuePair, qd: number, cur: Cursor): Engine {
  return coreEngine(
    dev.ctrlr,
    qp,
    qd,
    dev.geo.nbytes,
    (s) => {
      const rc = dev.ns.cmdWrite(qp, s.view, cur.chunk * dev.chunkStride + cur.sectr, 1, coreDone, s);
      if (rc !== 0) throw new Error("no free request");
      cur.advance();
      return rc;
    },
    {
      before: (inFlight) => {
        if (!cur.wrap) return true;
        if (inFlight > 0) return false;
        resetAll(dev.ns, qp);
        cur.wrap = false;
        return true;
      },
    },
  );
}

/** Random reads of written sectors through core's callback face, QD `qd`. */
export function coreReader(dev: n.nvm_dev, qp: QueuePair, qd: number): Engine {
  return coreEngine(dev.ctrlr, qp, qd, dev.geo.nbytes, (s) => {
    const lba = randomBelow(dev.geo.nchunk) * dev.chunkStride + randomBelow(dev.geo.nsectr);
    const rc = dev.ns.cmdRead(qp, s.view, lba, 1, coreDone, s);
    if (rc !== 0) throw new Error("no free request");
    return rc;
  });
}
