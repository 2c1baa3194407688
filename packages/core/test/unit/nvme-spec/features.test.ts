import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  AsyncEventConfig,
  AsyncEventNotice,
  AsyncEventType,
  decodeArbitration,
  decodeAsyncEvent,
  decodeAsyncEventConfiguration,
  decodeErrorRecovery,
  decodeInterruptCoalescing,
  decodeKeepAliveTimer,
  decodeNumberOfQueues,
  decodePowerManagement,
  decodeTemperatureThreshold,
  decodeTimestamp,
  decodeVolatileWriteCache,
  encodeArbitration,
  encodeAsyncEvent,
  encodeAsyncEventConfiguration,
  encodeErrorRecovery,
  encodeHostIdentifier,
  encodeInterruptCoalescing,
  encodeInterruptVectorConfiguration,
  encodeKeepAliveTimer,
  encodeNumberOfQueues,
  encodePowerManagement,
  encodeTemperatureThreshold,
  encodeTimestamp,
  encodeVolatileWriteCache,
  FeatureId,
  FeatureSelect,
  getFeaturesCdw10,
  setFeaturesCdw10,
  ThresholdType,
} from "../../../src/nvme-spec/features.js";

test("feature identifiers and select values", () => {
  assert.is(FeatureId.Arbitration, 0x01);
  assert.is(FeatureId.VolatileWriteCache, 0x06);
  assert.is(FeatureId.NumberOfQueues, 0x07);
  assert.is(FeatureId.AsyncEventConfiguration, 0x0b);
  assert.is(FeatureId.KeepAliveTimer, 0x0f);
  assert.is(FeatureId.HostControlledThermalManagement, 0x10);
  assert.is(FeatureId.HostIdentifier, 0x81);
  assert.is(FeatureId.ReservationPersistence, 0x83);
  assert.is(FeatureSelect.SupportedCapabilities, 3);
});

test("CDW10: FID 7:0 with SV bit 31 / SEL 10:8", () => {
  assert.is(setFeaturesCdw10(0x07), 0x07);
  assert.is(setFeaturesCdw10(0x06, true), 0x80000006);
  assert.is(getFeaturesCdw10(0x04, FeatureSelect.Saved), 0x204);
  assert.is(getFeaturesCdw10(0x04), 0x004);
});

test("arbitration: AB 2:0, LPW 15:8, MPW 23:16, HPW 31:24", () => {
  const v = encodeArbitration({ ab: 7, lpw: 1, mpw: 2, hpw: 0xff });
  assert.is(v, 0xff020107);
  assert.equal(decodeArbitration(v), { ab: 7, lpw: 1, mpw: 2, hpw: 0xff });
});

test("power management: PS 4:0, WH 7:5", () => {
  assert.is(encodePowerManagement({ ps: 3, wh: 2 }), 0x43);
  assert.equal(decodePowerManagement(0x43), { ps: 3, wh: 2 });
});

test("temperature threshold: TMPTH 15:0, TMPSEL 19:16, THSEL 21:20", () => {
  const v = encodeTemperatureThreshold({ tmpth: 273, tmpsel: 1, thsel: ThresholdType.Under });
  assert.is(v, 273 | (1 << 16) | (1 << 20));
  assert.equal(decodeTemperatureThreshold(v), { tmpth: 273, tmpsel: 1, thsel: ThresholdType.Under });
});

test("error recovery: TLER 15:0, DULBE 16", () => {
  assert.is(encodeErrorRecovery({ tler: 50, dulbe: true }), 50 | 0x10000);
  assert.equal(decodeErrorRecovery(0x10032), { tler: 50, dulbe: true });
});

test("volatile write cache: WCE bit 0", () => {
  assert.is(encodeVolatileWriteCache(true), 1);
  assert.is(decodeVolatileWriteCache(0), false);
  assert.is(decodeVolatileWriteCache(1), true);
});

