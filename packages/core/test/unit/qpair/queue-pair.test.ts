// The queue-pair engine against a scripted in-memory queue: an SQ ring that records every command
// posted and every doorbell rung, and a CQ ring the test writes completions into (CID, status, DW0,
// SQ head, phase tag) as a controller would. Requests are filled the way the namespace's submitters
// fill them (takeRequest, the command, the payload, submit).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PayloadKind, type SgeOut } from "../../../src/dataptr/payload.js";
import { ENOMEM, ENXIO } from "../../../src/errors/errno.js";
import { StateError } from "../../../src/errors/errors.js";
import { type Completion, encodeStatus } from "../../../src/nvme-spec/completion.js";
import { GenericStatus, PathStatus, StatusCodeType } from "../../../src/nvme-spec/status.js";
import { NvmeStatusError } from "../../../src/nvme-spec/status-error.js";
import { awaitCompletion, type Pending } from "../../../src/qpair/promise.js";
import { QueueLink } from "../../../src/qpair/queue-link.js";
import {
  DOORBELL_BATCH,
  QueuePair,
  type QueuePairSettings,
  QueuePairState,
  TimeoutStage,
} from "../../../src/qpair/queue-pair.js";
import type { CommandCallback, Request } from "../../../src/rq/request.js";
import type { QueuePort } from "../../../src/transport/contract.js";
import { PAGE, RecordingDma } from "../recording-dma.js";

/** Where the test's data buffers are, as the device sees them. */
const DATA_IOVA = 0x40_0000;
const READ = 0x02;

/**
 * A queue pair's rings in memory. The host side is the QueuePort the engine drives; the device side
 * is `complete`, which writes the next CQ entry with the device's current phase (or the one given).
 */
class ScriptedPort implements QueuePort {
  /** Every command posted, copied, in order. */
  readonly posted: Uint32Array[] = [];
  /** For each SQ doorbell write: how many commands had been posted by then. */
  readonly sqRings: number[] = [];
  /** For each CQ doorbell write: the CQ head written. */
  readonly cqRings: number[] = [];
  restarts = 0;
  private readonly cq: Uint32Array;
  private cqHead = 0;
  private hostPhase = 1;
  private cqTail = 0;
  private devicePhase = 1;

  constructor(
    readonly depth: number,
    readonly qid = 1,
  ) {
    this.cq = new Uint32Array(depth * 4);
  }

  post(cmd: Uint32Array): void {
    this.posted.push(cmd.slice());
  }

  ringSubmission(): void {
    this.sqRings.push(this.posted.length);
  }

  poll(out: Uint32Array): boolean {
    const at = this.cqHead * 4;
    if (((this.cq[at + 3]! >>> 16) & 1) !== this.hostPhase) return false;
    out.set(this.cq.subarray(at, at + 4));
    this.cqHead = (this.cqHead + 1) % this.depth;
    if (this.cqHead === 0) this.hostPhase ^= 1;
    return true;
  }

  ringCompletion(): void {
    this.cqRings.push(this.cqHead);
  }

  async release(): Promise<void> {}

  /** Back to the rings' first slots and phase, the completion ring cleared (as after a re-create). */
  restart(): void {
    this.restarts++;
    this.cq.fill(0);
    this.cqHead = 0;
    this.hostPhase = 1;
    this.cqTail = 0;
    this.devicePhase = 1;
  }

  /** The device completes `cid` with a 15-bit status field, DW0, SQ head and SQ ID (default: this queue's). */
  complete(cid: number, status = 0, cdw0 = 0, sqhd = 0, phase = this.devicePhase, sqid = this.qid): void {
    const at = this.cqTail * 4;
    this.cq[at] = cdw0;
    this.cq[at + 1] = 0;
    this.cq[at + 2] = ((sqhd & 0xffff) | (sqid << 16)) >>> 0;
    this.cq[at + 3] = (cid | (phase << 16) | (status << 17)) >>> 0;
    this.cqTail = (this.cqTail + 1) % this.depth;
    if (this.cqTail === 0) this.devicePhase ^= 1;
  }

  /** CIDs of the commands posted, in order. */
  cids(): number[] {
    return this.posted.map((c) => c[0]! >>> 16);
  }

  /** CDW10 (the LBA the test's reads carry) of the commands posted, in order. */
  lbas(): number[] {
    return this.posted.map((c) => c[10]!);
  }
}

/** What a callback saw (the Completion is only valid during the call). */
interface Seen {
  arg: unknown;
  sct: number;
  sc: number;
  dnr: boolean;
  cdw0: number;
  sqhd: number;
  sqid: number;
  cid: number;
  phase: number;
}

function setup(options: Partial<QueuePairSettings> & { depth?: number; link?: QueueLink } = {}): {
  port: ScriptedPort;
  dma: RecordingDma;
  qp: QueuePair;
  seen: Seen[];
  record: CommandCallback;
} {
  const port = new ScriptedPort(options.depth ?? 8);
  const dma = new RecordingDma();
  const qp = new QueuePair(
    port,
    dma,
    {
      requests: options.requests ?? 16,
      retryCount: options.retryCount ?? 0,
      pagesPerTracker: 1,
      sglSupported: options.sglSupported ?? false,
      delayDoorbell: options.delayDoorbell ?? false,
      doorbellBatch: options.doorbellBatch ?? DOORBELL_BATCH,
    },
    options.link ?? null,
  );
  const seen: Seen[] = [];
  const record = (arg: unknown, cpl: Completion): void => {
    seen.push({
      arg,
      sct: cpl.sct,
      sc: cpl.sc,
      dnr: cpl.dnr,
      cdw0: cpl.cdw0,
      sqhd: cpl.sqhd,
      sqid: cpl.sqid,
      cid: cpl.cid,
      phase: cpl.phase,
    });
  };
  return { port, dma, qp, seen, record };
}

