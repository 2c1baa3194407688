/**
 * Feature identifiers and the encodings of Set Features CDW11 / Get Features completion DW0 for the
 * features the core negotiates, plus the Asynchronous Event Request completion.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import { bit, bits, decodeFlags, hi32, lo32, u16, u32, writeU16, writeU32 } from "./bytes.js";

/** Feature Identifiers (NVMe 2.0 base specification and NVM command set). */
export enum FeatureId {
  /** Arbitration. */
  Arbitration = 0x01,
  /** Power Management. */
  PowerManagement = 0x02,
  /** LBA Range Type. */
  LbaRangeType = 0x03,
  /** Temperature Threshold. */
  TemperatureThreshold = 0x04,
  /** Error Recovery. */
  ErrorRecovery = 0x05,
  /** Volatile Write Cache. */
  VolatileWriteCache = 0x06,
  /** Number of Queues. */
  NumberOfQueues = 0x07,
  /** Interrupt Coalescing. */
  InterruptCoalescing = 0x08,
  /** Interrupt Vector Configuration. */
  InterruptVectorConfiguration = 0x09,
  /** Write Atomicity Normal. */
  WriteAtomicityNormal = 0x0a,
  /** Asynchronous Event Configuration. */
  AsyncEventConfiguration = 0x0b,
  /** Autonomous Power State Transition. */
  AutonomousPowerStateTransition = 0x0c,
  /** Host Memory Buffer. */
  HostMemoryBuffer = 0x0d,
  /** Timestamp. */
  Timestamp = 0x0e,
  /** Keep Alive Timer. */
  KeepAliveTimer = 0x0f,
  /** Host Controlled Thermal Management. */
  HostControlledThermalManagement = 0x10,
  /** Non-Operational Power State Config. */
  NonOperationalPowerStateConfig = 0x11,
  /** Read Recovery Level Config. */
  ReadRecoveryLevelConfig = 0x12,
  /** Predictable Latency Mode Config. */
  PredictableLatencyModeConfig = 0x13,
  /** Predictable Latency Mode Window. */
  PredictableLatencyModeWindow = 0x14,
  /** Host Behavior Support. */
  HostBehaviorSupport = 0x16,
  /** Sanitize Config. */
  SanitizeConfig = 0x17,
  /** Endurance Group Event Configuration. */
  EnduranceGroupEventConfiguration = 0x18,
  /** I/O Command Set Profile. */
  IoCommandSetProfile = 0x19,
  /** Spinup Control. */
  SpinupControl = 0x1a,
  /** Enhanced Controller Metadata. */
  EnhancedControllerMetadata = 0x7d,
  /** Controller Metadata. */
  ControllerMetadata = 0x7e,
  /** Namespace Metadata. */
  NamespaceMetadata = 0x7f,
  /** Software Progress Marker. */
  SoftwareProgressMarker = 0x80,
  /** Host Identifier. */
  HostIdentifier = 0x81,
  /** Reservation Notification Mask. */
  ReservationNotificationMask = 0x82,
  /** Reservation Persistence. */
  ReservationPersistence = 0x83,
  /** Namespace Write Protection Config. */
  NamespaceWriteProtectionConfig = 0x84,
}

/** Get Features Select (CDW10 bits 10:8). */
export enum FeatureSelect {
  /** Current value. */
  Current = 0,
  /** Default value. */
  Default = 1,
  /** Saved value. */
  Saved = 2,
  /** Supported capabilities: DW0 bit 0 saveable, bit 1 namespace specific, bit 2 changeable. */
  SupportedCapabilities = 3,
}

/** Set Features CDW10: FID bits 7:0, SV (save) bit 31. */
export function setFeaturesCdw10(fid: number, save = false): number {
  return ((fid & 0xff) | (save ? 1 << 31 : 0)) >>> 0;
}

/** Get Features CDW10: FID bits 7:0, SEL bits 10:8. */
export function getFeaturesCdw10(fid: number, select: FeatureSelect = FeatureSelect.Current): number {
  return (fid & 0xff) | ((select & 0x7) << 8);
}

