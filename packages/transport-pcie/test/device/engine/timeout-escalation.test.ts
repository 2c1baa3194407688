// rig-config: media-error
// Timeout escalation on QEMU's controller through VFIO: namespace 2 sits behind QEMU's throttle filter
// (4 commands a second), so a burst of reads outlives a 1 s limit. The report (callback and timeout$)
// names the queue pair and CID, an Abort for that CID reaches QEMU, QEMU 7.2 declines it (DW0 bit 0
// set: its nvme_abort never aborts), and with timeoutAction "reset" the controller resets; every read
// ends exactly once and the controller keeps working.
import {
  type CommandTimeout,
  type Controller,
  ControllerState,
  type NvmeDriver,
  type QueuePair,
  TimeoutAction,
} from "@nvmekit/core";
import { AdminOpcode, type Completion, GenericStatus } from "@nvmekit/core/nvme-spec";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, dmarFaults, randomFill, releaseControllers } from "./rig.js";

const NSID = 2; // the throttled namespace (configs.mjs, media-error)
const READS = 12; // three seconds' worth at 4 commands a second
const LIMIT_SEC = 1;
/** Bound on waiting for the device: far above the three seconds the throttle needs. */
const BOUND_MS = 60_000;

/** An Abort as posted to QEMU's admin submission queue, and QEMU's completion for it once polled. */
interface AbortSeen {
  cid: number;
  sqid: number;
  target: number;
  answer: { cdw0: number; status: number } | null;
}

/**
 * Taps the admin queue's transport queue (what the engine writes to the device's admin SQ and reads
 * from its CQ): records every Abort and the device's answer. Nothing is changed on the way.
 */
function tapAborts(ctrlr: Controller): AbortSeen[] {
  const seen: AbortSeen[] = [];
  const port = ctrlr.admin.transportQueue;
  const post = port.post.bind(port);
  const poll = port.poll.bind(port);
  port.post = (cmd) => {
    if ((cmd[0]! & 0xff) === AdminOpcode.Abort)
      seen.push({ cid: cmd[0]! >>> 16, sqid: cmd[10]! & 0xffff, target: cmd[10]! >>> 16, answer: null });
    post(cmd);
  };
  port.poll = (out) => {
    const got = poll(out);
    const abort = got ? seen.find((a) => a.answer === null && a.cid === (out[3]! & 0xffff)) : undefined;
    if (abort) abort.answer = { cdw0: out[0]!, status: (out[3]! >>> 17) & 0x7fff };
    return got;
  };
  return seen;
}

/** One read's endings: its callback's calls, with the CID and status each carried. */
type Endings = { cid: number; sc: number; sct: number }[];

/** Submits READS one-block reads of namespace 2 (callback face) and records how each ends. */
function burst(ctrlr: Controller, qp: QueuePair): Endings[] {
  const ns = ctrlr.getNamespace(NSID)!;
  const endings: Endings[] = [];
  for (let i = 0; i < READS; i++) {
    const mine: Endings = [];
    endings.push(mine);
    const buf = ctrlr.allocBuffer(512);
    ns.cmdRead(
      qp,
      buf.bytes,
      i * 8,
      1,
      (_a: null, c: Completion) => mine.push({ cid: c.cid, sc: c.sc, sct: c.sct }),
      null,
    );
  }
  return endings;
}

/** Polls `qp` (it is disconnected while the controller resets) until `done()` holds, within BOUND_MS. */
async function pollUntil(qp: QueuePair, done: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + BOUND_MS;
  while (!done()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    qp.processCompletions();
    await new Promise((r) => setImmediate(r));
  }
}

/** One scenario's controller and what it recorded: Aborts, timeout reports, states, read endings. */
interface Run {
  driver: NvmeDriver;
  ctrlr: Controller;
  qp: QueuePair;
  aborts: AbortSeen[];
  /** The registered callback's reports, and timeout$'s. */
  called: CommandTimeout[];
  emitted: CommandTimeout[];
  states: ControllerState[];
  endings: Endings[];
}

/** Attaches with `action`, taps Aborts, registers a LIMIT_SEC limit, records states, then submits the burst. */
async function start(action: TimeoutAction): Promise<Run> {
  const { driver, ctrlr } = await attachVfio({ timeoutAction: action });
  const qp = await ctrlr.allocIoQpair();
  const run: Run = {
    driver,
    ctrlr,
    qp,
    aborts: tapAborts(ctrlr),
    called: [],
    emitted: [],
    states: [],
    endings: [],
  };
  ctrlr.registerTimeoutCallback(
    LIMIT_SEC,
    (_a: null, _c, qpair, cid) => void run.called.push({ qpair, cid }),
    null,
  );
  ctrlr.timeout$.subscribe((t) => run.emitted.push(t));
  ctrlr.state$.subscribe((s) => run.states.push(s));
  run.endings = burst(ctrlr, qp);
  return run;
}