/** Fills a taken request as a one-block read of `lba` into the test's buffer. */
function fillRead(req: Request, lba: number, cb: CommandCallback<never> | null, arg: unknown): void {
  req.cmd.init(READ, 1);
  req.cmd.cdw10 = lba;
  req.cb = cb;
  req.cbArg = arg;
  req.payload.setContiguous(new Uint8Array(512), DATA_IOVA + lba * 512, 512);
}

/** Submits a one-block read as the namespace does: 0, or -ENOMEM when no request is free. */
function read(qp: QueuePair, lba: number, cb: CommandCallback<never> | null, arg: unknown = lba): number {
  const req = engine(qp).takeRequest();
  if (req === null) return -ENOMEM;
  fillRead(req, lba, cb, arg);
  engine(qp).submit(req, null);
  return 0;
}

/** The engine's package-internal members (left out of its declarations): submission and recovery. */
interface Submission {
  takeRequest(): Request | null;
  /** QueuePair.submitReadWrite: opcode, nsid, lba, count, ioFlags, view, iova, length, cb, cbArg. */
  submitReadWrite(...args: unknown[]): boolean;
  submitTimeoutMs: number;
  submit(req: Request, children: Request | null): void;
  abortAll(sct: number, sc: number, dnr: boolean): void;
  reconnect(port: QueuePort): void;
  destroy(): void;
}

const engine = (qp: QueuePair): Submission => qp as unknown as Submission;

const status = (sct: number, sc: number, dnr = false): number => encodeStatus(sct, sc, { dnr });

test("submit: the command gets a tracker's CID and its PRP, is posted once and the doorbell rung", () => {
  const { port, qp, record } = setup();
  assert.is(read(qp, 7, record), 0);
  assert.equal(port.posted.length, 1);
  assert.equal(
    [...port.posted[0]!],
    [READ, 1, 0, 0, 0, 0, DATA_IOVA + 7 * 512, 0, 0, 0, 7, 0, 0, 0, 0, 0],
    "CID 0 in DW0 31:16, NSID, PRP1 at the buffer, no PRP2 for one page, CDW10 as filled",
  );
  assert.equal(port.sqRings, [1]);
  assert.is(qp.outstanding, 1);
  assert.is(qp.freeRequests, 15);
  assert.is(read(qp, 8, record), 0);
  assert.equal(port.cids(), [0, 1], "a second command in flight gets another CID");
});

test("a completion calls its own command's callback once, with status, DW0, SQ head and this queue's id", () => {
  const { port, qp, seen, record } = setup();
  for (const lba of [10, 11, 12]) read(qp, lba, record, `lba ${lba}`);
  port.complete(2, status(StatusCodeType.Generic, GenericStatus.LbaOutOfRange, true), 0, 3);
  port.complete(0, 0, 0x1234, 5);
  assert.is(qp.processCompletions(), 2);
  assert.equal(seen, [
    {
      arg: "lba 12",
      sct: 0,
      sc: GenericStatus.LbaOutOfRange,
      dnr: true,
      cdw0: 0,
      sqhd: 3,
      sqid: 1,
      cid: 2,
      phase: 1,
    },
    { arg: "lba 10", sct: 0, sc: 0, dnr: false, cdw0: 0x1234, sqhd: 5, sqid: 1, cid: 0, phase: 1 },
  ]);
  assert.equal(port.cqRings, [2], "one CQ head doorbell for the batch, at the new head");
  assert.is(qp.outstanding, 1);
  assert.is(qp.freeRequests, 15);
  // The same CID again, now that its command is done: consumed, but nobody is called.
  port.complete(0);
  assert.is(qp.processCompletions(), 1);
  assert.is(seen.length, 2);
  port.complete(1);
  assert.is(qp.processCompletions(), 1);
  assert.equal(seen[2]!.arg, "lba 11");
  assert.is(qp.outstanding, 0);
});

test("the callback's completion is the controller's entry: CID, phase tag, SQ head and SQ ID as written", () => {
  const { port, qp, seen, record } = setup({ depth: 4 }); // the fifth entry wraps the ring
  const fields = (): number[][] => seen.map((s) => [s.cid, s.phase, s.sqhd, s.sqid]);
  for (const lba of [0, 1, 2]) read(qp, lba, record);
  port.complete(1, 0, 0, 2);
  port.complete(2, 0, 0, 3);
  port.complete(0, 0, 0, 0);
  qp.processCompletions();
  for (const lba of [3, 4]) {
    read(qp, lba, record);
    port.complete(port.cids()[lba]!, 0, 0, lba - 2);
    qp.processCompletions();
  }
  assert.equal(fields(), [
    [1, 1, 2, 1],
    [2, 1, 3, 1],
    [0, 1, 0, 1],
    [4, 1, 1, 1], // tracker 0 again, one generation on (3 trackers: the index takes 2 bits)
    [8, 0, 2, 1], // the ring's second pass: phase 0
  ]);
});

