/**
 * The fake controller's own reading of the NVMe specification (base 1.4/2.0, NVM command set):
 * register offsets, opcodes, status codes, feature and log page identifiers, written out here rather
 * than imported from the core, so that the fake is an independent check of the core's encoders.
 * @module
 */

/** Controller register byte offsets (base spec, "Controller Registers"). */
export const Reg = {
  /** Controller Capabilities, 64-bit. */
  CAP: 0x00,
  /** Version. */
  VS: 0x08,
  /** Interrupt Mask Set. */
  INTMS: 0x0c,
  /** Interrupt Mask Clear. */
  INTMC: 0x10,
  /** Controller Configuration. */
  CC: 0x14,
  /** Controller Status. */
  CSTS: 0x1c,
  /** NVM Subsystem Reset. */
  NSSR: 0x20,
  /** Admin Queue Attributes. */
  AQA: 0x24,
  /** Admin Submission Queue base address, 64-bit. */
  ASQ: 0x28,
  /** Admin Completion Queue base address, 64-bit. */
  ACQ: 0x30,
  /** Controller Memory Buffer Location. */
  CMBLOC: 0x38,
  /** Controller Memory Buffer Size. */
  CMBSZ: 0x3c,
  /** Persistent Memory Region Capabilities. */
  PMRCAP: 0xe00,
  /** First doorbell: SQ 0 tail; SQ y tail is at 0x1000 + 2y * (4 << DSTRD), CQ y head right after it. */
  DOORBELLS: 0x1000,
} as const;

/** Status Code Types (completion status bits 10:8 of the 15-bit status field). */
export const Sct = {
  /** Generic command status. */
  Generic: 0,
  /** Command specific status. */
  CommandSpecific: 1,
  /** Media and data integrity errors. */
  Media: 2,
  /** Path related status. */
  Path: 3,
} as const;

/** Generic command status codes (SCT 0). */
export const GenericSc = {
  Success: 0x00,
  InvalidOpcode: 0x01,
  InvalidField: 0x02,
  CommandIdConflict: 0x03,
  DataTransferError: 0x04,
  InternalError: 0x06,
  AbortRequested: 0x07,
  AbortedSqDeletion: 0x08,
  InvalidNamespaceOrFormat: 0x0b,
  CommandSequenceError: 0x0c,
  InvalidSglSegmentDescriptor: 0x0d,
  InvalidNumberOfSglDescriptors: 0x0e,
  DataSglLengthInvalid: 0x0f,
  MetadataSglLengthInvalid: 0x10,
  SglDescriptorTypeInvalid: 0x11,
  PrpOffsetInvalid: 0x13,
  LbaOutOfRange: 0x80,
  CapacityExceeded: 0x81,
  NamespaceNotReady: 0x82,
  ReservationConflict: 0x83,
} as const;

/** Command specific status codes (SCT 1). */
export const SpecificSc = {
  CompletionQueueInvalid: 0x00,
  InvalidQueueIdentifier: 0x01,
  InvalidQueueSize: 0x02,
  AbortCommandLimitExceeded: 0x03,
  AsyncEventLimitExceeded: 0x05,
  InvalidFirmwareSlot: 0x06,
  InvalidFirmwareImage: 0x07,
  InvalidLogPage: 0x09,
  InvalidFormat: 0x0a,
  InvalidQueueDeletion: 0x0c,
  FeatureNotSaveable: 0x0d,
  NamespaceInsufficientCapacity: 0x15,
  NamespaceIdUnavailable: 0x16,
  NamespaceAlreadyAttached: 0x18,
  NamespaceNotAttached: 0x1a,
  ControllerListInvalid: 0x1c,
} as const;

/** Media and data integrity status codes (SCT 2). */
export const MediaSc = {
  WriteFault: 0x80,
  UnrecoveredReadError: 0x81,
  CompareFailure: 0x85,
  AccessDenied: 0x86,
} as const;

/** Admin command opcodes. */
export const AdminOpc = {
  DeleteIoSq: 0x00,
  CreateIoSq: 0x01,
  GetLogPage: 0x02,
  DeleteIoCq: 0x04,
  CreateIoCq: 0x05,
  Identify: 0x06,
  Abort: 0x08,
  SetFeatures: 0x09,
  GetFeatures: 0x0a,
  AsyncEventRequest: 0x0c,
  NamespaceManagement: 0x0d,
  FirmwareCommit: 0x10,
  FirmwareImageDownload: 0x11,
  NamespaceAttachment: 0x15,
  KeepAlive: 0x18,
  FormatNvm: 0x80,
} as const;

/** NVM command set I/O opcodes. */
export const NvmOpc = {
  Flush: 0x00,
  Write: 0x01,
  Read: 0x02,
  Compare: 0x05,
  WriteZeroes: 0x08,
  DatasetManagement: 0x09,
  ReservationRegister: 0x0d,
  ReservationReport: 0x0e,
  ReservationAcquire: 0x11,
  ReservationRelease: 0x15,
} as const;

/** Feature identifiers (Set/Get Features CDW10 bits 7:0). */
export const Fid = {
  Arbitration: 0x01,
  PowerManagement: 0x02,
  TemperatureThreshold: 0x04,
  ErrorRecovery: 0x05,
  VolatileWriteCache: 0x06,
  NumberOfQueues: 0x07,
  InterruptCoalescing: 0x08,
  AsyncEventConfig: 0x0b,
  KeepAliveTimer: 0x0f,
  HostIdentifier: 0x81,
} as const;

/** Log page identifiers (Get Log Page CDW10 bits 7:0). */
export const Lid = {
  ErrorInformation: 0x01,
  SmartHealth: 0x02,
  FirmwareSlot: 0x03,
  ChangedNamespaceList: 0x04,
  CommandsSupportedAndEffects: 0x05,
} as const;

/** Identify CNS values (CDW10 bits 7:0). */
export const Cns = {
  Namespace: 0x00,
  Controller: 0x01,
  ActiveNamespaceList: 0x02,
  NamespaceDescriptors: 0x03,
  AllocatedNamespaceList: 0x10,
  AllocatedNamespace: 0x11,
  AttachedControllerList: 0x12,
  ControllerList: 0x13,
} as const;

/** Asynchronous event types (AER completion DW0 bits 2:0). */
export const AsyncEventType = {
  Error: 0,
  SmartHealth: 1,
  Notice: 2,
  IoCommandSet: 6,
  Vendor: 7,
} as const;

/**
 * Builds the 15-bit status field of a completion (DW3 bits 31:17, shifted down): SC bits 7:0,
 * SCT 10:8, CRD 12:11, More 13, DNR 14.
 */
export function nvmeStatus(
  sct: number,
  sc: number,
  flags: { dnr?: boolean; more?: boolean; crd?: number } = {},
) {
  return (
    (sc & 0xff) |
    ((sct & 0x7) << 8) |
    (((flags.crd ?? 0) & 0x3) << 11) |
    ((flags.more ? 1 : 0) << 13) |
    ((flags.dnr ? 1 : 0) << 14)
  );
}

/** The SC (bits 7:0) of a 15-bit status field. */
export function statusSc(status: number): number {
  return status & 0xff;
}

/** The SCT (bits 10:8) of a 15-bit status field. */
export function statusSct(status: number): number {
  return (status >> 8) & 0x7;
}

/** Whether the DNR bit (14) of a 15-bit status field is set. */
export function statusDnr(status: number): boolean {
  return ((status >> 14) & 1) === 1;
}
