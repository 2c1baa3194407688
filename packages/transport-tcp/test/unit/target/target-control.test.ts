import { connect } from "node:net";
import {
  DISCOVERY_NQN,
  decodeDiscoveryLog,
  decodeIdentifyController,
  NvmeCommand,
} from "@nvmekit/core/nvme-spec";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PduType, TermReqFes } from "../../../src/pdu/constants.js";
import { encodeH2CData } from "../../../src/pdu/data.js";
import { PduField, readU16le, readU32le } from "../../../src/pdu/fields.js";
import { encodeICReq } from "../../../src/pdu/ic.js";
import { encodeH2CTermReq } from "../../../src/pdu/term.js";
import { HOSTNQN, RawClient, SUBNQN, startTarget } from "./raw-client.js";

function getLog(lid: number, bytes: number, offset = 0): NvmeCommand {
  const cmd = new NvmeCommand();
  cmd.init(0x02, 0);
  const numd = bytes / 4 - 1;
  cmd.cdw10 = (lid | ((numd & 0xffff) << 16)) >>> 0;
  cmd.cdw11 = numd >>> 16;
  cmd.cdw12 = offset;
  return cmd;
}

test("the discovery controller lists the I/O subsystem at the address the host reached", async () => {
  const h = await startTarget({ allowedHosts: [] });
  try {
    const c = await h.client();
    const cpl = await c.connectQueue(0, DISCOVERY_NQN, { hostnqn: "nqn.2014-08.org.nvmexpress:uuid:anyone" });
    assert.not.ok(cpl.isError, "any host may use discovery");
    await c.enable();
    const idc = await c.run(
      (() => {
        const cmd = new NvmeCommand();
        cmd.init(0x06);
        cmd.cdw10 = 1;
        return cmd;
      })(),
      { readLength: 4096 },
    );
    const id = decodeIdentifyController(idc.data);
    assert.is(id.cntrltype, 2);
    assert.is(id.subnqn, DISCOVERY_NQN);
    assert.is(id.cntlid, cpl.cdw0 & 0xffff);
    // nvme-cli reads the header first, then the whole log.
    const head = await c.run(getLog(0x70, 1024), { readLength: 1024 });
    assert.not.ok(head.cpl.isError);
    const { numrec } = decodeDiscoveryLog(head.data);
    assert.is(numrec, 2);
    const whole = await c.run(getLog(0x70, 1024 * (1 + numrec)), { readLength: 1024 * (1 + numrec) });
    const log = decodeDiscoveryLog(whole.data);
    assert.is(log.entries.length, 2);
    const [nvm, disc] = log.entries;
    assert.is(nvm!.subnqn, SUBNQN);
    assert.is(nvm!.subtype, 2);
    assert.is(nvm!.trtype, 3);
    assert.is(nvm!.adrfam, 1);
    assert.is(nvm!.traddr, "127.0.0.1");
    assert.is(nvm!.trsvcid, String(h.port));
    assert.is(nvm!.cntlid, 0xffff);
    assert.is(disc!.subnqn, DISCOVERY_NQN);
    assert.is(disc!.subtype, 3);
    // An offset into the log returns the entries from there.
    const second = await c.run(getLog(0x70, 1024, 2048), { readLength: 1024 });
    assert.equal(second.data, whole.data.subarray(2048, 3072));
    // A discovery controller has no I/O log pages or Number of Queues.
    assert.is((await c.run(getLog(0x02, 512), { readLength: 512 })).cpl.sc, 0x02);
  } finally {
    await h.stop();
  }
});

test("a wrong subsystem NQN is Connect Invalid Parameters with IATTR data, IPO 256", async () => {
  const h = await startTarget();
  try {
    const c = await h.client();
    const cpl = await c.connectQueue(0, "nqn.2024-01.io.nvmekit:nope");
    assert.is(cpl.sct, 1);
    assert.is(cpl.sc, 0x82);
    assert.is(cpl.cdw0, (1 << 16) | 256);
    assert.ok(cpl.dnr);
    const cnt = await c.connectQueue(0, SUBNQN, { cntlid: 5 });
    assert.is(cnt.cdw0, (1 << 16) | 16, "an admin Connect must name cntlid 0xFFFF");
    assert.is(h.target.controllerCount, 0);
    assert.ok(h.events.some((e) => e.type === "connect-rejected"));
  } finally {
    await h.stop();
  }
});

test("a host not allowed is Connect Invalid Host with IPO 512; an allowed one connects", async () => {
  const h = await startTarget({ allowedHosts: [HOSTNQN] });
  try {
    const c = await h.client();
    const bad = await c.connectQueue(0, SUBNQN, { hostnqn: "nqn.2014-08.org.nvmexpress:uuid:stranger" });
    assert.is(bad.sct, 1);
    assert.is(bad.sc, 0x84);
    assert.is(bad.cdw0, (1 << 16) | 512);
    const good = await c.connectQueue(0, SUBNQN);
    assert.not.ok(good.isError);
  } finally {
    await h.stop();
  }
});

test("commands before Connect are a Command Sequence Error; an AER is held, Keep Alive answered", async () => {
  const h = await startTarget();
  try {
    const c = await h.client();
    const ka = new NvmeCommand();
    ka.init(0x18);
    assert.is((await c.run(ka)).cpl.sc, 0x0c);
    const { c: admin } = await h.admin();
    const aer = new NvmeCommand();
    aer.init(0x0c);
    admin.sendCapsule(aer, 0);
    assert.ok(await admin.quiet(50), "the AER is not completed");
    const r = await admin.run(ka);
    assert.not.ok(r.cpl.isError);
  } finally {
    await h.stop();
  }
});