test("a command completed by the host carries its queue's SQ ID and the CID it was posted with, phase 0", () => {
  const { port, qp, seen, record } = setup({ depth: 3, requests: 8 }); // 2 trackers
  for (const lba of [0, 1, 2]) read(qp, lba, record);
  port.complete(0, 0, 0, 1); // a real entry first, so phase 1 and SQ head 1 are what stale fields would show
  qp.processCompletions();
  read(qp, 3, record); // no tracker free: it waits, never posted
  engine(qp).abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, true);
  assert.equal(
    seen.map((s) => [s.arg, s.cid, s.phase, s.sqhd, s.sqid]),
    [
      [0, 0, 1, 1, 1],
      [2, 2, 0, 0, 1], // posted with tracker 0 (CID 2: its next generation) once the first command freed it
      [1, 1, 0, 0, 1],
      [3, 0, 0, 0, 1],
    ],
  );
});

test("a completion for a CID that is not outstanding is consumed and ignored", () => {
  const { port, qp, seen, record } = setup();
  read(qp, 1, record);
  port.complete(5); // a tracker that was never acquired
  port.complete(0x7fff); // beyond the trackers
  assert.is(qp.processCompletions(), 2, "both entries are taken off the ring");
  assert.equal(seen, []);
  assert.is(qp.outstanding, 1);
  assert.is(qp.freeRequests, 15);
  assert.equal(port.cqRings, [2]);
  port.complete(0);
  assert.is(qp.processCompletions(), 1);
  assert.equal(
    seen.map((s) => s.arg),
    [1],
  );
});

test("back-pressure: takeRequest returns null once every request is taken, and nothing is posted", () => {
  const { port, qp, record } = setup({ requests: 3 });
  assert.is(read(qp, 0, record), 0);
  assert.is(read(qp, 1, record), 0);
  assert.is(read(qp, 2, record), 0);
  assert.is(qp.freeRequests, 0);
  assert.is(engine(qp).takeRequest(), null);
  assert.is(read(qp, 3, record), -ENOMEM);
  assert.equal(port.lbas(), [0, 1, 2], "the refused command was not posted");
  port.complete(1);
  qp.processCompletions();
  assert.is(qp.freeRequests, 1, "a completion gives its request back");
  assert.is(read(qp, 3, record), 0);
  assert.equal(port.lbas(), [0, 1, 2, 3]);
});

/**
 * Submits a one-block read the way Namespace's common path does: in one call on a tracker's own
 * request when the queue pair can start it at once, else taken and submitted (may wait, or -ENOMEM).
 */
function readNow(qp: QueuePair, lba: number, cb: CommandCallback<never> | null): number {
  const view = new Uint8Array(512);
  if (engine(qp).submitReadWrite(READ, 1, lba, 1, 0, view, DATA_IOVA + lba * 512, 512, cb, lba)) return 0;
  return read(qp, lba, cb);
}

test("the one-call start: a free tracker's own request, counted against the pool, ENOMEM at the same count", () => {
  const { port, qp, seen, record } = setup({ depth: 8, requests: 3 });
  for (let lba = 0; lba < 3; lba++)
    assert.ok(
      engine(qp).submitReadWrite(READ, 1, lba, 1, 0, new Uint8Array(512), DATA_IOVA, 512, record, lba),
    );
  assert.is(qp.freeRequests, 0, "each start counts one request, though none was taken");
  assert.is(
    engine(qp).submitReadWrite(READ, 1, 3, 1, 0, new Uint8Array(512), DATA_IOVA, 512, record, 3),
    false,
  );
  assert.is(readNow(qp, 3, record), -ENOMEM, "nothing free: the general way refuses too");
  assert.equal(port.lbas(), [0, 1, 2]);
  assert.equal(
    [...port.posted[1]!],
    [READ | (1 << 16), 1, 0, 0, 0, 0, DATA_IOVA, 0, 0, 0, 1, 0, 0, 0, 0, 0],
    "CID, NSID, PRP1, SLBA and NLB 0 as readWriteDwords and the PRP builder write them",
  );
  port.complete(1);
  qp.processCompletions();
  assert.equal(
    seen.map((s) => s.arg),
    [1],
  );
  assert.is(qp.freeRequests, 1, "its completion uncounts it");
  assert.is(qp.outstanding, 2);
  assert.is(readNow(qp, 4, record), 0);
  assert.is(port.cids().at(-1), 1 + 8, "the freed tracker again, its next generation");
});

test("the one-call start steps aside while commands wait or a Promise-face limit is set", () => {
  const { port, qp, seen, record } = setup({ depth: 4, requests: 8 }); // 3 trackers
  for (let lba = 0; lba < 4; lba++) assert.is(readNow(qp, lba, record), 0);
  assert.equal(port.lbas(), [0, 1, 2], "the fourth waits for a tracker");
  port.complete(0);
  port.complete(1);
  assert.is(qp.processCompletions(), 2);
  assert.equal(port.lbas(), [0, 1, 2, 3], "the waiting one took a freed tracker");
  engine(qp).submitTimeoutMs = 1000;
  assert.is(
    engine(qp).submitReadWrite(READ, 1, 5, 1, 0, new Uint8Array(512), DATA_IOVA, 512, record, 5),
    false,
  );
  engine(qp).submitTimeoutMs = 0;
  assert.is(readNow(qp, 5, record), 0);
  assert.equal(port.lbas(), [0, 1, 2, 3, 5]);
  assert.equal(
    seen.map((s) => s.arg),
    [0, 1],
  );
});

