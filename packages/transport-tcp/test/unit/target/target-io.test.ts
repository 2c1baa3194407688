import {
  Cns,
  ControllerType,
  decodeCap,
  decodeIdentifyController,
  FeatureId,
  NvmeCommand,
  NvmOpcode,
  propertyGetCommand,
  Sgls,
} from "@nvmekit/core/nvme-spec";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DigestBit, PduFlag, PduType } from "../../../src/pdu/constants.js";
import { PduField, readU32le } from "../../../src/pdu/fields.js";
import { type Harness, RawClient, SUBNQN, startTarget } from "./raw-client.js";

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return b;
}

function rw(opcode: number, lba: number, blocks: number): NvmeCommand {
  const cmd = new NvmeCommand();
  cmd.init(opcode, 1);
  cmd.cdw10 = lba;
  cmd.cdw12 = blocks - 1;
  return cmd;
}

function identify(cns: number, nsid = 0): NvmeCommand {
  const cmd = new NvmeCommand();
  cmd.init(0x06, nsid);
  cmd.cdw10 = cns;
  return cmd;
}

async function ioQueue(h: Harness, cntlid: number, digests: number, qid = 1): Promise<RawClient> {
  const c = await h.client(digests);
  const cpl = await c.connectQueue(qid, SUBNQN, { cntlid, sqsize: 127 });
  assert.not.ok(cpl.isError, `I/O Connect status 0x${cpl.status.toString(16)}`);
  assert.is(cpl.cdw0 & 0xffff, cntlid);
  return c;
}

test("ICResp honours the digests asked for and announces MAXH2CDATA and CPDA 0", async () => {
  const h = await startTarget({ maxH2CData: 8192 });
  try {
    for (const digests of [0, DigestBit.Header, DigestBit.Data, DigestBit.Header | DigestBit.Data]) {
      const c = await RawClient.open(h.port);
      h.clients.push(c);
      const resp = await c.icReq(digests);
      assert.is(resp.header[PduField.IcDigest], digests);
      assert.is(resp.header[PduField.IcPda], 0);
      assert.is(readU32le(resp.header, PduField.IcMax), 8192);
      assert.is(resp.header[PduField.Plen], 128);
    }
  } finally {
    await h.stop();
  }
});

test("admin Connect gives a cntlid; CAP, VS, CC.EN → CSTS.RDY, shutdown → SHST complete", async () => {
  const h = await startTarget();
  try {
    const c = await h.client();
    const cpl = await c.connectQueue(0, SUBNQN, { katoMs: 5000 });
    assert.not.ok(cpl.isError);
    const cntlid = cpl.cdw0 & 0xffff;
    assert.ok(cntlid >= 1 && cntlid <= 0xffef);
    assert.is(cpl.sqid, 0);
    const cap = decodeCap(await c.propGet(0x0, 8));
    assert.is(cap.mqes, 127);
    assert.is(cap.cqr, true);
    assert.is(await c.propGet(0x8, 4), 0x10400n);
    assert.is(await c.propGet(0x1c, 4), 0n, "not ready before CC.EN");
    // Before CC.EN, Identify is a Command Sequence Error.
    const early = await c.run(identify(Cns.Controller), { readLength: 4096 });
    assert.is(early.cpl.sc, 0x0c);
    await c.enable();
    assert.is(Number(await c.propGet(0x1c, 4)) & 1, 1, "CSTS.RDY follows CC.EN");
    // A 4-byte read of CAP is refused, as by Linux's target.
    const bad = await c.run(propertyGetCommand(new NvmeCommand(), 0, 4));
    assert.ok(bad.cpl.isError);
    const shn = await c.propSet(0x14, 1 | (6 << 16) | (4 << 20) | (1 << 14));
    assert.not.ok(shn.isError);
    assert.is((Number(await c.propGet(0x1c, 4)) >> 2) & 3, 2, "SHST complete");
    assert.ok(h.events.some((e) => e.type === "controller-created" && e.cntlid === cntlid));
  } finally {
    await h.stop();
  }
});

