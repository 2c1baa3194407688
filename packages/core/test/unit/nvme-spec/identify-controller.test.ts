import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeFlags } from "../../../src/nvme-spec/bytes.js";
import {
  Cns,
  decodeIdentifyController,
  firmwareSlotCount,
  hasVolatileWriteCache,
  IDENTIFY_DATA_SIZE,
  Lpa,
  mdtsBytes,
  Oacs,
  Oncs,
  POWER_STATE_OFFSET,
  POWER_STATE_SIZE,
  SglSupport,
  sglSupport,
} from "../../../src/nvme-spec/identify-controller.js";

/** Write ASCII text at an offset, space padded to len like a controller does. */
function putText(b: Uint8Array, off: number, len: number, text: string): void {
  for (let i = 0; i < len; i++) b[off + i] = i < text.length ? text.charCodeAt(i) : 0x20;
}

/** An Identify Controller buffer filled at the byte offsets of the NVMe 2.0 base spec, figure "Identify Controller". */
function sample(): Uint8Array {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x1b36, true); // VID (QEMU)
  v.setUint16(2, 0x1af4, true); // SSVID
  putText(b, 4, 20, "deadbeef"); // SN 23:04
  putText(b, 24, 40, "QEMU NVMe Ctrl"); // MN 63:24
  putText(b, 64, 8, "8.0.0"); // FR 71:64
  b[72] = 6; // RAB
  b[73] = 0x00; // IEEE OUI 0x525400, least significant byte first
  b[74] = 0x54;
  b[75] = 0x52;
  b[76] = 0x0a; // CMIC: multi controller + ANA
  b[77] = 7; // MDTS
  v.setUint16(78, 0x0042, true); // CNTLID
  v.setUint32(80, 0x00010400, true); // VER 1.4.0
  v.setUint32(84, 1000, true); // RTD3R
  v.setUint32(88, 2000, true); // RTD3E
  v.setUint32(92, 0x100, true); // OAES: namespace attribute notices
  v.setUint32(96, 0x8001, true); // CTRATT: 128-bit host id, ELBAS
  b[111] = 1; // CNTRLTYPE I/O
  v.setUint16(128, 10, true); // CRDT1
  v.setUint16(130, 20, true); // CRDT2
  v.setUint16(132, 30, true); // CRDT3
  v.setUint16(256, 0x010a, true); // OACS: format, ns mgmt, doorbell buffer config
  b[258] = 3; // ACL
  b[259] = 3; // AERL
  b[260] = 0x07; // FRMW: slot 1 RO, 3 slots
  b[261] = 0x07; // LPA
  b[262] = 63; // ELPE
  b[263] = 1; // NPSS: two power states
  v.setUint16(266, 343, true); // WCTEMP
  v.setUint16(268, 373, true); // CCTEMP
  v.setBigUint64(280, 0x1_0000_0000n, true); // TNVMCAP low 8 bytes
  v.setBigUint64(288, 1n, true); // TNVMCAP high 8 bytes
  v.setBigUint64(296, 4096n, true); // UNVMCAP
  v.setUint16(320, 10, true); // KAS
  b[512] = 0x66; // SQES
  b[513] = 0x44; // CQES
  v.setUint16(514, 128, true); // MAXCMD
  v.setUint32(516, 256, true); // NN
  v.setUint16(520, 0x015d, true); // ONCS
  v.setUint16(522, 1, true); // FUSES
  b[524] = 0x04; // FNA
  b[525] = 0x07; // VWC
  v.setUint16(526, 7, true); // AWUN
  v.setUint16(528, 0, true); // AWUPF
  v.setUint16(532, 1, true); // ACWU
  v.setUint32(536, 0x00100002, true); // SGLS: dword aligned + address as offset
  v.setUint32(540, 256, true); // MNAN
  putText(b, 768, 256, "nqn.2019-08.org.qemu:deadbeef");
  b.fill(0, 768 + 29, 1024); // NQN is NUL padded
  v.setUint32(1792, 4, true); // IOCCSZ
  v.setUint32(1796, 1, true); // IORCSZ
  v.setUint16(1800, 0, true); // ICDOFF
  b[1803] = 1; // MSDBD
  // PSD0 at 2048: MP 2500 (25 W at 0.01 W), ENLAT 16, EXLAT 4
  v.setUint16(2048, 2500, true);
  v.setUint32(2052, 16, true);
  v.setUint32(2056, 4, true);
  // PSD1 at 2080: MP 900, MXPS + NOPS, RRT 1, RRL 1, RWT 1, RWL 1, IPS 2, APS 1, APW 3
  v.setUint16(2080, 900, true);
  b[2083] = 0x03;
  b[2092] = 1;
  b[2093] = 1;
  b[2094] = 1;
  b[2095] = 1;
  v.setUint16(2096, 50, true);
  b[2098] = 0x80;
  v.setUint16(2100, 70, true);
  b[2102] = 0x43;
  return b;
}

test("sizes and CNS values", () => {
  assert.is(IDENTIFY_DATA_SIZE, 4096);
  assert.is(POWER_STATE_OFFSET, 2048);
  assert.is(POWER_STATE_SIZE, 32);
  assert.is(Cns.Namespace, 0);
  assert.is(Cns.Controller, 1);
  assert.is(Cns.ActiveNamespaceList, 2);
  assert.is(Cns.NamespaceDescriptorList, 3);
  assert.is(Cns.IoCommandSetNamespace, 5);
  assert.is(Cns.ControllerList, 0x13);
});

