/**
 * The soft controller's own reading of the NVMe specification (base 1.4/2.0, NVM command set):
 * register offsets, opcodes, status codes, feature and log page identifiers, written out here rather
 * than imported from the core, so that the model is an independent check of the core's encoders.
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
  /** Success (00h). */
  Success: 0x00,
  /** Invalid opcode (01h). */
  InvalidOpcode: 0x01,
  /** Invalid field (02h). */
  InvalidField: 0x02,
  /** Command ID conflict (03h). */
  CommandIdConflict: 0x03,
  /** Data transfer error (04h). */
  DataTransferError: 0x04,
  /** Internal error (06h). */
  InternalError: 0x06,
  /** Abort requested (07h). */
  AbortRequested: 0x07,
  /** Aborted SQ deletion (08h). */
  AbortedSqDeletion: 0x08,
  /** Invalid namespace or format (0Bh). */
  InvalidNamespaceOrFormat: 0x0b,
  /** Command sequence error (0Ch). */
  CommandSequenceError: 0x0c,
  /** Invalid SGL segment descriptor (0Dh). */
  InvalidSglSegmentDescriptor: 0x0d,
  /** Invalid number of SGL descriptors (0Eh). */
  InvalidNumberOfSglDescriptors: 0x0e,
  /** Data SGL length invalid (0Fh). */
  DataSglLengthInvalid: 0x0f,
  /** Metadata SGL length invalid (10h). */
  MetadataSglLengthInvalid: 0x10,
  /** SGL descriptor type invalid (11h). */
  SglDescriptorTypeInvalid: 0x11,
  /** PRP offset invalid (13h). */
  PrpOffsetInvalid: 0x13,
  /** LBA out of range (80h). */
  LbaOutOfRange: 0x80,
  /** Capacity exceeded (81h). */
  CapacityExceeded: 0x81,
  /** Namespace not ready (82h). */
  NamespaceNotReady: 0x82,
  /** Reservation conflict (83h). */
  ReservationConflict: 0x83,
} as const;

/** Command specific status codes (SCT 1). */
export const SpecificSc = {
  /** Completion queue invalid (00h). */
  CompletionQueueInvalid: 0x00,
  /** Invalid queue identifier (01h). */
  InvalidQueueIdentifier: 0x01,
  /** Invalid queue size (02h). */
  InvalidQueueSize: 0x02,
  /** Abort command limit exceeded (03h). */
  AbortCommandLimitExceeded: 0x03,
  /** Async event limit exceeded (05h). */
  AsyncEventLimitExceeded: 0x05,
  /** Invalid firmware slot (06h). */
  InvalidFirmwareSlot: 0x06,
  /** Invalid firmware image (07h). */
  InvalidFirmwareImage: 0x07,
  /** Invalid interrupt vector (08h). */
  InvalidInterruptVector: 0x08,
  /** Invalid log page (09h). */
  InvalidLogPage: 0x09,
  /** Invalid format (0Ah). */
  InvalidFormat: 0x0a,
  /** Invalid queue deletion (0Ch). */
  InvalidQueueDeletion: 0x0c,
  /** Feature not saveable (0Dh). */
  FeatureNotSaveable: 0x0d,
  /** Namespace insufficient capacity (15h). */
  NamespaceInsufficientCapacity: 0x15,
  /** Namespace ID unavailable (16h). */
  NamespaceIdUnavailable: 0x16,
  /** Namespace already attached (18h). */
  NamespaceAlreadyAttached: 0x18,
  /** Namespace not attached (1Ah). */
  NamespaceNotAttached: 0x1a,
  /** Controller list invalid (1Ch). */
  ControllerListInvalid: 0x1c,
  /** Zone Boundary Error (B8h). */
  ZoneBoundaryError: 0xb8,
  /** Zone Is Full (B9h). */
  ZoneIsFull: 0xb9,
  /** Zone Is Read Only (BAh). */
  ZoneIsReadOnly: 0xba,
  /** Zone Is Offline (BBh). */
  ZoneIsOffline: 0xbb,
  /** Zone Invalid Write (BCh). */
  ZoneInvalidWrite: 0xbc,
  /** Too Many Active Zones (BDh). */
  TooManyActiveZones: 0xbd,
  /** Too Many Open Zones (BEh). */
  TooManyOpenZones: 0xbe,
  /** Invalid Zone State Transition (BFh). */
  InvalidZoneStateTransition: 0xbf,
} as const;

/** Media and data integrity status codes (SCT 2). */
export const MediaSc = {
  /** Write fault (80h). */
  WriteFault: 0x80,
  /** Unrecovered read error (81h). */
  UnrecoveredReadError: 0x81,
  /** Compare failure (85h). */
  CompareFailure: 0x85,
  /** Access denied (86h). */
  AccessDenied: 0x86,
} as const;