test("a full ring is not back-pressure: commands beyond the trackers wait, and start in order as trackers free", () => {
  const { port, qp, seen } = setup({ depth: 4, requests: 8 }); // 3 trackers
  const cb = (lba: number): void => {
    seen.push({ arg: lba } as Seen);
    if (lba === 1) read(qp, 9, cb); // submitted from a callback while others wait: behind them
  };
  for (let lba = 0; lba < 5; lba++) assert.is(read(qp, lba, cb), 0);
  assert.equal(port.lbas(), [0, 1, 2], "three trackers, three commands on the ring");
  assert.equal(port.cids(), [0, 1, 2]);
  assert.is(qp.outstanding, 5);
  assert.is(qp.freeRequests, 3);
  port.complete(1);
  qp.processCompletions();
  assert.equal(port.lbas(), [0, 1, 2, 3], "the oldest waiting command took the freed tracker");
  assert.is(port.cids()[3], 5, "tracker 1, its next generation");
  port.complete(0);
  port.complete(2);
  qp.processCompletions();
  assert.equal(port.lbas(), [0, 1, 2, 3, 4, 9]);
  assert.equal(
    seen.map((s) => s.arg),
    [1, 0, 2],
  );
});

test("without delayDoorbell every command rings the submission doorbell as it is posted", () => {
  const { port, qp, record } = setup();
  for (let i = 0; i < 3; i++) read(qp, i, record);
  assert.equal(port.sqRings, [1, 2, 3]);
  qp.flush();
  assert.equal(port.sqRings, [1, 2, 3], "flush has nothing left to ring");
});

test("delayDoorbell: submissions post without ringing; flush rings once for all, and only when something is new", () => {
  const { port, qp, record } = setup({ delayDoorbell: true });
  for (let i = 0; i < 3; i++) read(qp, i, record);
  assert.is(port.posted.length, 3);
  assert.equal(port.sqRings, []);
  qp.flush();
  assert.equal(port.sqRings, [3]);
  qp.flush();
  assert.equal(port.sqRings, [3]);
  // Completions whose callbacks post nothing ring no submission doorbell.
  for (let cid = 0; cid < 3; cid++) port.complete(cid);
  assert.is(qp.processCompletions(), 3);
  assert.equal(port.sqRings, [3]);
  assert.equal(port.cqRings, [3]);
  // What is submitted between polls goes out at the end of the next processCompletions.
  read(qp, 5, record);
  assert.is(qp.processCompletions(), 0);
  assert.equal(port.sqRings, [3, 4]);
});

for (const batch of [DOORBELL_BATCH, 4]) {
  test(`delayDoorbell: what callbacks post is rung every doorbellBatch (${batch}) completions and at the end`, () => {
    const { port, qp } = setup({ depth: 64, requests: 64, delayDoorbell: true, doorbellBatch: batch });
    const n = 2 * batch + batch / 2;
    const resubmit = (lba: number): void => {
      assert.is(read(qp, lba + 100, null), 0);
    };
    for (let lba = 0; lba < n; lba++) assert.is(read(qp, lba, resubmit), 0);
    qp.flush();
    assert.equal(port.sqRings, [n]);
    for (const cid of port.cids()) port.complete(cid);
    assert.is(qp.processCompletions(), n);
    assert.equal(
      port.sqRings,
      [n, n + batch, n + 2 * batch, 2 * n],
      "the batch crossed twice, then the rest",
    );
    assert.equal(port.cqRings.length, 1, "the CQ head doorbell once, after the batch");
  });
}

test("processCompletions(max) takes at most max completions; 0 (or more than the cap) means depth - 1", () => {
  const { port, qp, seen, record } = setup({ depth: 8 }); // 7 trackers
  for (let lba = 0; lba < 7; lba++) read(qp, lba, record);
  for (const cid of port.cids()) port.complete(cid);
  assert.is(qp.processCompletions(2), 2);
  assert.is(seen.length, 2);
  assert.equal(port.cqRings, [2]);
  assert.is(qp.processCompletions(3), 3);
  assert.is(seen.length, 5);
  assert.is(qp.processCompletions(1), 1);
  assert.is(qp.processCompletions(), 1);
  assert.is(qp.processCompletions(), 0, "nothing left");
  assert.equal(port.cqRings, [2, 5, 6, 7], "no CQ doorbell for a call that found nothing");
  // Eight entries on an eight-entry ring: one call takes seven at most, whatever max says.
  for (let lba = 0; lba < 7; lba++) read(qp, lba, record);
  for (const cid of port.cids().slice(7)) port.complete(cid);
  port.complete(0x7fff);
  assert.is(qp.processCompletions(100), 7);
  assert.is(qp.processCompletions(0), 1);
  assert.is(seen.length, 14);
});