/** Some reads timed out; both report paths name the same commands, each a read of `qp` by its CID. */
function assertReports({ qp, called, emitted, endings }: Run): void {
  assert.ok(called.length > 0, "some reads outlived the limit");
  assert.equal(emitted, called, "timeout$ and the callback report the same commands");
  const cids = endings.map((e) => e[0]!.cid);
  for (const t of called) assert.ok(t.qpair === qp && cids.includes(t.cid), `report names a read: ${t.cid}`);
}

/**
 * Writes 8 blocks of seeded bytes to namespace 2, reads them back and compares, with the time limit
 * off: QEMU's throttle counts the burst against the next commands, which may wait past the limit.
 */
async function roundTrip(ctrlr: Controller, qp: QueuePair): Promise<void> {
  ctrlr.registerTimeoutCallback(0, null, null);
  const ns = ctrlr.getNamespace(NSID)!;
  const out = ctrlr.allocBuffer(4096);
  const back = ctrlr.allocBuffer(4096);
  randomFill(out.bytes, 16);
  await ns.write(qp, out.bytes, 2048, 8);
  await ns.read(qp, back.bytes, 2048, 8);
  assert.ok(Buffer.from(back.bytes).equals(Buffer.from(out.bytes)), "read back what was written");
}

test('timeoutAction "abort": reported with its queue pair and CID, Abort sent, QEMU declines it, the read still succeeds', async () => {
  const run = await start(TimeoutAction.Abort);
  const { driver, ctrlr, qp, aborts, called, states, endings } = run;
  await pollUntil(qp, () => endings.every((e) => e.length > 0) && aborts.every((a) => a.answer), "the reads");

  assertReports(run);
  assert.equal(
    aborts.map((a) => [a.sqid, a.target]),
    called.map((t) => [qp.id, t.cid]),
    "one Abort per report, for its SQ and CID",
  );
  for (const a of aborts) assert.equal(a.answer, { cdw0: 1, status: 0 }, "QEMU 7.2: success, not aborted");
  for (const e of endings)
    assert.equal([e.length, e[0]!.sct, e[0]!.sc], [1, 0, 0], "ended once, successfully");
  assert.equal(states, [ControllerState.Ready], "no reset");
  console.log(
    `abort: ${called.length} of ${READS} reads timed out, ${aborts.length} Aborts declined, 0 resets`,
  );
  await roundTrip(ctrlr, qp);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test('timeoutAction "reset": the declined Abort is followed by one reset; every read ends once; I/O works after', async () => {
  const run = await start(TimeoutAction.Reset);
  const { driver, ctrlr, qp, aborts, called, states, endings } = run;
  const reset = (): boolean =>
    states.includes(ControllerState.Resetting) && ctrlr.state === ControllerState.Ready;
  await pollUntil(qp, () => endings.every((e) => e.length > 0) && reset(), "the reads and the reset");

  assertReports(run);
  const answered = aborts.filter((a) => a.answer !== null);
  assert.ok(answered.length > 0, "an Abort reached QEMU and was answered");
  for (const a of aborts)
    assert.ok(a.sqid === qp.id && called.some((t) => t.cid === a.target), "Abort of a report");
  for (const a of answered) assert.equal(a.answer, { cdw0: 1, status: 0 }, "QEMU 7.2: success, not aborted");
  // The reset passes through the initialisation states between Resetting and Ready.
  assert.is(states.filter((s) => s === ControllerState.Resetting).length, 1, "one reset");
  assert.not.ok(states.includes(ControllerState.Failed), "never failed");
  const aborted = endings.filter((e) => e[0]!.sc === GenericStatus.AbortedSqDeletion);
  for (const e of endings) assert.is(e.length, 1, "each read ended exactly once");
  for (const e of endings)
    assert.ok(e[0]!.sct === 0 && (e[0]!.sc === 0 || aborted.includes(e)), "success or aborted");
  // A timed-out read may still finish between the Abort and the reset; the rest end with the reset.
  assert.ok(aborted.length > 0, "the reset ended the reads still waiting in QEMU");
  console.log(
    `reset: ${called.length} of ${READS} reads timed out, ${aborts.length} Aborts (${answered.length} ` +
      `answered, declined), 1 reset, ${aborted.length} reads aborted, ${READS - aborted.length} succeeded`,
  );
  await roundTrip(ctrlr, qp);
  qp.processCompletions();
  for (const e of endings) assert.is(e.length, 1, "and no read ended twice");
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