/** Arbitration feature. */
export interface Arbitration {
  /** Arbitration Burst, log2 commands (7: no limit). */
  ab: number;
  /** Low Priority Weight, 0-based. */
  lpw: number;
  /** Medium Priority Weight, 0-based. */
  mpw: number;
  /** High Priority Weight, 0-based. */
  hpw: number;
}

/** Encode Arbitration: AB 2:0, LPW 15:8, MPW 23:16, HPW 31:24. */
export function encodeArbitration(f: Arbitration): number {
  return ((f.ab & 0x7) | ((f.lpw & 0xff) << 8) | ((f.mpw & 0xff) << 16) | ((f.hpw & 0xff) << 24)) >>> 0;
}

/** Decode Arbitration. */
export function decodeArbitration(v: number): Arbitration {
  return { ab: bits(v, 0, 3), lpw: bits(v, 8, 8), mpw: bits(v, 16, 8), hpw: bits(v, 24, 8) };
}

/** Power Management feature. */
export interface PowerManagement {
  /** Power State. */
  ps: number;
  /** Workload Hint. */
  wh: number;
}

/** Encode Power Management: PS 4:0, WH 7:5. */
export function encodePowerManagement(f: PowerManagement): number {
  return (f.ps & 0x1f) | ((f.wh & 0x7) << 5);
}

/** Decode Power Management. */
export function decodePowerManagement(v: number): PowerManagement {
  return { ps: bits(v, 0, 5), wh: bits(v, 5, 3) };
}

/** Threshold Type Select of the Temperature Threshold feature. */
export enum ThresholdType {
  /** Over Temperature Threshold. */
  Over = 0,
  /** Under Temperature Threshold. */
  Under = 1,
}

/** Temperature Threshold feature. */
export interface TemperatureThreshold {
  /** Temperature Threshold, Kelvin. */
  tmpth: number;
  /** Threshold Temperature Select: 0 composite, 1..8 sensors, 0xf all. */
  tmpsel: number;
  /** Threshold Type Select (see {@link ThresholdType}). */
  thsel: ThresholdType;
}

/** Encode Temperature Threshold: TMPTH 15:0, TMPSEL 19:16, THSEL 21:20. */
export function encodeTemperatureThreshold(f: TemperatureThreshold): number {
  return (f.tmpth & 0xffff) | ((f.tmpsel & 0xf) << 16) | ((f.thsel & 0x3) << 20);
}

/** Decode Temperature Threshold. */
export function decodeTemperatureThreshold(v: number): TemperatureThreshold {
  return { tmpth: bits(v, 0, 16), tmpsel: bits(v, 16, 4), thsel: bits(v, 20, 2) };
}

/** Error Recovery feature. */
export interface ErrorRecovery {
  /** Time Limited Error Recovery, 100 ms units (0: no limit). */
  tler: number;
  /** Deallocated or Unwritten Logical Block Error Enable. */
  dulbe: boolean;
}

/** Encode Error Recovery: TLER 15:0, DULBE 16. */
export function encodeErrorRecovery(f: ErrorRecovery): number {
  return (f.tler & 0xffff) | (f.dulbe ? 1 << 16 : 0);
}

/** Decode Error Recovery. */
export function decodeErrorRecovery(v: number): ErrorRecovery {
  return { tler: bits(v, 0, 16), dulbe: bit(v, 16) };
}

/** Encode Volatile Write Cache: WCE bit 0. */
export function encodeVolatileWriteCache(wce: boolean): number {
  return wce ? 1 : 0;
}

/** Decode Volatile Write Cache: whether the write cache is enabled. */
export function decodeVolatileWriteCache(v: number): boolean {
  return bit(v, 0);
}

/** Queue counts of the Number of Queues feature, 1-based. */
export interface NumberOfQueues {
  /** Number of I/O submission queues. */
  submissionQueues: number;
  /** Number of I/O completion queues. */
  completionQueues: number;
}