test("hundreds of commands through a four-entry ring: each is called back once with its own argument", () => {
  const { port, qp, seen, record } = setup({ depth: 4 });
  let next = 0;
  for (; next < 3; next++) read(qp, next, record);
  let done = 0;
  for (let round = 0; done < 300 && round < 1000; round++) {
    const cids = port.cids().slice(done, done + 2);
    for (const cid of cids) port.complete(cid); // the device's phase flips as its tail wraps
    done += qp.processCompletions();
    while (qp.freeRequests > 13) read(qp, next++, record);
  }
  assert.equal(
    seen.map((s) => s.arg),
    Array.from({ length: 300 }, (_, i) => i),
  );
  assert.ok(
    port.cids().every((cid) => (cid & 3) < 3),
    "CIDs are the three trackers', reused (a generation above the index's two bits)",
  );
});

test("a retryable status is posted again up to retryCount times, then called back; DNR or other statuses at once", () => {
  const { port, qp, seen, record } = setup({ retryCount: 2 });
  const notReady = status(StatusCodeType.Generic, GenericStatus.NamespaceNotReady);
  read(qp, 4, record);
  port.complete(0, notReady);
  qp.processCompletions();
  assert.equal(seen, [], "retried, not called back");
  assert.is(port.posted.length, 2);
  assert.equal(
    [...port.posted[1]!],
    [...port.posted[0]!],
    "the same command again, on the tracker it holds: the same CID",
  );
  const latest = (): number => port.cids().at(-1)!;
  port.complete(latest(), notReady);
  qp.processCompletions();
  assert.is(port.posted.length, 3);
  port.complete(latest(), notReady);
  qp.processCompletions();
  assert.is(port.posted.length, 3, "no third retry");
  assert.equal(
    seen.map((s) => [s.arg, s.sc]),
    [[4, GenericStatus.NamespaceNotReady]],
  );
  assert.is(qp.outstanding, 0);

  read(qp, 5, record);
  port.complete(latest(), status(StatusCodeType.Generic, GenericStatus.NamespaceNotReady, true));
  read(qp, 6, record);
  port.complete(latest(), status(StatusCodeType.Generic, GenericStatus.LbaOutOfRange));
  read(qp, 7, record);
  port.complete(latest(), status(StatusCodeType.Path, PathStatus.InternalPathError));
  qp.processCompletions();
  assert.equal(
    seen.slice(1).map((s) => s.arg),
    [5, 6],
    "DNR and a non-retryable status call back at once; the path error is retried",
  );
  assert.is(port.posted.length, 7);
  assert.is(port.lbas()[6], 7);
});

test("a retry posts the command as built: a PRP list stays the tracker's; a port's own data pointer is built again", () => {
  const { port, dma, qp, record } = setup({ retryCount: 1 });
  const notReady = status(StatusCodeType.Generic, GenericStatus.NamespaceNotReady);
  const threePages = new Uint8Array(3 * PAGE);
  assert.ok(engine(qp).submitReadWrite(READ, 1, 0, 24, 0, threePages, DATA_IOVA, 3 * PAGE, record, 0));
  const list = dma.allocated[0]!; // the trackers' list pages, tracker 0's first
  const entries = (): number[] => [...new Uint32Array(list.bytes.buffer, 0, 4)];
  assert.equal(
    [...port.posted[0]!.subarray(6, 10)],
    [DATA_IOVA, 0, list.iova % 2 ** 32, list.iova / 2 ** 32],
  );
  assert.equal(
    entries(),
    [DATA_IOVA + PAGE, 0, DATA_IOVA + 2 * PAGE, 0],
    "PRP2 points at the tracker's list",
  );
  port.complete(port.cids()[0]!, notReady);
  qp.processCompletions();
  assert.equal([...port.posted[1]!], [...port.posted[0]!], "the same command, PRP2 and all");
  assert.equal(entries(), [DATA_IOVA + PAGE, 0, DATA_IOVA + 2 * PAGE, 0], "and the same list");
  port.complete(port.cids()[1]!);
  qp.processCompletions();

  // The same tracker again, for one page: its PRP1 is written in the one call, and a retry keeps it.
  assert.ok(
    engine(qp).submitReadWrite(READ, 1, 9, 1, 0, new Uint8Array(512), DATA_IOVA + 512, 512, record, 1),
  );
  assert.is(port.cids()[2]! & 7, port.cids()[0]! & 7, "tracker 0 again");
  assert.equal([...port.posted[2]!.subarray(6, 10)], [DATA_IOVA + 512, 0, 0, 0], "one page: PRP1 alone");
  port.complete(port.cids()[2]!, notReady);
  qp.processCompletions();
  assert.equal(
    [...port.posted[3]!],
    [...port.posted[2]!],
    "not the three pages the tracker's request last held",
  );

  let builds = 0;
  const own = new ScriptedPort(8);
  // A builder of its own that writes how many times it has run where PRP1 would be.
  const build = (cmd: { dw: Uint32Array }): number => {
    cmd.dw[6] = ++builds;
    return 0;
  };
  Object.assign(own, { dataPointer: { build } });
  const ownQp = new QueuePair(own, new RecordingDma(), {
    requests: 4,
    retryCount: 1,
    pagesPerTracker: 0,
    sglSupported: false,
    delayDoorbell: false,
    doorbellBatch: DOORBELL_BATCH,
  });
  assert.ok(engine(ownQp).submitReadWrite(READ, 1, 0, 1, 0, new Uint8Array(512), DATA_IOVA, 512, record, 2));
  own.complete(own.cids()[0]!, notReady);
  ownQp.processCompletions();
  assert.equal(
    own.posted.map((c) => c[6]),
    [1, 2],
    "the port's builder ran again for the retry",
  );
});

