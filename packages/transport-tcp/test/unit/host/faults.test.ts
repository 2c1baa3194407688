/**
 * Bad input and misbehaving peers: refused Connects, nothing listening, a black hole, and a proxy that
 * tampers with the target's PDUs (malformed PDUs, C2HData for an unknown CID, a close mid-command).
 */
import { createServer, type Server, type Socket } from "node:net";
import { ConnectRejectedError, ControllerState, type QueuePair, TransportError } from "@nvmekit/core";
import type { Completion } from "@nvmekit/core/nvme-spec";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PduFlag, PduType, TermReqFes } from "../../../src/pdu/constants.js";
import { encodeC2HData, encodeR2T } from "../../../src/pdu/data.js";
import { encodeICResp } from "../../../src/pdu/ic.js";
import {
  BASE_OPTIONS,
  capsuleCommand,
  HOSTNQN,
  openTcpHandles,
  PduProxy,
  type ProxyLink,
  sleep,
  startRig,
  tcpDriver,
  tridFor,
  until,
  untilState,
} from "./helper.js";

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: Error) => e,
  );
}

test("a wrong subsystem NQN is a ConnectRejectedError naming it; nothing stays on the target", async () => {
  const rig = await startRig();
  try {
    const e = await rejection(rig.connect({}, rig.port, "nqn.2024-01.io.nvmekit:nope"));
    assert.instance(e, ConnectRejectedError);
    assert.match(e.message, "nqn.2024-01.io.nvmekit:nope");
    assert.is(rig.driver.controllers.length, 0);
    assert.ok(await until(() => rig.target.connectionCount === 0 && rig.target.controllerCount === 0, 500));
  } finally {
    await rig.stop();
  }
});

test("a host not allowed is refused with a message that names the host and says how to fix it", async () => {
  const rig = await startRig({ allowedHosts: ["nqn.2014-08.org.nvmexpress:uuid:someone-else"] });
  try {
    const e = await rejection(rig.connect());
    assert.instance(e, ConnectRejectedError);
    assert.match(e.message, HOSTNQN);
    assert.match(e.message, /allow/i);
    assert.ok(e.message.length > HOSTNQN.length + 60, `a fix is suggested: ${e.message}`);
  } finally {
    await rig.stop();
  }
});

test("nothing listening: TransportError 'connection refused', not a time-out", async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  const driver = tcpDriver();
  const e = await rejection(driver.connect(tridFor(port), { ...BASE_OPTIONS, adminTimeoutMs: 300 }));
  assert.instance(e, TransportError);
  assert.match(e.message, /connection refused/);
  assert.match(e.message, String(port));
});