/** Encode Number of Queues from 1-based counts (1..65535): NSQR 15:0 and NCQR 31:16, both 0-based. */
export function encodeNumberOfQueues(submissionQueues: number, completionQueues: number): number {
  for (const [name, n] of [
    ["submissionQueues", submissionQueues],
    ["completionQueues", completionQueues],
  ] as const) {
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      throw new InvalidArgumentError(name, `${n}: ask for 1 to 65535 I/O queues`);
    }
  }
  return ((submissionQueues - 1) | ((completionQueues - 1) << 16)) >>> 0;
}

/** Decode the Number of Queues completion DW0 (NSQA 15:0, NCQA 31:16, 0-based) into 1-based counts. */
export function decodeNumberOfQueues(dw0: number): NumberOfQueues {
  return { submissionQueues: bits(dw0, 0, 16) + 1, completionQueues: bits(dw0, 16, 16) + 1 };
}

/** Interrupt Coalescing feature. */
export interface InterruptCoalescing {
  /** Aggregation Threshold, 0-based completions. */
  thr: number;
  /** Aggregation Time, 100 microsecond units. */
  time: number;
}

/** Encode Interrupt Coalescing: THR 7:0, TIME 15:8. */
export function encodeInterruptCoalescing(f: InterruptCoalescing): number {
  return (f.thr & 0xff) | ((f.time & 0xff) << 8);
}

/** Decode Interrupt Coalescing. */
export function decodeInterruptCoalescing(v: number): InterruptCoalescing {
  return { thr: bits(v, 0, 8), time: bits(v, 8, 8) };
}

/** Interrupt Vector Configuration feature. */
export interface InterruptVectorConfiguration {
  /** Interrupt Vector. */
  iv: number;
  /** Coalescing Disable. */
  cd: boolean;
}

/** Encode Interrupt Vector Configuration: IV 15:0, CD 16. */
export function encodeInterruptVectorConfiguration(f: InterruptVectorConfiguration): number {
  return (f.iv & 0xffff) | (f.cd ? 1 << 16 : 0);
}

/** Decode Interrupt Vector Configuration. */
export function decodeInterruptVectorConfiguration(v: number): InterruptVectorConfiguration {
  return { iv: bits(v, 0, 16), cd: bit(v, 16) };
}

/** Asynchronous Event Configuration bit masks (CDW11). */
export const AsyncEventConfig = {
  /** SMART / Health Critical Warnings, bits 7:0 (same bits as the SMART log's Critical Warning). */
  SmartCriticalWarnings: 0xff,
  /** Namespace Attribute Notices. */
  NamespaceAttribute: 1 << 8,
  /** Firmware Activation Notices. */
  FirmwareActivation: 1 << 9,
  /** Telemetry Log Notices. */
  TelemetryLog: 1 << 10,
  /** Asymmetric Namespace Access Change Notices. */
  AnaChange: 1 << 11,
  /** Predictable Latency Event Aggregate Log Change Notices. */
  PredictableLatency: 1 << 12,
  /** LBA Status Information Notices. */
  LbaStatus: 1 << 13,
  /** Endurance Group Event Aggregate Log Change Notices. */
  EnduranceGroup: 1 << 14,
  /** Normal NVM Subsystem Shutdown Notices. */
  NormalSubsystemShutdown: 1 << 15,
  /** Discovery Log Page Change Notices (Fabrics discovery controllers). */
  DiscoveryLogChange: 0x8000_0000,
} as const;