test("a retryable status is not posted again once a callback has closed the queue pair", () => {
  const { port, qp, seen, record } = setup({ retryCount: 2 });
  const notReady = status(StatusCodeType.Generic, GenericStatus.NamespaceNotReady);
  const closeThenRecord = (arg: unknown, cpl: Completion): void => {
    engine(qp).destroy();
    record(arg, cpl);
  };
  read(qp, 1, closeThenRecord);
  read(qp, 2, record);
  port.complete(0, status(StatusCodeType.Generic, GenericStatus.LbaOutOfRange));
  port.complete(1, notReady);
  qp.processCompletions();
  assert.is(port.posted.length, 2, "nothing posted on the closed pair");
  assert.equal(
    seen.map((s) => [s.arg, s.sc]),
    [
      [1, GenericStatus.LbaOutOfRange],
      [2, GenericStatus.NamespaceNotReady],
    ],
  );
});

test("with retryCount 0 a retryable status calls back at once", () => {
  const { port, qp, seen, record } = setup({ retryCount: 0 });
  read(qp, 4, record);
  port.complete(0, status(StatusCodeType.Generic, GenericStatus.FormatInProgress));
  qp.processCompletions();
  assert.is(port.posted.length, 1);
  assert.equal(
    seen.map((s) => s.sc),
    [GenericStatus.FormatInProgress],
  );
});

/** Submits a parent split into `lbas.length` one-block children. */
function submitSplit(qp: QueuePair, lbas: number[], cb: CommandCallback, arg: unknown): void {
  const parent = engine(qp).takeRequest()!;
  parent.cb = cb;
  parent.cbArg = arg;
  let first: Request | null = null;
  let last: Request | null = null;
  for (const lba of lbas) {
    const child = engine(qp).takeRequest()!;
    fillRead(child, lba, null, null);
    child.parent = parent;
    if (last === null) first = child;
    else last.next = child;
    last = child;
  }
  parent.childrenLeft = lbas.length;
  engine(qp).submit(parent, first);
}

test("split children are each posted; the parent calls back once after the last, with the first error", () => {
  const { port, qp, seen, record } = setup({ requests: 8 });
  submitSplit(qp, [20, 21, 22], record, "whole");
  assert.equal(port.lbas(), [20, 21, 22], "the children are posted, the parent is not");
  assert.is(qp.outstanding, 1, "one top-level request");
  assert.is(qp.freeRequests, 4);
  port.complete(2, status(StatusCodeType.MediaDataIntegrity, 0x81));
  port.complete(0);
  qp.processCompletions();
  assert.equal(seen, [], "children left: no callback yet");
  port.complete(1, status(StatusCodeType.Generic, GenericStatus.LbaOutOfRange));
  qp.processCompletions();
  assert.equal(
    seen.map((s) => [s.arg, s.sct, s.sc]),
    [["whole", StatusCodeType.MediaDataIntegrity, 0x81]],
    "once, with the error reported first",
  );
  assert.is(seen[0]!.cid, 1, "the entry is the last child's");
  assert.is(qp.outstanding, 0);
  assert.is(qp.freeRequests, 8, "parent and children all given back");

  submitSplit(qp, [30, 31], record, "clean");
  for (const cid of port.cids().slice(3)) port.complete(cid);
  qp.processCompletions();
  assert.equal(
    seen.slice(1).map((s) => [s.arg, s.sct, s.sc]),
    [["clean", 0, 0]],
  );
});

test("a split child that waits for a tracker still completes the parent once", () => {
  const { port, qp, seen, record } = setup({ depth: 3, requests: 8 }); // 2 trackers
  submitSplit(qp, [40, 41, 42], record, "split");
  assert.equal(port.lbas(), [40, 41]);
  port.complete(0);
  port.complete(1);
  qp.processCompletions();
  assert.equal(port.lbas(), [40, 41, 42], "the third child took a freed tracker");
  assert.equal(seen, []);
  port.complete(port.cids()[2]!);
  qp.processCompletions();
  assert.equal(
    seen.map((s) => s.arg),
    ["split"],
  );
});

