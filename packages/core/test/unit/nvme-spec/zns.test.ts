// The Zoned Namespace command set's wire formats, against vectors worked out by hand from the ZNS
// specification (NVMe Zoned Namespace Command Set 1.1).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { identify } from "../../../src/nvme-spec/admin-commands.js";
import { NvmeCommand } from "../../../src/nvme-spec/command.js";
import { Cns } from "../../../src/nvme-spec/identify-controller.js";
import { commands } from "../../../src/nvme-spec/index.js";
import { CommandSpecificStatus, StatusCodeType, statusName } from "../../../src/nvme-spec/status.js";
import { NvmeStatusError } from "../../../src/nvme-spec/status-error.js";
import {
  decodeZnsIdentifyController,
  decodeZnsIdentifyNamespace,
  decodeZoneReport,
  ZnsOpcode,
  ZoneReportFilter,
  ZoneSendAction,
  ZoneState,
  zoneAppend,
  zoneAppendLimitBytes,
  zoneAppendResultLba,
  zoneManagementReceive,
  zoneManagementSend,
} from "../../../src/nvme-spec/zns.js";

test("opcodes: Zone Management Send 79h, Receive 7Ah, Append 7Dh; the builders are in `commands`", () => {
  assert.equal(
    [ZnsOpcode.ZoneManagementSend, ZnsOpcode.ZoneManagementReceive, ZnsOpcode.ZoneAppend],
    [0x79, 0x7a, 0x7d],
  );
  assert.is(commands.zoneManagementSend, zoneManagementSend);
});

test("Identify CNS 05h/06h put CSI 2 in CDW11 bits 31:24", () => {
  const cmd = new NvmeCommand();
  identify(cmd, Cns.IoCommandSetNamespace, 3, 0, 2);
  assert.equal([cmd.dw[0]! & 0xff, cmd.dw[1], cmd.dw[10], cmd.dw[11]], [0x06, 3, 0x05, 0x0200_0000]);
  identify(cmd, Cns.IoCommandSetController, 0, 0, 2);
  assert.equal([cmd.dw[10], cmd.dw[11]], [0x06, 0x0200_0000]);
});

test("Zone Management Send: SLBA in CDW10/11, ZSA 7:0, Select All bit 8, ZSASO bit 9 of CDW13", () => {
  const cmd = new NvmeCommand();
  zoneManagementSend(cmd, 1, 0x1_2345_6789, ZoneSendAction.Reset);
  assert.equal(
    [cmd.dw[0]! & 0xff, cmd.dw[1], cmd.dw[10], cmd.dw[11], cmd.dw[13]],
    [0x79, 1, 0x2345_6789, 1, 0x04],
  );
  zoneManagementSend(cmd, 1, 0, ZoneSendAction.Close, true);
  assert.is(cmd.dw[13], 0x101);
  zoneManagementSend(cmd, 1, 0, ZoneSendAction.Open, false, true);
  assert.is(cmd.dw[13], 0x203);
  zoneManagementSend(cmd, 1, 0, ZoneSendAction.SetDescriptorExtension);
  assert.is(cmd.dw[13], 0x10);
  assert.equal(
    [
      ZoneSendAction.Close,
      ZoneSendAction.Finish,
      ZoneSendAction.Open,
      ZoneSendAction.Reset,
      ZoneSendAction.Offline,
    ],
    [1, 2, 3, 4, 5],
  );
});

test("Zone Management Receive: NUMD 0-based dwords, ZRA, ZRASF 15:8, Partial Report bit 16", () => {
  const cmd = new NvmeCommand();
  zoneManagementReceive(cmd, 2, 4096, 4096);
  assert.equal([cmd.dw[0]! & 0xff, cmd.dw[1], cmd.dw[10], cmd.dw[12], cmd.dw[13]], [0x7a, 2, 4096, 1023, 0]);
  zoneManagementReceive(cmd, 2, 0, 128, { filter: ZoneReportFilter.Full, partial: true, extended: true });
  // ZRA 1 | ZRASF 5 << 8 | 1 << 16
  assert.equal([cmd.dw[12], cmd.dw[13]], [31, 0x1_0501]);
  zoneManagementReceive(cmd, 2, 0, 64, { filter: ZoneReportFilter.Offline });
  assert.is(cmd.dw[13], 0x0700);
});

test("Zone Append: the Write layout with opcode 7Dh, ZSLBA, 0-based NLB; result LBA from DW0/DW1", () => {
  const cmd = new NvmeCommand();
  zoneAppend(cmd, 1, 0x2_0000_0000, 8, 1 << 30);
  assert.equal([cmd.dw[0]! & 0xff, cmd.dw[10], cmd.dw[11], cmd.dw[12]], [0x7d, 0, 2, (7 | (1 << 30)) >>> 0]);
  assert.is(zoneAppendResultLba(0x10, 0), 16);
  assert.is(zoneAppendResultLba(0xffff_ffff, 1), 0x1_ffff_ffff);
});

