import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  decodeReservationStatus,
  encodeReservationAcquireData,
  encodeReservationKeyData,
  encodeReservationRegisterData,
  REGISTERED_CONTROLLER_EXTENDED_SIZE,
  REGISTERED_CONTROLLER_SIZE,
  RESERVATION_STATUS_EXTENDED_HEADER_SIZE,
  RESERVATION_STATUS_HEADER_SIZE,
  ReservationAcquireAction,
  ReservationRegisterAction,
  ReservationRegisterCptpl,
  ReservationReleaseAction,
  ReservationType,
  reservationActionCdw10,
  reservationRegisterCdw10,
  reservationReportCdw10,
  reservationReportCdw11,
} from "../../../src/nvme-spec/reservations.js";

test("enum values", () => {
  assert.is(ReservationRegisterAction.Replace, 2);
  assert.is(ReservationRegisterCptpl.Clear, 2);
  assert.is(ReservationRegisterCptpl.Persist, 3);
  assert.is(ReservationAcquireAction.PreemptAndAbort, 2);
  assert.is(ReservationReleaseAction.Clear, 1);
  assert.is(ReservationType.WriteExclusive, 1);
  assert.is(ReservationType.ExclusiveAccessAllRegistrants, 6);
});

test("sizes", () => {
  assert.is(RESERVATION_STATUS_HEADER_SIZE, 24);
  assert.is(REGISTERED_CONTROLLER_SIZE, 24);
  assert.is(RESERVATION_STATUS_EXTENDED_HEADER_SIZE, 64);
  assert.is(REGISTERED_CONTROLLER_EXTENDED_SIZE, 64);
});

test("key data: little-endian 64-bit keys", () => {
  const reg = new Uint8Array(16);
  encodeReservationRegisterData(0x0102030405060708n, 0xa1a2a3a4a5a6a7a8n, reg);
  assert.equal(Array.from(reg), [8, 7, 6, 5, 4, 3, 2, 1, 0xa8, 0xa7, 0xa6, 0xa5, 0xa4, 0xa3, 0xa2, 0xa1]);
  const acq = new Uint8Array(16);
  encodeReservationAcquireData(1n, 0xffff_ffff_ffff_ffffn, acq);
  assert.equal(Array.from(acq), [1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
  const key = new Uint8Array(8);
  encodeReservationKeyData(0x100n, key);
  assert.equal(Array.from(key), [0, 1, 0, 0, 0, 0, 0, 0]);
});

test("command dwords", () => {
  // Register: RREGA 2:0, IEKEY 3, CPTPL 31:30
  assert.is(
    reservationRegisterCdw10(ReservationRegisterAction.Replace, true, ReservationRegisterCptpl.Persist),
    0xc000000a,
  );
  assert.is(
    reservationRegisterCdw10(ReservationRegisterAction.Register, false, ReservationRegisterCptpl.NoChange),
    0,
  );
  // Acquire/Release: action 2:0, IEKEY 3, RTYPE 15:8
  assert.is(
    reservationActionCdw10(
      ReservationAcquireAction.Preempt,
      false,
      ReservationType.WriteExclusiveAllRegistrants,
    ),
    0x0501,
  );
  assert.is(reservationActionCdw10(ReservationReleaseAction.Clear, true, 0), 0x09);
  // Report: NUMD 0-based dwords, EDS bit 0
  assert.is(reservationReportCdw10(4096), 1023);
  assert.is(reservationReportCdw11(true), 1);
});

test("reservation status: 24-byte registrant entries from byte 24", () => {
  const b = new Uint8Array(24 + 2 * 24);
  const v = new DataView(b.buffer);
  v.setUint32(0, 7, true); // GEN
  b[4] = ReservationType.WriteExclusiveRegistrantsOnly; // RTYPE
  v.setUint16(5, 2, true); // REGCTL
  b[9] = 1; // PTPLS
  // entry 0: CNTLID 1, holds reservation, HOSTID bytes 15:8, RKEY 23:16
  v.setUint16(24, 1, true);
  b[26] = 1;
  b.set([1, 2, 3, 4, 5, 6, 7, 8], 32);
  v.setBigUint64(40, 0xaan, true);
  // entry 1
  v.setUint16(48, 2, true);
  v.setBigUint64(64, 0xbbn, true);
  const s = decodeReservationStatus(b);
  assert.is(s.gen, 7);
  assert.is(s.rtype, 3);
  assert.is(s.regctl, 2);
  assert.is(s.ptpls, true);
  assert.is(s.extended, false);
  assert.equal(s.registrants, [
    { cntlid: 1, rcsts: 1, holdsReservation: true, hostid: "0102030405060708", rkey: 0xaan },
    { cntlid: 2, rcsts: 0, holdsReservation: false, hostid: "0000000000000000", rkey: 0xbbn },
  ]);
});

test("extended reservation status: 64-byte entries from byte 64, RKEY 15:8, 128-bit HOSTID 31:16", () => {
  const b = new Uint8Array(64 + 64);
  const v = new DataView(b.buffer);
  v.setUint32(0, 1, true);
  b[4] = 1;
  v.setUint16(5, 1, true);
  v.setUint16(64, 0xffff, true);
  b[66] = 1;
  v.setBigUint64(72, 0x1234n, true);
  for (let i = 0; i < 16; i++) b[80 + i] = 0xf0 + i;
  const s = decodeReservationStatus(b, true);
  assert.is(s.extended, true);
  assert.equal(s.registrants, [
    {
      cntlid: 0xffff,
      rcsts: 1,
      holdsReservation: true,
      hostid: "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
      rkey: 0x1234n,
    },
  ]);
});

test("decodes only the registrants that fit the buffer", () => {
  const b = new Uint8Array(24 + 24);
  new DataView(b.buffer).setUint16(5, 5, true);
  const s = decodeReservationStatus(b);
  assert.is(s.regctl, 5);
  assert.is(s.registrants.length, 1);
});

test.run();
