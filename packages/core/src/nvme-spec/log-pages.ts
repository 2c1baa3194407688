/**
 * Log page identifiers, the Get Log Page command dwords, and the Changed Namespace List. The larger
 * log structures have their own modules (log-error, log-smart, log-firmware-slot, log-command-effects).
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import { hi32, lo32, u32ListUntilZero } from "./bytes.js";

/** Log Page Identifiers (NVMe 2.0 base specification and NVM command set). */
export enum LogPageId {
  /** Supported Log Pages. */
  SupportedLogPages = 0x00,
  /** Error Information. */
  ErrorInformation = 0x01,
  /** SMART / Health Information. */
  SmartHealth = 0x02,
  /** Firmware Slot Information. */
  FirmwareSlot = 0x03,
  /** Changed Namespace List. */
  ChangedNamespaceList = 0x04,
  /** Commands Supported and Effects. */
  CommandsSupportedAndEffects = 0x05,
  /** Device Self-test. */
  DeviceSelfTest = 0x06,
  /** Telemetry Host-Initiated. */
  TelemetryHostInitiated = 0x07,
  /** Telemetry Controller-Initiated. */
  TelemetryControllerInitiated = 0x08,
  /** Endurance Group Information. */
  EnduranceGroupInformation = 0x09,
  /** Predictable Latency Per NVM Set. */
  PredictableLatencyPerNvmSet = 0x0a,
  /** Predictable Latency Event Aggregate. */
  PredictableLatencyEventAggregate = 0x0b,
  /** Asymmetric Namespace Access. */
  AsymmetricNamespaceAccess = 0x0c,
  /** Persistent Event Log. */
  PersistentEventLog = 0x0d,
  /** LBA Status Information. */
  LbaStatusInformation = 0x0e,
  /** Endurance Group Event Aggregate. */
  EnduranceGroupEventAggregate = 0x0f,
  /** Media Unit Status. */
  MediaUnitStatus = 0x10,
  /** Supported Capacity Configuration List. */
  SupportedCapacityConfigurationList = 0x11,
  /** Feature Identifiers Supported and Effects. */
  FeatureIdentifiersSupportedAndEffects = 0x12,
  /** NVMe-MI Commands Supported and Effects. */
  NvmeMiCommandsSupportedAndEffects = 0x13,
  /** Command and Feature Lockdown. */
  CommandAndFeatureLockdown = 0x14,
  /** Boot Partition. */
  BootPartition = 0x15,
  /** Rotational Media Information. */
  RotationalMediaInformation = 0x16,
  /** Discovery (Fabrics discovery controllers). */
  Discovery = 0x70,
  /** Reservation Notification. */
  ReservationNotification = 0x80,
  /** Sanitize Status. */
  SanitizeStatus = 0x81,
}

/** Options of {@link getLogPageDwords}. */
export interface GetLogPageOptions {
  /** Log Specific Field (CDW10 bits 14:8). */
  lsp?: number;
  /** Retain Asynchronous Event (CDW10 bit 15): read without clearing the event. */
  rae?: boolean;
  /** Log Specific Identifier (CDW11 bits 31:16), e.g. an endurance group. */
  lsi?: number;
  /** Command Set Identifier (CDW14 bits 31:24). */
  csi?: number;
  /** UUID Index (CDW14 bits 6:0). */
  uuidIndex?: number;
  /** Offset Type (CDW14 bit 23): the offset is an index of entries rather than bytes. */
  offsetIsIndex?: boolean;
}

/** Command dwords 10..14 of a Get Log Page command. */
export interface GetLogPageDwords {
  /** LID 7:0, LSP 14:8, RAE 15, NUMDL 31:16. */
  cdw10: number;
  /** NUMDU 15:0, LSI 31:16. */
  cdw11: number;
  /** Log Page Offset Lower. */
  cdw12: number;
  /** Log Page Offset Upper. */
  cdw13: number;
  /** UUID index 6:0, OT 23, CSI 31:24. */
  cdw14: number;
}

/**
 * Get Log Page CDW10..CDW14 for reading `numBytes` (a positive multiple of 4) at byte `offset`
 * (a multiple of 4): NUMD is the 0-based dword count, split into NUMDL (CDW10 31:16) and NUMDU
 * (CDW11 15:0).
 */
export function getLogPageDwords(
  lid: number,
  numBytes: number,
  offset = 0,
  opts: GetLogPageOptions = {},
): GetLogPageDwords {
  if (!Number.isInteger(numBytes) || numBytes < 4 || numBytes % 4 !== 0 || numBytes > 4 * 2 ** 32) {
    throw new InvalidArgumentError(
      "numBytes",
      `${numBytes}: a log page read is a positive multiple of 4 bytes`,
    );
  }
  if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0) {
    throw new InvalidArgumentError("offset", `${offset}: log page offsets are non-negative multiples of 4`);
  }
  const numd = numBytes / 4 - 1;
  return {
    cdw10:
      ((lid & 0xff) |
        (((opts.lsp ?? 0) & 0x7f) << 8) |
        (opts.rae ? 1 << 15 : 0) |
        ((numd & 0xffff) << 16)) >>>
      0,
    cdw11: ((numd >>> 16) | (((opts.lsi ?? 0) & 0xffff) << 16)) >>> 0,
    cdw12: lo32(offset),
    cdw13: hi32(offset),
    cdw14:
      (((opts.uuidIndex ?? 0) & 0x7f) |
        (opts.offsetIsIndex ? 1 << 23 : 0) |
        (((opts.csi ?? 0) & 0xff) << 24)) >>>
      0,
  };
}

/** Size of the Changed Namespace List log page: 1024 NSIDs. */
export const CHANGED_NAMESPACE_LIST_SIZE = 4096;

/** First entry of a Changed Namespace List when more than 1024 namespaces changed. */
export const CHANGED_NAMESPACE_LIST_OVERFLOW = 0xffffffff;

/**
 * Decode the Changed Namespace List: NSIDs up to the first 0. A single entry equal to
 * {@link CHANGED_NAMESPACE_LIST_OVERFLOW} means more than 1024 changed: rescan them all.
 */
export function decodeChangedNamespaceList(bytes: Uint8Array): number[] {
  return u32ListUntilZero(bytes, CHANGED_NAMESPACE_LIST_SIZE / 4);
}