/** Named form of the Asynchronous Event Configuration feature. */
export interface AsyncEventConfiguration {
  /** SMART / Health critical warning bits to report (bits 7:0). */
  smartCriticalWarnings: number;
  /** Namespace Attribute Notices. */
  namespaceAttribute: boolean;
  /** Firmware Activation Notices. */
  firmwareActivation: boolean;
  /** Telemetry Log Notices. */
  telemetryLog: boolean;
  /** ANA Change Notices. */
  anaChange: boolean;
  /** Predictable Latency Event Aggregate Log Change Notices. */
  predictableLatency: boolean;
  /** LBA Status Information Notices. */
  lbaStatus: boolean;
  /** Endurance Group Event Aggregate Log Change Notices. */
  enduranceGroup: boolean;
  /** Normal NVM Subsystem Shutdown Notices. */
  normalSubsystemShutdown: boolean;
  /** Discovery Log Page Change Notices. */
  discoveryLogChange: boolean;
}

/** Encode Asynchronous Event Configuration; omitted notices are off. */
export function encodeAsyncEventConfiguration(f: Partial<AsyncEventConfiguration>): number {
  const m = AsyncEventConfig;
  return (
    (((f.smartCriticalWarnings ?? 0) & m.SmartCriticalWarnings) |
      (f.namespaceAttribute ? m.NamespaceAttribute : 0) |
      (f.firmwareActivation ? m.FirmwareActivation : 0) |
      (f.telemetryLog ? m.TelemetryLog : 0) |
      (f.anaChange ? m.AnaChange : 0) |
      (f.predictableLatency ? m.PredictableLatency : 0) |
      (f.lbaStatus ? m.LbaStatus : 0) |
      (f.enduranceGroup ? m.EnduranceGroup : 0) |
      (f.normalSubsystemShutdown ? m.NormalSubsystemShutdown : 0) |
      (f.discoveryLogChange ? m.DiscoveryLogChange : 0)) >>>
    0
  );
}

/** Decode Asynchronous Event Configuration. */
export function decodeAsyncEventConfiguration(v: number): AsyncEventConfiguration {
  const { SmartCriticalWarnings: _, ...notices } = AsyncEventConfig;
  const on = decodeFlags(v, notices);
  return {
    smartCriticalWarnings: v & AsyncEventConfig.SmartCriticalWarnings,
    namespaceAttribute: on.NamespaceAttribute,
    firmwareActivation: on.FirmwareActivation,
    telemetryLog: on.TelemetryLog,
    anaChange: on.AnaChange,
    predictableLatency: on.PredictableLatency,
    lbaStatus: on.LbaStatus,
    enduranceGroup: on.EnduranceGroup,
    normalSubsystemShutdown: on.NormalSubsystemShutdown,
    discoveryLogChange: on.DiscoveryLogChange,
  };
}

/** Encode the Keep Alive Timer feature: KATO in milliseconds (controllers round up to KAS units). */
export function encodeKeepAliveTimer(katoMs: number): number {
  return katoMs >>> 0;
}

/** Decode the Keep Alive Timer feature: KATO in milliseconds. */
export function decodeKeepAliveTimer(v: number): number {
  return v >>> 0;
}

/** Encode Autonomous Power State Transition CDW11: APSTE bit 0. */
export function encodeAutonomousPowerStateTransition(enable: boolean): number {
  return enable ? 1 : 0;
}

/** Encode Write Atomicity Normal CDW11: DN (disable normal) bit 0. */
export function encodeWriteAtomicityNormal(disableNormal: boolean): number {
  return disableNormal ? 1 : 0;
}

/** Size of a 64-bit host identifier. */
export const HOST_ID_SIZE = 8;
/** Size of an extended (128-bit) host identifier, required by NVMe over Fabrics. */
export const HOST_ID_EXTENDED_SIZE = 16;

/** Host Identifier CDW11: EXHID bit 0 selects the 128-bit form. */
export function hostIdentifierCdw11(extended: boolean): number {
  return extended ? 1 : 0;
}

/**
 * Copy an 8- or 16-byte host identifier into the Set Features data buffer `out` and return the
 * matching CDW11 (EXHID set for 16 bytes).
 */