test("a scattered payload is walked into the data pointer; a walk that fails ends the command from inside submit", () => {
  const { port, dma, qp, seen, record } = setup({ sglSupported: true });
  const memory = dma.alloc(2 * PAGE);
  const segments = [memory.bytes.subarray(0, 1024), memory.bytes.subarray(PAGE, PAGE + 3072)];
  interface Walk {
    at: number;
    fail: "none" | "next" | "reset";
  }
  const resetSgl = (w: Walk, offset: number): void => {
    if (w.fail === "reset") throw new Error("no such offset");
    w.at = offset === 0 ? 0 : 1;
  };
  const nextSge = (w: Walk, out: SgeOut): number => {
    if (w.fail === "next") return 1;
    out.view = segments[w.at++]!;
    return 0;
  };
  const scattered = (fail: Walk["fail"]): void => {
    const req = engine(qp).takeRequest()!;
    req.cmd.init(READ, 1);
    req.cb = record;
    req.cbArg = fail;
    req.payload.kind = PayloadKind.Scattered;
    req.payload.length = 4096;
    req.payload.sglArg = { at: 0, fail } satisfies Walk;
    req.payload.resetSgl = resetSgl as never;
    req.payload.nextSge = nextSge as never;
    engine(qp).submit(req, null);
  };
  scattered("none");
  assert.is(port.posted.length, 1);
  const cmd = port.posted[0]!;
  assert.is((cmd[0]! >>> 14) & 3, 1, "PSDT: an SGL");
  assert.equal(seen, []);

  scattered("next");
  assert.equal(
    seen.map((s) => [s.arg, s.sc, s.dnr]),
    [["next", GenericStatus.DataSglLengthInvalid, true]],
    "called back synchronously, Data SGL Length Invalid with DNR",
  );
  scattered("reset");
  assert.equal(
    seen.slice(1).map((s) => [s.arg, s.sc, s.dnr]),
    [["reset", GenericStatus.PrpOffsetInvalid, true]],
  );
  assert.is(port.posted.length, 1, "neither failed walk was posted");
  assert.is(qp.outstanding, 1);
  assert.is(qp.freeRequests, 15);
  read(qp, 1, record);
  assert.equal(
    port.cids().map((cid) => cid & 7),
    [0, 1],
    "the failed walks gave their tracker back (tracker 1, a later generation)",
  );
});

test("a request's owned DMA memory is freed when it ends", () => {
  const { port, dma, qp, record } = setup();
  const req = engine(qp).takeRequest()!;
  fillRead(req, 3, record, null);
  const owned = dma.alloc(PAGE);
  req.owned = owned;
  engine(qp).submit(req, null);
  assert.not.ok(dma.freed.includes(owned));
  port.complete(0);
  qp.processCompletions();
  assert.ok(dma.freed.includes(owned));
});

test("abortAll completes every posted and waiting command once with the status; their late completions are ignored", () => {
  const { port, qp, seen, record } = setup({ depth: 4, requests: 8 });
  for (let lba = 0; lba < 5; lba++) read(qp, lba, record);
  assert.is(port.posted.length, 3, "two wait for a tracker");
  engine(qp).abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, true);
  assert.equal(seen.map((s) => s.arg).sort(), [0, 1, 2, 3, 4]);
  assert.ok(
    seen.every((s) => s.sct === 0 && s.sc === GenericStatus.AbortedSqDeletion && s.dnr),
    "SQ deletion with DNR",
  );
  assert.is(qp.outstanding, 0);
  assert.is(qp.freeRequests, 8);
  assert.is(port.posted.length, 3, "the waiting ones never reached the ring");
  port.complete(0);
  port.complete(1);
  assert.is(qp.processCompletions(), 2);
  assert.is(seen.length, 5, "the aborted commands do not call back again");
});

test("a reset: a disconnected pair aborts, keeps what callbacks resubmit waiting, and posts it on the new queue", () => {
  const { port, dma, qp, seen } = setup();
  const resubmit = (lba: number, cpl: Completion): void => {
    seen.push({ arg: lba, sc: cpl.sc } as Seen);
    if (cpl.sc === GenericStatus.AbortedSqDeletion) read(qp, lba, resubmit);
  };
  read(qp, 1, resubmit);
  read(qp, 2, resubmit);
  qp.state = QueuePairState.Disconnected;
  engine(qp).abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, false);
  assert.equal(seen.map((s) => s.arg).sort(), [1, 2]);
  assert.is(port.posted.length, 2, "the resubmissions wait");
  assert.is(qp.outstanding, 2);
  read(qp, 3, resubmit);
  port.complete(0);
  assert.is(qp.processCompletions(), -ENXIO, "a disconnected pair polls nothing, and says so");
  assert.is(port.posted.length, 2);
  const trackersBefore = dma.allocated.length;
  const fresh = new ScriptedPort(8);
  engine(qp).reconnect(fresh);
  assert.is(qp.state, QueuePairState.Active);
  assert.is(qp.transportQueue, fresh);
  assert.equal(fresh.lbas().sort(), [1, 2, 3], "what waited goes to the new queue");
  assert.equal(fresh.cids(), [0, 1, 2], "with the new queue's trackers");
  assert.is(dma.allocated.length, trackersBefore + 1, "new tracker memory");
  assert.ok(dma.freed.includes(dma.allocated[0]!), "the old trackers' memory is freed");
  for (const cid of fresh.cids()) fresh.complete(cid);
  assert.is(qp.processCompletions(), 3);
  assert.is(qp.outstanding, 0);
  assert.equal(seen.length, 5);
  assert.equal(port.posted.length, 2, "the old queue got nothing more");
});