test("Identify Controller carries the fabrics fields; namespaces come from the backend", async () => {
  const h = await startTarget({ inCapsuleDataSize: 8192 });
  try {
    const { c, cntlid } = await h.admin();
    const r = await c.run(identify(Cns.Controller), { readLength: 4096 });
    assert.not.ok(r.cpl.isError);
    assert.is(r.pdus.filter((p) => p.type === PduType.C2HData).length, 1);
    const id = decodeIdentifyController(r.data);
    assert.is(id.cntlid, cntlid);
    assert.is(id.subnqn, SUBNQN);
    assert.is(id.ioccsz, 8192 / 16 + 4);
    assert.is(id.iorcsz, 1);
    assert.is(id.icdoff, 0);
    assert.is(id.msdbd, 1);
    assert.is(id.cntrltype, ControllerType.Io);
    assert.is(id.kas, 10);
    assert.ok(
      (id.sgls & 3) === 1 &&
        (id.sgls & Sgls.TransportDataBlock) !== 0 &&
        (id.sgls & Sgls.AddressAsOffset) !== 0,
    );
    assert.is(id.mdts, Math.log2(h.rig.ctrlr.maxTransferSize / 4096));
    assert.is(id.maxcmd, 128);
    assert.is(id.ver, 0x10400);
    assert.is(id.sn, h.rig.ctrlr.data.sn, "identity fields come from the backend");
    assert.is(id.oacs, 0, "no optional admin commands pass through");
    // The active namespace list and Identify Namespace are the backend's.
    const list = await c.run(identify(Cns.ActiveNamespaceList), { readLength: 4096 });
    const ids = new Uint32Array(list.data.buffer, 0, 4);
    assert.equal([...ids.filter((x) => x !== 0)], h.rig.ctrlr.activeNamespaceIds());
    const ns = await c.run(identify(Cns.Namespace, 1), { readLength: 4096 });
    assert.is(readU32le(ns.data, 0), h.rig.ctrlr.getNamespace(1)!.numSectors);
    // Formats are not offered.
    const fmt = new NvmeCommand();
    fmt.init(0x80, 1);
    assert.is((await c.run(fmt)).cpl.sc, 0x01, "Invalid Command Opcode");
  } finally {
    await h.stop();
  }
});

for (const digests of [0, DigestBit.Header | DigestBit.Data]) {
  test(`writes in-capsule and by R2T/H2CData read back byte-exact (digests ${digests})`, async () => {
    const h = await startTarget({ inCapsuleDataSize: 8192, maxH2CData: 8192 });
    try {
      const { c: admin, cntlid } = await h.admin(digests);
      const nq = new NvmeCommand();
      nq.init(0x09);
      nq.cdw10 = FeatureId.NumberOfQueues;
      nq.cdw11 = 3 | (3 << 16);
      const granted = await admin.run(nq);
      assert.is(granted.cpl.cdw0, 3 | (3 << 16));
      const io = await ioQueue(h, cntlid, digests);
      assert.ok(h.events.some((e) => e.type === "queue-connected" && e.qid === 1 && e.size === 128));

      // 4 KiB in-capsule at LBA 8 (512-byte blocks): no R2T.
      const small = pattern(4096, 1);
      const w1 = await io.run(rw(NvmOpcode.Write, 8, 8), { write: small, inCapsule: true });
      assert.not.ok(w1.cpl.isError, `status 0x${w1.cpl.status.toString(16)}`);
      assert.is(w1.pdus.length, 1);
      assert.is(w1.cpl.sqid, 1);

      // 40 KiB by R2T at LBA 100, sent as five 8 KiB H2CData PDUs.
      const big = pattern(40960, 2);
      const w2 = await io.run(rw(NvmOpcode.Write, 100, 80), { write: big });
      assert.not.ok(w2.cpl.isError);
      const r2t = w2.pdus[0]!;
      assert.is(r2t.type, PduType.R2T);
      assert.is(readU32le(r2t.header, PduField.DataOffset), 0);
      assert.is(readU32le(r2t.header, PduField.DataLength), 40960);

      const r1 = await io.run(rw(NvmOpcode.Read, 8, 8), { readLength: 4096 });
      assert.not.ok(r1.cpl.isError);
      assert.equal(r1.data, small);
      const r2 = await io.run(rw(NvmOpcode.Read, 100, 80), { readLength: 40960 });
      assert.equal(r2.data, big);
      const last = r2.pdus.filter((p) => p.type === PduType.C2HData).at(-1)!;
      assert.ok((last.flags & PduFlag.DATA_LAST) !== 0);
      assert.is(last.flags & PduFlag.DATA_SUCCESS, 0, "a CapsuleResp always follows");

      // The data really is on the backend.
      const ns = h.rig.ctrlr.getNamespace(1)!;
      const qp = await h.rig.ctrlr.allocIoQpair();
      const buf = h.rig.ctrlr.allocBuffer(40960);
      await ns.read(qp, buf.bytes.subarray(0, 40960), 100, 80);
      assert.equal(buf.bytes.subarray(0, 40960), big);
      h.rig.ctrlr.freeBuffer(buf);
      await h.rig.ctrlr.freeIoQpair(qp);

      // Flush, Write Zeroes and DSM are forwarded too; a wrong SGL length is refused before data moves.
      assert.not.ok((await io.run(rw(NvmOpcode.Flush, 0, 1))).cpl.isError);
      assert.not.ok((await io.run(rw(NvmOpcode.WriteZeroes, 8, 8))).cpl.isError);
      const zero = await io.run(rw(NvmOpcode.Read, 8, 8), { readLength: 4096 });
      assert.ok(zero.data.every((x) => x === 0));
      const short = await io.run(rw(NvmOpcode.Write, 8, 8), { write: pattern(512, 3) });
      assert.is(short.cpl.sc, 0x0f, "Data SGL Length Invalid");
      assert.is(short.pdus.length, 1, "no R2T for a refused command");
      const badNs = rw(NvmOpcode.Read, 0, 1);
      badNs.nsid = 99;
      assert.is((await io.run(badNs, { readLength: 512 })).cpl.sc, 0x0b);
    } finally {
      await h.stop();
    }
  });
}