test("ZNS Identify Namespace: ZOC, OZCS, MAR/MOR (0-based, all ones = none), RRL/FRL, LBAFE ZSZE/ZDES", () => {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x1, true); // variable zone capacity
  v.setUint16(2, 0x1, true); // read across zone boundaries
  v.setUint32(4, 31, true); // MAR: 32 active
  v.setUint32(8, 0xffff_ffff, true); // MOR: no limit
  v.setUint32(12, 7, true);
  v.setUint32(16, 9, true);
  v.setUint32(40, 11, true); // FRL3
  v.setBigUint64(2816, 0x8000n, true); // LBAFE0 ZSZE
  b[2816 + 8] = 2; // ZDES: 128 bytes
  v.setBigUint64(2832, 0x1000n, true); // LBAFE1
  const z = decodeZnsIdentifyNamespace(b, 2);
  assert.equal([z.zoc, z.ozcs, z.mar, z.mor, z.rrl, z.frl, z.frl3], [1, 1, 31, 0xffff_ffff, 7, 9, 11]);
  assert.equal(z.lbafe, [
    { zsze: 0x8000n, zdes: 2 },
    { zsze: 0x1000n, zdes: 0 },
  ]);
  assert.equal([z.maxActiveZones, z.maxOpenZones], [32, 0]);
  assert.ok(z.variableZoneCapacity && z.readAcrossZoneBoundaries);
  assert.is(decodeZnsIdentifyNamespace(b).lbafe.length, 64);
  assert.throws(() => decodeZnsIdentifyNamespace(new Uint8Array(100)));
});

test("ZNS Identify Controller: ZASL; the append limit is 2^ZASL pages, 0 = MDTS, never above MDTS", () => {
  const b = new Uint8Array(4096);
  b[0] = 5;
  assert.equal(decodeZnsIdentifyController(b), { zasl: 5 });
  assert.is(zoneAppendLimitBytes(5, 4096, 1 << 20), 128 * 1024);
  assert.is(zoneAppendLimitBytes(0, 4096, 1 << 20), 1 << 20);
  assert.is(zoneAppendLimitBytes(9, 4096, 1 << 20), 1 << 20);
});

test("zone report: header nr_zones, descriptors (type, state in 7:4, attributes, ZCAP, ZSLBA, WP)", () => {
  const b = new Uint8Array(64 + 2 * 64 + 64); // room for three, the header says two
  const v = new DataView(b.buffer);
  v.setBigUint64(0, 2n, true);
  b[64] = 0x2;
  b[65] = 0x20; // implicitly opened
  b[66] = 0x84; // ZDEV | RZR
  v.setBigUint64(64 + 8, 0xf000n, true);
  v.setBigUint64(64 + 16, 0x1_0000_0000n, true);
  v.setBigUint64(64 + 24, 0x1_0000_0010n, true);
  b[128] = 0x2;
  b[129] = 0xe0; // full
  v.setBigUint64(128 + 24, 0xffff_ffff_ffff_ffffn, true);
  const r = decodeZoneReport(b);
  assert.is(r.nrZones, 2);
  assert.is(r.zones.length, 2, "the header's count bounds the descriptors read");
  assert.equal(r.zones[0], {
    type: 2,
    state: ZoneState.ImplicitlyOpened,
    attributes: 0x84,
    attributesInfo: 0,
    capacity: 0xf000,
    startLba: 0x1_0000_0000,
    writePointer: 0x1_0000_0010,
  });
  assert.is(r.zones[1]!.state, ZoneState.Full);
  assert.is(r.zones[1]!.writePointer, -1, "all ones: no valid write pointer");
  assert.equal([ZoneState.Empty, ZoneState.Closed, ZoneState.ReadOnly, ZoneState.Offline], [1, 4, 0xd, 0xf]);
});

test("extended zone report: each descriptor is followed by its extension", () => {
  const b = new Uint8Array(64 + 2 * (64 + 64));
  b[0] = 2;
  b[64 + 16] = 7; // ZSLBA of the first
  b[64 + 64] = 0xaa; // first byte of its extension
  b[64 + 128 + 16] = 9; // ZSLBA of the second
  const r = decodeZoneReport(b, 64);
  assert.equal(
    r.zones.map((z) => z.startLba),
    [7, 9],
  );
  assert.is(r.zones[0]!.extension![0], 0xaa);
  assert.is(r.zones[0]!.extension!.length, 64);
});

test("ZNS statuses B8h..BFh (SCT 1) have their specification names, in NvmeStatusError too", () => {
  const names = [
    [0xb8, "Zone Boundary Error"],
    [0xb9, "Zone Is Full"],
    [0xba, "Zone Is Read Only"],
    [0xbb, "Zone Is Offline"],
    [0xbc, "Zone Invalid Write"],
    [0xbd, "Too Many Active Zones"],
    [0xbe, "Too Many Open Zones"],
    [0xbf, "Invalid Zone State Transition"],
  ] as const;
  for (const [sc, name] of names) assert.is(statusName(StatusCodeType.CommandSpecific, sc), name);
  assert.is(CommandSpecificStatus.ZoneInvalidWrite, 0xbc);
  const e = new NvmeStatusError((1 << 14) | (1 << 8) | 0xbe, "Write nsid 1 lba 0");
  assert.is(e.statusName, "Too Many Open Zones");
  assert.match(e.message, /Too Many Open Zones \(SCT 0x1, SC 0xbe, DNR\)/);
});

test.run();