/** Admin command opcodes. */
export const AdminOpc = {
  /** Delete I/O SQ (00h). */
  DeleteIoSq: 0x00,
  /** Create I/O SQ (01h). */
  CreateIoSq: 0x01,
  /** Get log page (02h). */
  GetLogPage: 0x02,
  /** Delete I/O CQ (04h). */
  DeleteIoCq: 0x04,
  /** Create I/O CQ (05h). */
  CreateIoCq: 0x05,
  /** Identify (06h). */
  Identify: 0x06,
  /** Abort (08h). */
  Abort: 0x08,
  /** Set features (09h). */
  SetFeatures: 0x09,
  /** Get features (0Ah). */
  GetFeatures: 0x0a,
  /** Async event request (0Ch). */
  AsyncEventRequest: 0x0c,
  /** Namespace management (0Dh). */
  NamespaceManagement: 0x0d,
  /** Firmware commit (10h). */
  FirmwareCommit: 0x10,
  /** Firmware image download (11h). */
  FirmwareImageDownload: 0x11,
  /** Namespace attachment (15h). */
  NamespaceAttachment: 0x15,
  /** Keep alive (18h). */
  KeepAlive: 0x18,
  /** Format NVM (80h). */
  FormatNvm: 0x80,
} as const;

/** NVM command set I/O opcodes. */
export const NvmOpc = {
  /** Flush (00h). */
  Flush: 0x00,
  /** Write (01h). */
  Write: 0x01,
  /** Read (02h). */
  Read: 0x02,
  /** Compare (05h). */
  Compare: 0x05,
  /** Write zeroes (08h). */
  WriteZeroes: 0x08,
  /** Dataset management (09h). */
  DatasetManagement: 0x09,
  /** Reservation register (0Dh). */
  ReservationRegister: 0x0d,
  /** Reservation report (0Eh). */
  ReservationReport: 0x0e,
  /** Reservation acquire (11h). */
  ReservationAcquire: 0x11,
  /** Reservation release (15h). */
  ReservationRelease: 0x15,
  /** Zone management send (79h, Zoned Namespace command set). */
  ZoneManagementSend: 0x79,
  /** Zone management receive (7Ah, Zoned Namespace command set). */
  ZoneManagementReceive: 0x7a,
  /** Zone append (7Dh, Zoned Namespace command set). */
  ZoneAppend: 0x7d,
} as const;

/** Feature identifiers (Set/Get Features CDW10 bits 7:0). */
export const Fid = {
  /** Arbitration (01h). */
  Arbitration: 0x01,
  /** Power management (02h). */
  PowerManagement: 0x02,
  /** Temperature threshold (04h). */
  TemperatureThreshold: 0x04,
  /** Error recovery (05h). */
  ErrorRecovery: 0x05,
  /** Volatile write cache (06h). */
  VolatileWriteCache: 0x06,
  /** Number of queues (07h). */
  NumberOfQueues: 0x07,
  /** Interrupt coalescing (08h). */
  InterruptCoalescing: 0x08,
  /** Async event config (0Bh). */
  AsyncEventConfig: 0x0b,
  /** Keep alive timer (0Fh). */
  KeepAliveTimer: 0x0f,
  /** Host identifier (81h). */
  HostIdentifier: 0x81,
} as const;

/** Log page identifiers (Get Log Page CDW10 bits 7:0). */
export const Lid = {
  /** Error information (01h). */
  ErrorInformation: 0x01,
  /** SMART health (02h). */
  SmartHealth: 0x02,
  /** Firmware slot (03h). */
  FirmwareSlot: 0x03,
  /** Changed namespace list (04h). */
  ChangedNamespaceList: 0x04,
  /** Commands supported and effects (05h). */
  CommandsSupportedAndEffects: 0x05,
} as const;

/** Identify CNS values (CDW10 bits 7:0). */
export const Cns = {
  /** Namespace (00h). */
  Namespace: 0x00,
  /** Controller (01h). */
  Controller: 0x01,
  /** Active namespace list (02h). */
  ActiveNamespaceList: 0x02,
  /** Namespace descriptors (03h). */
  NamespaceDescriptors: 0x03,
  /** I/O command set specific Identify Namespace (05h; CSI in CDW11 31:24). */
  IoCommandSetNamespace: 0x05,
  /** I/O command set specific Identify Controller (06h). */
  IoCommandSetController: 0x06,
  /** Allocated namespace list (10h). */
  AllocatedNamespaceList: 0x10,
  /** Allocated namespace (11h). */
  AllocatedNamespace: 0x11,
  /** Attached controller list (12h). */
  AttachedControllerList: 0x12,
  /** Controller list (13h). */
  ControllerList: 0x13,
} as const;

/** Asynchronous event types (AER completion DW0 bits 2:0). */
export const AsyncEventType = {
  /** Error (0). */
  Error: 0,
  /** SMART health (1). */
  SmartHealth: 1,
  /** Notice (2). */
  Notice: 2,
  /** I/O command set (6). */
  IoCommandSet: 6,
  /** Vendor (7). */
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