test("DSM with Linux's 4 KiB range buffer (NR 0) deallocates, in-capsule or by R2T; too short is refused", async () => {
  const h = await startTarget({ inCapsuleDataSize: 4096 });
  try {
    const { cntlid } = await h.admin();
    const io = await ioQueue(h, cntlid, 0);
    const dsm = (ranges: [number, number][], bytes: number): { cmd: NvmeCommand; data: Uint8Array } => {
      const cmd = new NvmeCommand();
      cmd.init(NvmOpcode.DatasetManagement, 1);
      cmd.cdw10 = ranges.length - 1;
      cmd.cdw11 = 1 << 2; // AD: deallocate
      // The bytes after the ranges stay zero, as in Linux's kzalloc'd page.
      const data = new Uint8Array(Math.max(bytes, ranges.length * 16));
      const v = new DataView(data.buffer);
      ranges.forEach(([slba, nlb], i) => {
        v.setUint32(i * 16 + 4, nlb, true);
        v.setBigUint64(i * 16 + 8, BigInt(slba), true);
      });
      return { cmd, data: data.subarray(0, bytes) };
    };
    const fill = pattern(8 * 512, 5);
    for (const [lba, inCapsule] of [
      [16, true],
      [48, false],
    ] as const) {
      assert.not.ok(
        (await io.run(rw(NvmOpcode.Write, lba, 8), { write: fill, inCapsule: true })).cpl.isError,
      );
      const { cmd, data } = dsm([[lba, 8]], 4096);
      const r = await io.run(cmd, { write: data, inCapsule });
      assert.not.ok(r.cpl.isError, `DSM status 0x${r.cpl.status.toString(16)}`);
      assert.is(r.pdus[0]!.type, inCapsule ? PduType.CapsuleResp : PduType.R2T);
      const back = await io.run(rw(NvmOpcode.Read, lba, 8), { readLength: 4096 });
      assert.ok(
        back.data.every((x) => x === 0),
        `LBA ${lba} deallocated`,
      );
    }
    // Exactly the ranges is fine too; fewer bytes than the ranges, or more than 256 ranges hold, is not.
    const exact = dsm(
      [
        [0, 1],
        [8, 1],
      ],
      32,
    );
    assert.not.ok((await io.run(exact.cmd, { write: exact.data, inCapsule: true })).cpl.isError);
    const short = dsm(
      [
        [0, 1],
        [8, 1],
      ],
      16,
    );
    const s1 = await io.run(short.cmd, { write: short.data, inCapsule: true });
    assert.is(s1.cpl.sc, 0x0f, "Data SGL Length Invalid");
    const long = dsm([[0, 1]], 8192);
    const s2 = await io.run(long.cmd, { write: long.data });
    assert.is(s2.cpl.sc, 0x0f);
    assert.is(s2.pdus.length, 1, "no R2T for a refused command");
  } finally {
    await h.stop();
  }
});

test("Identify Namespace reports the namespace shared (NMIC bit 0): every host's controller reaches it", async () => {
  const h = await startTarget();
  try {
    const { c } = await h.admin();
    const ns = await c.run(identify(Cns.Namespace, 1), { readLength: 4096 });
    assert.not.ok(ns.cpl.isError);
    assert.is(ns.data[30]! & 1, 1, "NMIC shared");
    assert.is(readU32le(ns.data, 0), h.rig.ctrlr.getNamespace(1)!.numSectors, "the rest is the backend's");
    const indep = await c.run(identify(Cns.IoCommandSetIndependentNamespace, 2), { readLength: 4096 });
    if (!indep.cpl.isError) assert.is(indep.data[1]! & 1, 1, "NMIC shared (CNS 08h)");
  } finally {
    await h.stop();
  }
});

test("I/O Connect needs the controller's host, a granted qid and a sane sqsize", async () => {
  const h = await startTarget({ maxIoQueues: 2 });
  try {
    const { cntlid } = await h.admin();
    const c = await h.client();
    let cpl = await c.connectQueue(1, SUBNQN, { cntlid: cntlid + 7 });
    assert.is(cpl.sct, 1);
    assert.is(cpl.sc, 0x82);
    assert.is(cpl.cdw0, (1 << 16) | 16, "IATTR data, IPO cntlid");
    cpl = await c.connectQueue(1, SUBNQN, { cntlid, hostnqn: "nqn.2014-08.org.nvmexpress:uuid:other" });
    assert.is(cpl.cdw0, (1 << 16) | 16);
    cpl = await c.connectQueue(3, SUBNQN, { cntlid });
    assert.is(cpl.sc, 0x82);
    assert.is(cpl.cdw0, 42, "IATTR command, IPO qid");
    cpl = await c.connectQueue(1, SUBNQN, { cntlid, sqsize: 128 });
    assert.is(cpl.cdw0, 44, "IPO sqsize: MQES is 127");
    cpl = await c.connectQueue(1, SUBNQN, { cntlid });
    assert.not.ok(cpl.isError);
    const again = await h.client();
    cpl = await again.connectQueue(1, SUBNQN, { cntlid });
    assert.is(cpl.sc, 0x0c, "queue 1 is taken");
  } finally {
    await h.stop();
  }
});

test.run();
