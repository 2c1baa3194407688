import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  COMMAND_EFFECTS_LOG_SIZE,
  CommandSubmissionExecution,
  decodeCommandEffectsLog,
} from "../../../src/nvme-spec/log-command-effects.js";
import { decodeErrorLog, ERROR_LOG_ENTRY_SIZE } from "../../../src/nvme-spec/log-error.js";
import { decodeFirmwareSlotLog, FIRMWARE_SLOT_LOG_SIZE } from "../../../src/nvme-spec/log-firmware-slot.js";
import {
  CHANGED_NAMESPACE_LIST_OVERFLOW,
  CHANGED_NAMESPACE_LIST_SIZE,
  decodeChangedNamespaceList,
  getLogPageDwords,
  LogPageId,
} from "../../../src/nvme-spec/log-pages.js";
import { decodeSmartLog, SMART_LOG_SIZE } from "../../../src/nvme-spec/log-smart.js";

test("log page identifiers and sizes", () => {
  assert.is(LogPageId.ErrorInformation, 0x01);
  assert.is(LogPageId.SmartHealth, 0x02);
  assert.is(LogPageId.FirmwareSlot, 0x03);
  assert.is(LogPageId.ChangedNamespaceList, 0x04);
  assert.is(LogPageId.CommandsSupportedAndEffects, 0x05);
  assert.is(LogPageId.DeviceSelfTest, 0x06);
  assert.is(LogPageId.TelemetryHostInitiated, 0x07);
  assert.is(LogPageId.AsymmetricNamespaceAccess, 0x0c);
  assert.is(LogPageId.ReservationNotification, 0x80);
  assert.is(LogPageId.SanitizeStatus, 0x81);
  assert.is(ERROR_LOG_ENTRY_SIZE, 64);
  assert.is(SMART_LOG_SIZE, 512);
  assert.is(FIRMWARE_SLOT_LOG_SIZE, 512);
  assert.is(CHANGED_NAMESPACE_LIST_SIZE, 4096);
  assert.is(COMMAND_EFFECTS_LOG_SIZE, 4096);
});

test("NUMD is 0-based dwords split NUMDL (CDW10 31:16) / NUMDU (CDW11 15:0)", () => {
  // 4096 bytes -> 1024 dwords -> NUMD 1023
  const d = getLogPageDwords(LogPageId.SmartHealth, 4096, 0);
  assert.is(d.cdw10, 0x02 | (1023 << 16));
  assert.is(d.cdw11, 0);
  assert.is(d.cdw12, 0);
  assert.is(d.cdw13, 0);
  assert.is(d.cdw14, 0);
  // 512 KiB -> 131072 dwords -> NUMD 0x1ffff: NUMDL 0xffff, NUMDU 1
  const big = getLogPageDwords(0x07, 512 * 1024, 0x1_0000_1000, { lsp: 1, rae: true, lsi: 0x1234, csi: 2 });
  assert.is(big.cdw10, (0x07 | (1 << 8) | (1 << 15) | (0xffff << 16)) >>> 0);
  assert.is(big.cdw11, 1 | (0x1234 << 16));
  assert.is(big.cdw12, 0x1000);
  assert.is(big.cdw13, 1);
  assert.is(big.cdw14, 2 << 24);
  assert.is(getLogPageDwords(1, 4, 0, { uuidIndex: 3, offsetIsIndex: true }).cdw14, 3 | (1 << 23));
});

test("getLogPageDwords rejects sizes that are not dword multiples", () => {
  assert.throws(() => getLogPageDwords(2, 0));
  assert.throws(() => getLogPageDwords(2, 6));
  assert.throws(() => getLogPageDwords(2, 512, 2));
});

test("changed namespace list", () => {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setUint32(0, 3, true);
  v.setUint32(4, 7, true);
  assert.equal(decodeChangedNamespaceList(b), [3, 7]);
  v.setUint32(0, 0xffffffff, true);
  v.setUint32(4, 0, true);
  assert.equal(decodeChangedNamespaceList(b), [CHANGED_NAMESPACE_LIST_OVERFLOW]);
});

test("error information entries (64 bytes each)", () => {
  const b = new Uint8Array(3 * 64);
  const v = new DataView(b.buffer);
  // entry 0
  v.setBigUint64(0, 5n, true); // error count
  v.setUint16(8, 1, true); // SQID
  v.setUint16(10, 0x22, true); // CID
  v.setUint16(12, (0x0281 << 1) | 1, true); // status: SCT 2 SC 0x81, phase 1
  v.setUint16(14, (3 << 8) | 40, true); // byte 40 bit 3
  v.setBigUint64(16, 0x1_0000_0010n, true); // LBA
  v.setUint32(24, 1, true); // NSID
  b[28] = 0xc0; // vendor log page
  b[29] = 3; // TRTYPE TCP
  b[30] = 0; // CSI NVM
  b[31] = 0x02; // opcode Read
  v.setBigUint64(32, 0xabcdefn, true); // command specific
  v.setUint16(40, 0x77, true); // transport specific
  b[63] = 1; // log page version
  // entry 1 unused (count 0); entry 2 used
  v.setBigUint64(128, 4n, true);
  const log = decodeErrorLog(b);
  assert.is(log.length, 2);
  const e = log[0]!;
  assert.is(e.errorCount, 5n);
  assert.is(e.sqid, 1);
  assert.is(e.cid, 0x22);
  assert.is(e.status, 0x0281);
  assert.is(e.phase, 1);
  assert.is(e.errorByte, 40);
  assert.is(e.errorBit, 3);
  assert.is(e.lba, 0x1_0000_0010n);
  assert.is(e.nsid, 1);
  assert.is(e.vendorSpecificInfo, 0xc0);
  assert.is(e.trtype, 3);
  assert.is(e.csi, 0);
  assert.is(e.opcode, 2);
  assert.is(e.commandSpecificInfo, 0xabcdefn);
  assert.is(e.transportSpecificInfo, 0x77);
  assert.is(e.logPageVersion, 1);
  assert.is(log[1]!.errorCount, 4n);
});