export function encodeHostIdentifier(hostId: Uint8Array, out: Uint8Array): number {
  if (hostId.length !== HOST_ID_SIZE && hostId.length !== HOST_ID_EXTENDED_SIZE) {
    throw new InvalidArgumentError("hostId", `${hostId.length} bytes: a host identifier is 8 or 16 bytes`);
  }
  if (out.length < hostId.length) {
    throw new InvalidArgumentError("out", `${out.length} bytes: the data buffer must hold ${hostId.length}`);
  }
  out.set(hostId);
  return hostIdentifierCdw11(hostId.length === HOST_ID_EXTENDED_SIZE);
}

/** Size of the Timestamp feature data. */
export const TIMESTAMP_DATA_SIZE = 8;

/** The Timestamp feature data. */
export interface Timestamp {
  /** Milliseconds since midnight 1 January 1970 UTC (48 bits). */
  timestampMs: number;
  /** Synch: the controller may have stopped counting (e.g. in a low power state). */
  synch: boolean;
  /** Timestamp Origin: 0 reset, 1 set by Set Features. */
  origin: number;
}

/** Write Timestamp feature data (bytes 5:0 milliseconds) for Set Features. */
export function encodeTimestamp(timestampMs: number, out: Uint8Array): void {
  writeU32(out, 0, lo32(timestampMs));
  writeU16(out, 4, hi32(timestampMs));
  writeU16(out, 6, 0);
}

/** Decode Timestamp feature data returned by Get Features. */
export function decodeTimestamp(bytes: Uint8Array): Timestamp {
  const attrs = bytes[6] ?? 0;
  return {
    timestampMs: u16(bytes, 4) * 0x1_0000_0000 + u32(bytes, 0),
    synch: bit(attrs, 0),
    origin: bits(attrs, 1, 3),
  };
}

/** Asynchronous Event Type (AER completion DW0 bits 2:0). */
export enum AsyncEventType {
  /** Error status. */
  Error = 0,
  /** SMART / Health status. */
  SmartHealth = 1,
  /** Notice. */
  Notice = 2,
  /** Immediate (One-Shot). */
  ImmediateAction = 3,
  /** I/O command set specific status. */
  IoCommandSpecific = 6,
  /** Vendor specific. */
  Vendor = 7,
}

/** Asynchronous Event Information values of Notice events. */
export enum AsyncEventNotice {
  /** Namespace Attribute Changed: read the Changed Namespace List. */
  NamespaceAttributeChanged = 0x00,
  /** Firmware Activation Starting. */
  FirmwareActivationStarting = 0x01,
  /** Telemetry Log Changed. */
  TelemetryLogChanged = 0x02,
  /** Asymmetric Namespace Access Change. */
  AnaChange = 0x03,
  /** Predictable Latency Event Aggregate Log Change. */
  PredictableLatencyChange = 0x04,
  /** LBA Status Information Alert. */
  LbaStatusAlert = 0x05,
  /** Endurance Group Event Aggregate Log Page Change. */
  EnduranceGroupChange = 0x06,
  /** Normal NVM Subsystem Shutdown. */
  NormalSubsystemShutdown = 0x07,
  /** Discovery Log Page Change. */
  DiscoveryLogChange = 0xf0,
}

/** A decoded Asynchronous Event Request completion. */
export interface DecodedAsyncEvent {
  /** Asynchronous Event Type (see {@link AsyncEventType}). */
  type: number;
  /** Asynchronous Event Information, meaning depends on type (see {@link AsyncEventNotice}). */
  info: number;
  /** Log page to read to clear the event. */
  logPageId: number;
}

/** Decode AER completion DW0: type 2:0, information 15:8, log page identifier 23:16. */
export function decodeAsyncEvent(dw0: number): DecodedAsyncEvent {
  return { type: bits(dw0, 0, 3), info: bits(dw0, 8, 8), logPageId: bits(dw0, 16, 8) };
}

/** Encode AER completion DW0, for software controllers and tests. */
export function encodeAsyncEvent(e: DecodedAsyncEvent): number {
  return (e.type & 0x7) | ((e.info & 0xff) << 8) | ((e.logPageId & 0xff) << 16);
}