test("a first PDU other than ICReq gets a C2HTermReq (PDU sequence error) and the connection closes", async () => {
  const h = await startTarget();
  try {
    const c = await RawClient.open(h.port);
    h.clients.push(c);
    const data = Buffer.alloc(24 + 4096);
    encodeH2CData(data, 0, 1, 0, 0, 4096, 0, 0, 0);
    c.write(data);
    const term = await c.next();
    assert.is(term.type, PduType.C2HTermReq);
    assert.is(readU16le(term.header, PduField.TermFes), TermReqFes.PduSequenceError);
    assert.is(term.data[0], PduType.H2CData, "the offending header is quoted");
    await c.closed;
    assert.ok(h.events.some((e) => e.type === "protocol-error" && e.fes === TermReqFes.PduSequenceError));
  } finally {
    await h.stop();
  }
});

test("a bad header length and an unknown TTAG get C2HTermReq with the field's offset", async () => {
  const h = await startTarget();
  try {
    const c = await RawClient.open(h.port);
    h.clients.push(c);
    const ic = Buffer.alloc(128);
    encodeICReq(ic, 0, 0, 0, 0);
    ic[2] = 64; // hlen
    c.write(ic);
    const term = await c.next();
    assert.is(term.type, PduType.C2HTermReq);
    assert.is(readU16le(term.header, PduField.TermFes), TermReqFes.InvalidHeaderField);
    assert.is(readU32le(term.header, PduField.TermFei), 2);
    await c.closed;

    const { c: admin } = await h.admin();
    const h2c = Buffer.alloc(24 + 16);
    encodeH2CData(h2c, 0, 1, 77, 0, 16, 4, 0, 0);
    admin.write(h2c);
    const t2 = await admin.next();
    assert.is(t2.type, PduType.C2HTermReq);
    assert.is(readU32le(t2.header, PduField.TermFei), PduField.Ttag);
    await admin.closed;
    // Its admin queue gone, the controller is gone too.
    assert.is(h.target.controllerCount, 0);

    // An ICReq asking for an unknown protocol version.
    const v = await RawClient.open(h.port);
    h.clients.push(v);
    const bad = Buffer.alloc(128);
    encodeICReq(bad, 0, 0, 0, 0);
    bad[PduField.IcPfv] = 1;
    v.write(bad);
    const t3 = await v.next();
    assert.is(readU16le(t3.header, PduField.TermFes), TermReqFes.UnsupportedParameter);
    assert.is(readU32le(t3.header, PduField.TermFei), PduField.IcPfv);
  } finally {
    await h.stop();
  }
});

test("an H2CTermReq from the host closes the connection and with it the controller", async () => {
  const h = await startTarget();
  try {
    const { c, cntlid } = await h.admin();
    const term = Buffer.alloc(24);
    encodeH2CTermReq(term, 0, TermReqFes.HeaderDigestError, 0, new Uint8Array(0));
    c.write(term);
    await c.closed;
    assert.ok(h.events.some((e) => e.type === "connection-closed" && e.reason.startsWith("H2CTermReq")));
    assert.ok(h.events.some((e) => e.type === "controller-destroyed" && e.cntlid === cntlid));
  } finally {
    await h.stop();
  }
});

test("keep-alive expiry removes the controller and closes its connections; Keep Alives prevent it", async () => {
  const h = await startTarget();
  try {
    const { c: kept } = await h.admin(0, 150);
    const { c: idle, cntlid } = await h.admin(0, 150);
    const ka = new NvmeCommand();
    ka.init(0x18);
    assert.not.ok(idle.isClosed, "not before its timeout");
    const started = Date.now();
    while (!idle.isClosed && Date.now() - started < 1000) {
      assert.not.ok((await kept.run(ka)).cpl.isError);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(idle.isClosed, "the idle association was dropped");
    assert.not.ok(kept.isClosed);
    assert.ok(
      h.events.some(
        (e) => e.type === "controller-destroyed" && e.cntlid === cntlid && e.reason === "keep-alive timeout",
      ),
    );
    assert.is(h.target.controllerCount, 1);
  } finally {
    await h.stop();
  }
});

test("close() closes every connection, frees the backend queue pairs and stops listening", async () => {
  const h = await startTarget();
  const { c, cntlid } = await h.admin();
  const io = await h.client();
  assert.not.ok((await io.connectQueue(1, SUBNQN, { cntlid })).isError);
  const rd = new NvmeCommand();
  rd.init(0x02, 1);
  assert.not.ok((await io.run(rd, { readLength: 512 })).cpl.isError);
  assert.is(h.rig.ctrlr.ioQueuePairs.size, 2, "the target's backend queue pairs");
  const idle = await RawClient.open(h.port); // not even ICReq
  await h.target.close();
  await Promise.all([c.closed, io.closed, idle.closed]);
  assert.is(h.target.connectionCount, 0);
  assert.is(h.target.controllerCount, 0);
  assert.is(h.rig.ctrlr.ioQueuePairs.size, 0);
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect(h.port, "127.0.0.1");
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", () => resolve(true));
  });
  assert.ok(refused, "nothing listens any more");
  await h.target.close(); // idempotent
  await h.rig.driver.detachAll();
});

test.run();