/** A server that accepts and then does `onSocket` (default: nothing at all). */
async function fakePeer(
  onSocket: (s: Socket) => void = () => {},
): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on("error", () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

async function closePeer(p: { server: Server; sockets: Socket[] }): Promise<void> {
  for (const s of p.sockets) s.destroy();
  await new Promise<void>((r) => p.server.close(() => r()));
}

test("a black hole (accepts, never answers): the connect fails clearly within adminTimeoutMs", async () => {
  const peer = await fakePeer((s) => s.resume());
  try {
    const driver = tcpDriver();
    const e = await rejection(driver.connect(tridFor(peer.port), { ...BASE_OPTIONS, adminTimeoutMs: 300 }));
    assert.instance(e, TransportError);
    assert.match(e.message, /no ICResp within 300 ms/, "it gave up after adminTimeoutMs, and says so");
    assert.match(e.message, String(peer.port));
    assert.is(driver.controllers.length, 0);
    assert.ok(
      await until(() => peer.sockets.length > 0 && peer.sockets.every((s) => s.readableEnded), 1500),
      "the host hung up",
    );
  } finally {
    await closePeer(peer);
  }
});

test("a peer that answers ICResp and then nothing: the Connect times out within adminTimeoutMs", async () => {
  const peer = await fakePeer((s) => {
    s.once("data", () => {
      const b = Buffer.alloc(128);
      encodeICResp(b, 0, 0, 0, 8192);
      s.write(b);
    });
  });
  try {
    const e = await rejection(
      tcpDriver().connect(tridFor(peer.port), { ...BASE_OPTIONS, adminTimeoutMs: 300 }),
    );
    assert.match(e.message, /Connect|answer|300/);
  } finally {
    await closePeer(peer);
  }
});

test("a peer that answers ICReq with an unknown PDU format version is refused clearly", async () => {
  const peer = await fakePeer((s) => {
    s.once("data", () => {
      const b = Buffer.alloc(128);
      encodeICResp(b, 0, 0, 0, 8192);
      b[8] = 1; // PFV
      s.write(b);
    });
  });
  try {
    const e = await rejection(
      tcpDriver().connect(tridFor(peer.port), { ...BASE_OPTIONS, adminTimeoutMs: 300 }),
    );
    assert.instance(e, TransportError);
    assert.match(e.message, /version 1/);
  } finally {
    await closePeer(peer);
  }
});

interface Outcome {
  calls: number[];
  errors: number;
}
function onCpl(o: { out: Outcome; i: number }, cpl: Completion): void {
  o.out.calls[o.i] = (o.out.calls[o.i] ?? 0) + 1;
  if (cpl.isError) o.out.errors++;
}

/**
 * Connects through a proxy whose `tamper` acts on the first Read command of the I/O queue, runs
 * a few reads there, and checks the common outcome: every command once with an error, the controller
 * Failed, connectionLost$ once, no exception, and detach leaves nothing open.
 */
async function misbehave(
  tamper: (link: ProxyLink, cid: number) => void,
  check: (proxy: PduProxy, link: ProxyLink) => void,
): Promise<void> {
  const rig = await startRig();
  let tampered: ProxyLink | null = null;
  const proxy = await PduProxy.start(rig.port, (dir, pdu, link) => {
    if (dir !== "h2c" || link.qid < 1 || tampered !== null || pdu[0] !== PduType.CapsuleCmd) return "forward";
    const { opcode, cid } = capsuleCommand(pdu);
    if (opcode !== 0x02) return "forward";
    tampered = link;
    tamper(link, cid);
    return "drop";
  });
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => {
    uncaught.push(e);
  };
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
  try {
    const c = await rig.connect({ adminTimeoutMs: 300, ctrlLossTimeoutMs: 0 }, proxy.port);
    const losses: Error[] = [];
    c.connectionLost$.subscribe((e) => losses.push(e));
    const qp: QueuePair = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const out: Outcome = { calls: [0, 0, 0, 0], errors: 0 };
    for (let i = 0; i < 4; i++)
      assert.is(ns.cmdRead(qp, new Uint8Array(4096), i * 8, 8, onCpl, { out, i }), 0);
    const promised = ns.read(qp, new Uint8Array(512), 99, 1).then(
      () => "resolved",
      () => "rejected",
    );
    assert.ok(
      await until(() => {
        if (qp.state !== 2) qp.processCompletions();
        return out.calls.every((n) => n >= 1);
      }, 2000),
      `every command called back: ${out.calls}`,
    );
    await sleep(50);
    if (qp.state !== 2) qp.processCompletions();
    assert.equal(out.calls, [1, 1, 1, 1], "each exactly once");
    assert.ok(out.errors >= 1, "the tampered command fails");
    assert.is(await promised, "rejected");
    assert.ok(await untilState(c, ControllerState.Failed, 1000), `controller ${c.state}`);
    assert.is(losses.length, 1, "connectionLost$ once");
    assert.ok(tampered !== null);
    check(proxy, tampered!);
    await rig.driver.detach(c);
    assert.is(c.state, ControllerState.Detached);
    assert.equal(uncaught, [], "no exception escaped");
  } finally {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUncaught);
    await rig.stop();
    await proxy.close();
  }
  assert.ok(await until(() => openTcpHandles() === 0, 1000), `sockets left open: ${openTcpHandles()}`);
}

test("a malformed PDU from the target: the host sends H2CTermReq and fails the controller", async () => {
  await misbehave(
    (link) => {
      const bad = Buffer.alloc(24);
      bad[0] = 0x0e; // no such PDU type
      bad[2] = 24;
      bad.writeUInt32LE(24, 4);
      link.toHost(bad);
    },
    (proxy, link) => {
      const term = proxy.records.find(
        (r) => r.link === link.index && r.dir === "h2c" && r.type === PduType.H2CTermReq,
      );
      assert.ok(term !== undefined, "the host sent an H2CTermReq");
      assert.is(term!.header.readUInt16LE(8), TermReqFes.InvalidHeaderField);
    },
  );
});