test("destroy closes the pair: assertUsable throws StateError, polling takes nothing, tracker memory is freed", () => {
  const { port, dma, qp, record } = setup();
  read(qp, 1, record);
  engine(qp).abortAll(StatusCodeType.Generic, GenericStatus.AbortedSqDeletion, true);
  engine(qp).destroy();
  assert.is(qp.state, QueuePairState.Closed);
  assert.throws(
    () => qp.assertUsable(),
    (e: unknown) => e instanceof StateError && /queue pair 1 is closed/.test((e as Error).message),
  );
  port.complete(0);
  assert.is(qp.processCompletions(), -ENXIO);
  assert.equal(dma.freed, dma.allocated);
});

test("a command outstanding past timeoutMs is reported once per stage through onTimeout, with its CID", async () => {
  const { port, qp, record } = setup();
  const reports: number[] = [];
  qp.timeoutMs = 5;
  qp.onTimeout = (q, cid, stage, own) => {
    assert.is(q, qp);
    assert.is(own, false, "the queue pair's limit, not one of the command's own");
    if (stage === TimeoutStage.Expired) reports.push(cid);
  };
  read(qp, 1, record);
  read(qp, 2, record);
  qp.processCompletions();
  assert.equal(reports, [], "not yet");
  await new Promise((r) => setTimeout(r, 20));
  port.complete(0);
  qp.processCompletions();
  assert.equal(reports, [1], "the one still outstanding");
  await new Promise((r) => setTimeout(r, 20));
  qp.processCompletions();
  assert.equal(reports, [1], "once");
});

test("nothing completing while commands wait, or an all-ones entry, calls onStall (the health check's cue)", () => {
  const { port, qp, record } = setup();
  let stalls = 0;
  qp.onStall = () => {
    stalls++;
  };
  const stallPolls = 4096; // queue-pair.ts's STALL_POLLS
  for (let i = 0; i < stallPolls; i++) qp.processCompletions();
  assert.is(stalls, 0, "nothing outstanding: no stall");
  read(qp, 1, record);
  for (let i = 0; i < stallPolls - 1; i++) qp.processCompletions();
  assert.is(stalls, 0);
  qp.processCompletions();
  assert.is(stalls, 1, "the STALL_POLLS-th empty poll with a command outstanding");
  port.complete(0xffff, 0x7fff, 0xffff_ffff, 0xffff, 1, 0xffff); // what a vanished device reads as
  qp.processCompletions();
  assert.is(stalls, 2, "at once on a completion of all ones");
  assert.is(qp.rejected.unknownCid, 1);
  assert.is(qp.outstanding, 1, "it completed nothing");
});

test("a worker's pair follows its link: a reset aborts with SQ deletion, restarts the port, acknowledges; then resumes", async () => {
  const controller = new QueueLink();
  const { port, qp, seen, record } = setup({ link: new QueueLink(controller.buffer) });
  read(qp, 1, record);
  read(qp, 2, record);
  const generation = controller.disconnect();
  port.complete(0);
  assert.is(qp.processCompletions(), -ENXIO);
  assert.equal(seen.map((s) => [s.arg, s.sc, s.dnr]).sort(), [
    [1, GenericStatus.AbortedSqDeletion, false],
    [2, GenericStatus.AbortedSqDeletion, false],
  ]);
  assert.is(port.restarts, 1);
  assert.ok(await controller.acknowledged(generation, 0), "acknowledged from processCompletions");
  assert.is(qp.state, QueuePairState.Disconnected);
  read(qp, 3, record);
  assert.is(port.posted.length, 2, "waits while the queue is being re-created");
  assert.is(qp.processCompletions(), -ENXIO);
  controller.reconnect();
  qp.processCompletions();
  assert.is(qp.state, QueuePairState.Active);
  assert.equal(port.lbas(), [1, 2, 3]);
  controller.fail();
  assert.is(qp.processCompletions(), -ENXIO);
  assert.is(qp.state, QueuePairState.Closed);
  assert.equal(
    seen.slice(2).map((s) => [s.arg, s.sc, s.dnr]),
    [[3, GenericStatus.AbortedSqDeletion, true]],
    "the queue is gone for good: aborted with DNR",
  );
});

test("the Promise face resolves with DW0, rejects with NvmeStatusError, and waits out ENOMEM", async () => {
  const { port, qp, record } = setup({ requests: 1 });
  // As the namespace submits: a closed pair throws, which also ends a Promise still waiting for a request.
  const submit = (lba: number) => (cb: (p: Pending, cpl: Completion) => void, arg: Pending) => {
    qp.assertUsable();
    return read(qp, lba, cb, arg);
  };
  try {
    const ok = awaitCompletion(qp, "read 1", submit(1));
    assert.is(qp.freeRequests, 0);
    const failing = awaitCompletion(qp, "read 2", submit(2)).then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(port.lbas(), [1], "the second waits for a request");
    port.complete(0, 0, 0xbeef);
    assert.is(await ok, 0xbeef);
    for (let i = 0; i < 100 && port.posted.length < 2; i++) await new Promise((r) => setImmediate(r));
    assert.equal(port.lbas(), [1, 2]);
    port.complete(port.cids()[1]!, status(StatusCodeType.Generic, GenericStatus.LbaOutOfRange));
    const error = await failing;
    assert.instance(error, NvmeStatusError);
    assert.is((error as NvmeStatusError).sc, GenericStatus.LbaOutOfRange);
    assert.is(read(qp, 3, record), 0, "its request is free again");
  } finally {
    engine(qp).destroy();
  }
});

test.run();
