/**
 * The SMART / Health Information log page (LID 02h, 512 bytes).
 * @module
 */
import { decodeFlags, requireBytes, u8, u16, u32, u128 } from "./bytes.js";

/** Size in bytes of the SMART / Health Information log page. */
export const SMART_LOG_SIZE = 512;

/** Critical Warning bit masks (byte 0). */
export const CriticalWarning = {
  /** Available spare fell below the threshold. */
  AvailableSpare: 1 << 0,
  /** A temperature is above an over-temperature or below an under-temperature threshold. */
  Temperature: 1 << 1,
  /** Reliability degraded by media or internal errors. */
  ReliabilityDegraded: 1 << 2,
  /** All media placed in read-only mode. */
  ReadOnly: 1 << 3,
  /** Volatile memory backup device failed. */
  VolatileMemoryBackupFailed: 1 << 4,
  /** Persistent Memory Region became read-only or unreliable. */
  PersistentMemoryRegionReadOnly: 1 << 5,
} as const;

/** The SMART / Health Information log page. Counters are 128-bit bigints. */
export interface SmartLog {
  /** Critical Warning bits (see {@link CriticalWarning}). */
  criticalWarning: number;
  /** {@link SmartLog.criticalWarning} as named booleans. */
  warnings: { [K in keyof typeof CriticalWarning]: boolean };
  /** Composite Temperature, Kelvin. */
  compositeTemperature: number;
  /** Available Spare, percent. */
  availableSpare: number;
  /** Available Spare Threshold, percent. */
  availableSpareThreshold: number;
  /** Percentage Used (may exceed 100). */
  percentageUsed: number;
  /** Endurance Group Critical Warning Summary. */
  enduranceGroupCriticalWarning: number;
  /** Data Units Read, thousands of 512-byte units. */
  dataUnitsRead: bigint;
  /** Data Units Written, thousands of 512-byte units. */
  dataUnitsWritten: bigint;
  /** Host Read Commands. */
  hostReadCommands: bigint;
  /** Host Write Commands. */
  hostWriteCommands: bigint;
  /** Controller Busy Time, minutes. */
  controllerBusyTime: bigint;
  /** Power Cycles. */
  powerCycles: bigint;
  /** Power On Hours. */
  powerOnHours: bigint;
  /** Unsafe Shutdowns. */
  unsafeShutdowns: bigint;
  /** Media and Data Integrity Errors. */
  mediaErrors: bigint;
  /** Number of Error Information Log Entries over the controller's life. */
  errorLogEntries: bigint;
  /** Warning Composite Temperature Time, minutes. */
  warningTemperatureTime: number;
  /** Critical Composite Temperature Time, minutes. */
  criticalTemperatureTime: number;
  /** Temperature Sensors 1..8, Kelvin (0: not implemented). */
  temperatureSensors: number[];
  /** Thermal Management Temperature 1 Transition Count. */
  thermalMgmtTemp1TransitionCount: number;
  /** Thermal Management Temperature 2 Transition Count. */
  thermalMgmtTemp2TransitionCount: number;
  /** Total Time For Thermal Management Temperature 1, seconds. */
  thermalMgmtTemp1TotalTime: number;
  /** Total Time For Thermal Management Temperature 2, seconds. */
  thermalMgmtTemp2TotalTime: number;
}

/** Decode a SMART / Health Information log page. */
export function decodeSmartLog(bytes: Uint8Array): SmartLog {
  requireBytes(bytes, SMART_LOG_SIZE, "SMART / Health log");
  const b = bytes;
  const criticalWarning = u8(b, 0);
  const temperatureSensors: number[] = [];
  for (let i = 0; i < 8; i++) temperatureSensors.push(u16(b, 200 + i * 2));
  return {
    criticalWarning,
    warnings: decodeFlags(criticalWarning, CriticalWarning),
    compositeTemperature: u16(b, 1),
    availableSpare: u8(b, 3),
    availableSpareThreshold: u8(b, 4),
    percentageUsed: u8(b, 5),
    enduranceGroupCriticalWarning: u8(b, 6),
    dataUnitsRead: u128(b, 32),
    dataUnitsWritten: u128(b, 48),
    hostReadCommands: u128(b, 64),
    hostWriteCommands: u128(b, 80),
    controllerBusyTime: u128(b, 96),
    powerCycles: u128(b, 112),
    powerOnHours: u128(b, 128),
    unsafeShutdowns: u128(b, 144),
    mediaErrors: u128(b, 160),
    errorLogEntries: u128(b, 176),
    warningTemperatureTime: u32(b, 192),
    criticalTemperatureTime: u32(b, 196),
    temperatureSensors,
    thermalMgmtTemp1TransitionCount: u32(b, 216),
    thermalMgmtTemp2TransitionCount: u32(b, 220),
    thermalMgmtTemp1TotalTime: u32(b, 224),
    thermalMgmtTemp2TotalTime: u32(b, 228),
  };
}