test("C2HData for a CID not outstanding: H2CTermReq (data transfer out of range), the controller fails", async () => {
  await misbehave(
    (link, cid) => {
      const b = Buffer.alloc(24 + 512);
      const n = encodeC2HData(b, 0, (cid + 7) % 128, 0, 512, PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS, 0, 0);
      link.toHost(b.subarray(0, n + 512));
    },
    (proxy, link) => {
      const term = proxy.records.find(
        (r) => r.link === link.index && r.dir === "h2c" && r.type === PduType.H2CTermReq,
      );
      assert.ok(term !== undefined, "the host sent an H2CTermReq");
      assert.is(term!.header.readUInt16LE(8), TermReqFes.DataTransferOutOfRange);
    },
  );
});

test("the peer closes mid-command: everything outstanding fails once, the controller fails", async () => {
  await misbehave(
    (link) => setImmediate(() => link.destroy()),
    () => {},
  );
});

/** The host's H2CTermReq on `link`, which must exist, has FES `fes`. */
function sentTermReq(proxy: PduProxy, link: ProxyLink, fes: number): void {
  const term = proxy.records.find(
    (r) => r.link === link.index && r.dir === "h2c" && r.type === PduType.H2CTermReq,
  );
  assert.ok(term !== undefined, "the host sent an H2CTermReq");
  assert.is(term!.header.readUInt16LE(8), fes);
}

test("C2HData with SUCCESS that carries less than the read asked for: H2CTermReq, nothing completes as success", async () => {
  await misbehave(
    (link, cid) => {
      const b = Buffer.alloc(24 + 512);
      const n = encodeC2HData(b, 0, cid, 0, 512, PduFlag.DATA_LAST | PduFlag.DATA_SUCCESS, 0, 0);
      link.toHost(b.subarray(0, n + 512)); // the read asked for 4096 bytes
    },
    (proxy, link) => sentTermReq(proxy, link, TermReqFes.PduSequenceError),
  );
});

test("an R2T for a read: H2CTermReq, the read buffer is never sent", async () => {
  await misbehave(
    (link, cid) => {
      const b = Buffer.alloc(24);
      link.toHost(b.subarray(0, encodeR2T(b, 0, cid, 1, 0, 512, 0)));
    },
    (proxy, link) => {
      sentTermReq(proxy, link, TermReqFes.DataTransferOutOfRange);
      assert.is(proxy.count("h2c", PduType.H2CData), 0, "no H2CData left the host");
    },
  );
});

test("a response repeated by the peer is dropped: every command completes once, right, and the controller stays", async () => {
  const rig = await startRig();
  let repeated = 0;
  let connectAnswered = false;
  const proxy = await PduProxy.start(rig.port, (dir, pdu, link) => {
    if (dir !== "c2h" || link.qid < 1 || pdu[0] !== PduType.CapsuleResp) return "forward";
    // Not the Connect's answer: the read that reuses its command ID may be posted before a copy of it
    // arrives, and without generations in command IDs nothing can tell the two apart.
    if (!connectAnswered) {
      connectAnswered = true;
      return "forward";
    }
    if (repeated < 5) {
      repeated++;
      link.toHost(pdu); // the original goes on after this copy: two identical responses
    }
    return "forward";
  });
  try {
    const c = await rig.connect({ ctrlLossTimeoutMs: 0 }, proxy.port);
    const qp: QueuePair = await c.allocIoQpair();
    const ns = c.namespaces.get(1)!;
    const out: Outcome = { calls: [0, 0, 0, 0, 0, 0, 0, 0], errors: 0 };
    const bufs = Array.from({ length: 8 }, () => new Uint8Array(512));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++)
        assert.is(ns.cmdRead(qp, bufs[round * 4 + i]!, i, 1, onCpl, { out, i: round * 4 + i }), 0);
      assert.ok(
        await until(() => {
          qp.processCompletions();
          return out.calls.slice(round * 4, round * 4 + 4).every((n) => n >= 1);
        }, 2000),
      );
    }
    await sleep(50);
    qp.processCompletions();
    assert.equal(out.calls, [1, 1, 1, 1, 1, 1, 1, 1], "each exactly once");
    assert.is(out.errors, 0);
    assert.ok(repeated >= 5, `responses repeated: ${repeated}`);
    assert.is(c.state, ControllerState.Ready);
    await rig.driver.detach(c);
  } finally {
    await rig.stop();
    await proxy.close();
  }
});

test.run();
