// Timeout escalation as SPDK's nvme bdev offers it: the timeout callback, then Abort for the CID,
// then (opted in) a controller reset; and the Promise face's own limit, which always ends its command.
import {
  type Controller,
  ControllerState,
  NvmeTimeoutError,
  type QueuePair,
  TimeoutAction,
} from "@nvmekit/core";
import { type Completion, commands, NvmeCommand, NvmOpcode } from "@nvmekit/core/nvme-spec";
import { attachInThread, GenericSc, NvmOpc } from "@nvmekit/softnvme";
import { filter, firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ABORT = 0x08;

/** Abort commands the device received: [SQID, CID] each. */
const aborts = (device: { commandsOn(qid: number): { opcode: number; dwords: Uint32Array }[] }): number[][] =>
  device
    .commandsOn(0)
    .filter((c) => c.opcode === ABORT)
    .map((c) => [c.dwords[10]! & 0xffff, c.dwords[10]! >>> 16]);

/** Submits a callback-face read, polls its queue pair until its callback ran, resolves with its status code. */
function readStatus(ctrlr: Controller, qp: QueuePair, buf: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    let sc = -1;
    ctrlr.getNamespace(1)!.cmdRead(
      qp,
      buf,
      0,
      1,
      (_a: null, cpl: Completion) => {
        sc = cpl.sc;
      },
      null,
    );
    const poll = (): void => {
      qp.processCompletions();
      if (sc >= 0) resolve(sc);
      else setImmediate(poll);
    };
    setImmediate(poll);
  });
}

/** Resolves once the controller is in state `s`. */
const reaches = (ctrlr: Controller, s: ControllerState): Promise<unknown> =>
  firstValueFrom(ctrlr.state$.pipe(filter((now) => now === s)));

test("action abort: the timeout callback runs, then Abort for its CID ends the command", async () => {
  const { driver, ctrlr, device } = await attachInThread({}, { timeoutAction: TimeoutAction.Abort });
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const reported: number[] = [];
  ctrlr.registerTimeoutCallback(0.02, (_a: null, _c, q, cid) => void (q === qp && reported.push(cid)), null);
  device.injectFault({ qid: qp.id, opcode: NvmOpc.Read }, { kind: "hold" }, 1);
  const sc = await readStatus(ctrlr, qp, buf.bytes);
  assert.is(sc, GenericSc.AbortRequested, "ended by the controller's abort");
  const cid = device.commandsOn(qp.id).at(-1)!.cid;
  assert.equal(reported, [cid], "reported once, with its CID");
  assert.equal(aborts(device), [[qp.id, cid]], "one Abort, for that command");
  assert.is(ctrlr.state, ControllerState.Ready);
  await driver.detach(ctrlr);
});

test("action reset: an Abort the controller declines is followed by a reset that ends the command", async () => {
  const { driver, ctrlr, device } = await attachInThread({}, { timeoutAction: TimeoutAction.Reset });
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  ctrlr.registerTimeoutCallback(0.02, () => undefined, null);
  // Dropped: executed, its completion lost; the controller no longer has it, so it cannot abort it.
  device.dropCompletions({ qid: qp.id, opcode: NvmOpc.Read });
  const resetting = reaches(ctrlr, ControllerState.Resetting);
  const sc = await readStatus(ctrlr, qp, buf.bytes);
  assert.is(sc, GenericSc.AbortedSqDeletion, "ended by the reset");
  await resetting;
  const cid = device.commandsOn(qp.id).at(-1)!.cid;
  assert.equal(aborts(device), [[qp.id, cid]], "the Abort came first");
  await reaches(ctrlr, ControllerState.Ready);
  await driver.detach(ctrlr);
});

test("action none: only the callback; the command stays outstanding", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  const timedOut = firstValueFrom(ctrlr.timeout$);
  ctrlr.registerTimeoutCallback(0.02, () => undefined, null);
  device.injectFault({ qid: qp.id, opcode: NvmOpc.Read }, { kind: "hold" }, 1);
  let done = false;
  ctrlr.getNamespace(1)!.cmdRead(
    qp,
    buf.bytes,
    0,
    1,
    () => {
      done = true;
    },
    null,
  );
  const poller = setInterval(() => qp.processCompletions(), 1);
  const t = await timedOut;
  assert.is(t.qpair, qp);
  clearInterval(poller);
  assert.equal(aborts(device), [], "no Abort sent");
  assert.not.ok(done, "still outstanding");
  device.releaseCompletions(qp.id);
  qp.processCompletions();
  assert.ok(done);
  await driver.detach(ctrlr);
});

test("the Promise face's own limit: Abort ends a held read, and the Promise rejects with NvmeTimeoutError", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const qp = await ctrlr.allocIoQpair({ ioTimeoutMs: 30 });
  const buf = ctrlr.allocBuffer(512);
  device.injectFault({ qid: qp.id, opcode: NvmOpc.Read }, { kind: "hold" }, 1);
  const error = await ctrlr
    .getNamespace(1)!
    .read(qp, buf.bytes, 0, 1)
    .catch((e: unknown) => e);
  assert.instance(error, NvmeTimeoutError);
  assert.match((error as Error).message, /Abort Requested/);
  assert.is(aborts(device).length, 1);
  assert.is(ctrlr.state, ControllerState.Ready, "no reset was needed");
  await driver.detach(ctrlr);
});

test("a per-call limit overrides the queue pair's (none here): the held read is aborted and rejects", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const qp = await ctrlr.allocIoQpair({ ioTimeoutMs: 0 }); // no limit of the queue pair's
  const buf = ctrlr.allocBuffer(512);
  device.injectFault({ qid: qp.id, opcode: NvmOpc.Read }, { kind: "hold" }, 1);
  const error = await ctrlr
    .getNamespace(1)!
    .read(qp, buf.bytes, 0, 1, 0, 20)
    .catch((e: unknown) => e);
  assert.instance(error, NvmeTimeoutError);
  assert.is(aborts(device).length, 1);
  await driver.detach(ctrlr);
});

test("the Promise face's own limit: a lost completion is ended by a reset; the Promise settles", async () => {
  const { driver, ctrlr, device } = await attachInThread();
  const qp = await ctrlr.allocIoQpair();
  const buf = ctrlr.allocBuffer(512);
  device.dropCompletions({ qid: qp.id, opcode: NvmOpc.Read });
  const states: ControllerState[] = [];
  const sub = ctrlr.state$.subscribe((s) => states.push(s));
  const read = commands.readWrite(new NvmeCommand(), NvmOpcode.Read, 1, 0, 1);
  const error = await ctrlr.ioRaw(qp, read, buf.bytes, 30).catch((e: unknown) => e);
  assert.instance(error, NvmeTimeoutError, "its own 30 ms limit, not the queue pair's 30 s");
  assert.ok(states.includes(ControllerState.Resetting), "escalated to a reset");
  assert.is(aborts(device).length, 1, "after an Abort the controller could not honour");
  await reaches(ctrlr, ControllerState.Ready);
  sub.unsubscribe();
  await driver.detach(ctrlr);
});

test.run();