test("decodes the fields at the spec's offsets", () => {
  const c = decodeIdentifyController(sample());
  assert.is(c.vid, 0x1b36);
  assert.is(c.ssvid, 0x1af4);
  assert.is(c.sn, "deadbeef");
  assert.is(c.mn, "QEMU NVMe Ctrl");
  assert.is(c.fr, "8.0.0");
  assert.is(c.rab, 6);
  assert.is(c.ieee, 0x525400);
  assert.is(c.cmic, 0x0a);
  assert.is(c.mdts, 7);
  assert.is(c.cntlid, 0x42);
  assert.is(c.ver, 0x00010400);
  assert.is(c.rtd3r, 1000);
  assert.is(c.rtd3e, 2000);
  assert.is(c.oaes, 0x100);
  assert.is(c.ctratt, 0x8001);
  assert.is(c.cntrltype, 1);
  assert.equal([c.crdt1, c.crdt2, c.crdt3], [10, 20, 30]);
  assert.is(c.oacs, 0x010a);
  assert.is(c.acl, 3);
  assert.is(c.aerl, 3);
  assert.is(c.frmw, 7);
  assert.is(c.lpa, 7);
  assert.is(c.elpe, 63);
  assert.is(c.npss, 1);
  assert.is(c.wctemp, 343);
  assert.is(c.cctemp, 373);
  assert.is(c.tnvmcap, (1n << 64n) + (1n << 32n));
  assert.is(c.unvmcap, 4096n);
  assert.is(c.kas, 10);
  assert.is(c.sqes, 0x66);
  assert.is(c.cqes, 0x44);
  assert.is(c.maxcmd, 128);
  assert.is(c.nn, 256);
  assert.is(c.oncs, 0x015d);
  assert.is(c.fuses, 1);
  assert.is(c.fna, 4);
  assert.is(c.vwc, 7);
  assert.is(c.awun, 7);
  assert.is(c.acwu, 1);
  assert.is(c.sgls, 0x00100002);
  assert.is(c.mnan, 256);
  assert.is(c.subnqn, "nqn.2019-08.org.qemu:deadbeef");
  assert.is(c.ioccsz, 4);
  assert.is(c.iorcsz, 1);
  assert.is(c.msdbd, 1);
  assert.is(c.raw.length, 4096);
});

test("power state descriptors 0..NPSS", () => {
  const c = decodeIdentifyController(sample());
  assert.is(c.psd.length, 2);
  assert.is(c.psd[0]!.mp, 2500);
  assert.is(c.psd[0]!.maxPowerWatts, 25);
  assert.is(c.psd[0]!.enlat, 16);
  assert.is(c.psd[0]!.exlat, 4);
  assert.is(c.psd[0]!.nops, false);
  const p1 = c.psd[1]!;
  assert.is(p1.mxps, true);
  assert.is(p1.nops, true);
  assert.ok(Math.abs(p1.maxPowerWatts - 0.09) < 1e-12);
  assert.equal([p1.rrt, p1.rrl, p1.rwt, p1.rwl], [1, 1, 1, 1]);
  assert.is(p1.idlp, 50);
  assert.is(p1.ips, 2);
  assert.is(p1.actp, 70);
  assert.is(p1.apw, 3);
  assert.is(p1.aps, 1);
});

test("raw is a private copy", () => {
  const b = sample();
  const c = decodeIdentifyController(b);
  b[0] = 0;
  assert.is(c.raw[0], 0x36);
});

test("capability helpers", () => {
  const c = decodeIdentifyController(sample());
  assert.is(sglSupport(c), SglSupport.DwordAligned);
  assert.is(sglSupport({ sgls: 1 }), SglSupport.ByteAligned);
  assert.is(sglSupport({ sgls: 0 }), SglSupport.None);
  assert.is(sglSupport({ sgls: 3 }), SglSupport.None);
  const oncs = decodeFlags(c.oncs, Oncs);
  // 0x015d = compare, dsm, write zeroes, save/select, timestamp, copy
  assert.equal(oncs, {
    Compare: true,
    WriteUncorrectable: false,
    DatasetManagement: true,
    WriteZeroes: true,
    SaveSelectFeatures: true,
    Reservations: false,
    Timestamp: true,
    Verify: false,
    Copy: true,
  });
  const oacs = decodeFlags(c.oacs, Oacs);
  assert.ok(oacs.FormatNvm && oacs.NamespaceManagement && oacs.DoorbellBufferConfig);
  assert.not.ok(oacs.SecuritySendReceive || oacs.Firmware || oacs.GetLbaStatus);
  assert.is(Oacs.DeviceSelfTest, 0x10);
  assert.is(Oacs.VirtualizationManagement, 0x80);
  const lpa = decodeFlags(c.lpa, Lpa);
  assert.ok(lpa.SmartPerNamespace && lpa.CommandsSupportedAndEffects && lpa.ExtendedData);
  assert.not.ok(lpa.Telemetry || lpa.PersistentEvent);
  assert.is(firmwareSlotCount(c.frmw), 3);
  assert.ok(hasVolatileWriteCache(c));
  assert.is(mdtsBytes(7, 0), 512 * 1024);
  assert.is(mdtsBytes(5, 1), 32 * 8192);
  assert.is(mdtsBytes(0, 0), undefined);
});

test("rejects a short buffer", () => {
  assert.throws(() => decodeIdentifyController(new Uint8Array(512)), /4096/);
});

test.run();