test("number of queues: 0-based NSQR 15:0, NCQR 31:16; DW0 decoded to counts", () => {
  assert.is(encodeNumberOfQueues(4, 4), 0x00030003);
  assert.is(encodeNumberOfQueues(1, 65535), 0xfffe0000);
  assert.equal(decodeNumberOfQueues(0x003f003f), { submissionQueues: 64, completionQueues: 64 });
  assert.equal(decodeNumberOfQueues(0x00010007), { submissionQueues: 8, completionQueues: 2 });
  assert.throws(() => encodeNumberOfQueues(0, 1));
  assert.throws(() => encodeNumberOfQueues(1, 65536));
});

test("interrupt coalescing and vector configuration", () => {
  assert.is(encodeInterruptCoalescing({ thr: 9, time: 10 }), 0x0a09);
  assert.equal(decodeInterruptCoalescing(0x0a09), { thr: 9, time: 10 });
  assert.is(encodeInterruptVectorConfiguration({ iv: 3, cd: true }), 0x10003);
});

test("async event configuration bits", () => {
  assert.is(AsyncEventConfig.NamespaceAttribute, 0x100);
  assert.is(AsyncEventConfig.DiscoveryLogChange, 0x80000000);
  const v = encodeAsyncEventConfiguration({
    smartCriticalWarnings: 0x1f,
    namespaceAttribute: true,
    firmwareActivation: true,
    anaChange: true,
    discoveryLogChange: true,
  });
  assert.is(v, (0x1f | (1 << 8) | (1 << 9) | (1 << 11) | 0x80000000) >>> 0);
  const d = decodeAsyncEventConfiguration(v);
  assert.is(d.smartCriticalWarnings, 0x1f);
  assert.ok(d.namespaceAttribute && d.firmwareActivation && d.anaChange && d.discoveryLogChange);
  assert.not.ok(d.telemetryLog || d.predictableLatency || d.lbaStatus || d.enduranceGroup);
  assert.is(
    encodeAsyncEventConfiguration({ telemetryLog: true, lbaStatus: true, enduranceGroup: true }),
    0x6400,
  );
});

test("keep alive timer is KATO in ms", () => {
  assert.is(encodeKeepAliveTimer(10000), 10000);
  assert.is(decodeKeepAliveTimer(120000), 120000);
});

test("host identifier: 8 bytes EXHID 0, 16 bytes EXHID 1", () => {
  const out = new Uint8Array(16);
  assert.is(encodeHostIdentifier(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), out), 0);
  assert.equal(Array.from(out.subarray(0, 8)), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.is(encodeHostIdentifier(new Uint8Array(16).fill(9), out), 1);
  assert.throws(() => encodeHostIdentifier(new Uint8Array(12), out));
});

test("timestamp: 48-bit milliseconds in bytes 5:0, attributes byte 6", () => {
  const b = new Uint8Array(8);
  encodeTimestamp(0x1234_5678_9abc, b);
  assert.equal(Array.from(b), [0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12, 0, 0]);
  b[6] = 0x03; // synch, origin 1
  assert.equal(decodeTimestamp(b), { timestampMs: 0x1234_5678_9abc, synch: true, origin: 1 });
});

test("AER completion DW0: type 2:0, info 15:8, log page 23:16", () => {
  // Namespace attribute changed notice -> Changed Namespace List (04h)
  assert.equal(decodeAsyncEvent(0x00040002), {
    type: AsyncEventType.Notice,
    info: AsyncEventNotice.NamespaceAttributeChanged,
    logPageId: 0x04,
  });
  assert.equal(decodeAsyncEvent(0x00020101), { type: AsyncEventType.SmartHealth, info: 1, logPageId: 2 });
  assert.is(encodeAsyncEvent({ type: 2, info: 3, logPageId: 0x0c }), 0x000c0302);
  assert.is(AsyncEventType.IoCommandSpecific, 6);
  assert.is(AsyncEventType.Vendor, 7);
});

test.run();