test("SMART / health offsets", () => {
  const b = new Uint8Array(512);
  const v = new DataView(b.buffer);
  b[0] = 0x05; // spare + reliability
  v.setUint16(1, 310, true); // composite temperature, bytes 2:1
  b[3] = 100;
  b[4] = 10;
  b[5] = 3;
  b[6] = 1;
  v.setBigUint64(32, 0xffff_ffff_ffff_ffffn, true); // data units read, bytes 47:32
  v.setBigUint64(40, 1n, true);
  v.setBigUint64(48, 2n, true); // data units written 63:48
  v.setBigUint64(64, 3n, true); // host reads 79:64
  v.setBigUint64(80, 4n, true); // host writes 95:80
  v.setBigUint64(96, 5n, true); // busy time
  v.setBigUint64(112, 6n, true); // power cycles
  v.setBigUint64(128, 7n, true); // power on hours
  v.setBigUint64(144, 8n, true); // unsafe shutdowns
  v.setBigUint64(160, 9n, true); // media errors
  v.setBigUint64(176, 10n, true); // error log entries
  v.setUint32(192, 11, true); // warning temp time
  v.setUint32(196, 12, true); // critical temp time
  v.setUint16(200, 300, true); // sensor 1
  v.setUint16(214, 308, true); // sensor 8
  v.setUint32(216, 13, true);
  v.setUint32(228, 14, true);
  const s = decodeSmartLog(b);
  assert.is(s.criticalWarning, 5);
  assert.is(s.warnings.AvailableSpare, true);
  assert.is(s.warnings.Temperature, false);
  assert.is(s.warnings.ReliabilityDegraded, true);
  assert.is(s.compositeTemperature, 310);
  assert.is(s.availableSpare, 100);
  assert.is(s.availableSpareThreshold, 10);
  assert.is(s.percentageUsed, 3);
  assert.is(s.enduranceGroupCriticalWarning, 1);
  assert.is(s.dataUnitsRead, (1n << 64n) + 0xffff_ffff_ffff_ffffn);
  assert.is(s.dataUnitsWritten, 2n);
  assert.is(s.hostReadCommands, 3n);
  assert.is(s.hostWriteCommands, 4n);
  assert.is(s.controllerBusyTime, 5n);
  assert.is(s.powerCycles, 6n);
  assert.is(s.powerOnHours, 7n);
  assert.is(s.unsafeShutdowns, 8n);
  assert.is(s.mediaErrors, 9n);
  assert.is(s.errorLogEntries, 10n);
  assert.is(s.warningTemperatureTime, 11);
  assert.is(s.criticalTemperatureTime, 12);
  assert.equal(s.temperatureSensors, [300, 0, 0, 0, 0, 0, 0, 308]);
  assert.is(s.thermalMgmtTemp1TransitionCount, 13);
  assert.is(s.thermalMgmtTemp2TotalTime, 14);
});

test("firmware slot log", () => {
  const b = new Uint8Array(512);
  b[0] = 0x21; // active slot 1, next slot 2
  b.set(
    Array.from("1.0.0   ", (c) => c.charCodeAt(0)),
    8,
  ); // FRS1 bytes 15:8
  b.set(
    Array.from("2.0.0-rc", (c) => c.charCodeAt(0)),
    16,
  ); // FRS2 bytes 23:16
  b.set(
    Array.from("SLOT7", (c) => c.charCodeAt(0)),
    56,
  ); // FRS7 bytes 63:56
  const f = decodeFirmwareSlotLog(b);
  assert.is(f.afi, 0x21);
  assert.is(f.activeSlot, 1);
  assert.is(f.nextSlot, 2);
  assert.equal(f.frs, ["1.0.0", "2.0.0-rc", "", "", "", "", "SLOT7"]);
});

test("commands supported and effects", () => {
  const b = new Uint8Array(4096);
  const v = new DataView(b.buffer);
  v.setUint32(0x80 * 4, 0x1 | 0x2 | 0x4 | 0x8 | (2 << 16), true); // admin Format NVM
  v.setUint32(0x06 * 4, 0x1, true); // admin Identify
  v.setUint32(1024 + 0x01 * 4, 0x1 | 0x2 | (1 << 19), true); // I/O Write
  v.setUint32(1024 + 0x09 * 4, 0x1 | 0x2 | 0x10 | (1 << 16), true); // I/O DSM
  const log = decodeCommandEffectsLog(b);
  assert.is(log.admin.length, 256);
  assert.is(log.io.length, 256);
  const fmt = log.admin[0x80]!;
  assert.ok(fmt.csupp && fmt.lbcc && fmt.ncc && fmt.nic);
  assert.is(fmt.ccc, false);
  assert.is(fmt.cse, CommandSubmissionExecution.SingleController);
  assert.is(log.admin[0x06]!.csupp, true);
  assert.is(log.admin[0x06]!.lbcc, false);
  assert.is(log.admin[0x07]!.csupp, false);
  assert.ok(log.io[0x01]!.uss && log.io[0x01]!.lbcc);
  assert.is(log.io[0x09]!.ccc, true);
  assert.is(log.io[0x09]!.cse, CommandSubmissionExecution.SingleNamespace);
});

test.run();
