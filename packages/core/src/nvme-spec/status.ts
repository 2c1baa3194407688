/**
 * NVMe status codes (NVMe 2.0 base specification and NVM command set), their specification names,
 * and SPDK's rule for which failed commands are worth retrying.
 * @module
 */

/** Status Code Type, status field bits 10:8. */
export enum StatusCodeType {
  /** Generic command status. */
  Generic = 0,
  /** Command specific status. */
  CommandSpecific = 1,
  /** Media and data integrity errors. */
  MediaDataIntegrity = 2,
  /** Path related status. */
  Path = 3,
  /** Vendor specific. */
  VendorSpecific = 7,
}

/** Generic command status codes (SCT 0). */
export enum GenericStatus {
  /** Successful Completion. */
  Success = 0x00,
  /** Invalid Command Opcode. */
  InvalidOpcode = 0x01,
  /** Invalid Field in Command. */
  InvalidField = 0x02,
  /** Command ID Conflict. */
  CommandIdConflict = 0x03,
  /** Data Transfer Error. */
  DataTransferError = 0x04,
  /** Commands Aborted due to Power Loss Notification. */
  AbortedPowerLoss = 0x05,
  /** Internal Error. */
  InternalError = 0x06,
  /** Command Abort Requested. */
  AbortRequested = 0x07,
  /** Command Aborted due to SQ Deletion. */
  AbortedSqDeletion = 0x08,
  /** Command Aborted due to Failed Fused Command. */
  AbortedFailedFused = 0x09,
  /** Command Aborted due to Missing Fused Command. */
  AbortedMissingFused = 0x0a,
  /** Invalid Namespace or Format. */
  InvalidNamespaceOrFormat = 0x0b,
  /** Command Sequence Error. */
  CommandSequenceError = 0x0c,
  /** Invalid SGL Segment Descriptor. */
  InvalidSglSegmentDescriptor = 0x0d,
  /** Invalid Number of SGL Descriptors. */
  InvalidNumberOfSglDescriptors = 0x0e,
  /** Data SGL Length Invalid. */
  DataSglLengthInvalid = 0x0f,
  /** Metadata SGL Length Invalid. */
  MetadataSglLengthInvalid = 0x10,
  /** SGL Descriptor Type Invalid. */
  SglDescriptorTypeInvalid = 0x11,
  /** Invalid Use of Controller Memory Buffer. */
  InvalidUseOfCmb = 0x12,
  /** PRP Offset Invalid. */
  PrpOffsetInvalid = 0x13,
  /** Atomic Write Unit Exceeded. */
  AtomicWriteUnitExceeded = 0x14,
  /** Operation Denied. */
  OperationDenied = 0x15,
  /** SGL Offset Invalid. */
  SglOffsetInvalid = 0x16,
  /** Host Identifier Inconsistent Format. */
  HostIdentifierInconsistentFormat = 0x18,
  /** Keep Alive Timer Expired. */
  KeepAliveTimerExpired = 0x19,
  /** Keep Alive Timeout Invalid. */
  KeepAliveTimeoutInvalid = 0x1a,
  /** Command Aborted due to Preempt and Abort. */
  AbortedPreemptAndAbort = 0x1b,
  /** Sanitize Failed. */
  SanitizeFailed = 0x1c,
  /** Sanitize In Progress. */
  SanitizeInProgress = 0x1d,
  /** SGL Data Block Granularity Invalid. */
  SglDataBlockGranularityInvalid = 0x1e,
  /** Command Not Supported for Queue in CMB. */
  CommandNotSupportedForQueueInCmb = 0x1f,
  /** Namespace is Write Protected. */
  NamespaceWriteProtected = 0x20,
  /** Command Interrupted. */
  CommandInterrupted = 0x21,
  /** Transient Transport Error. */
  TransientTransportError = 0x22,
  /** Command Prohibited by Command and Feature Lockdown. */
  ProhibitedByLockdown = 0x23,
  /** Admin Command Media Not Ready. */
  AdminCommandMediaNotReady = 0x24,
  /** FDP Disabled (NVMe 2.0 TP4146). */
  FdpDisabled = 0x29,
  /** Invalid Placement Handle List (NVMe 2.0 TP4146). */
  InvalidPlacementHandleList = 0x2a,
  /** LBA Out of Range (NVM command set). */
  LbaOutOfRange = 0x80,
  /** Capacity Exceeded. */
  CapacityExceeded = 0x81,
  /** Namespace Not Ready. */
  NamespaceNotReady = 0x82,
  /** Reservation Conflict. */
  ReservationConflict = 0x83,
  /** Format In Progress. */
  FormatInProgress = 0x84,
}

/** Command specific status codes (SCT 1), including those of the NVM and Zoned command sets. */
export enum CommandSpecificStatus {
  /** Completion Queue Invalid. */
  CompletionQueueInvalid = 0x00,
  /** Invalid Queue Identifier. */
  InvalidQueueIdentifier = 0x01,
  /** Invalid Queue Size. */
  InvalidQueueSize = 0x02,
  /** Abort Command Limit Exceeded. */
  AbortCommandLimitExceeded = 0x03,
  /** Asynchronous Event Request Limit Exceeded. */
  AsyncEventRequestLimitExceeded = 0x05,
  /** Invalid Firmware Slot. */
  InvalidFirmwareSlot = 0x06,
  /** Invalid Firmware Image. */
  InvalidFirmwareImage = 0x07,
  /** Invalid Interrupt Vector. */
  InvalidInterruptVector = 0x08,
  /** Invalid Log Page. */
  InvalidLogPage = 0x09,
  /** Invalid Format. */
  InvalidFormat = 0x0a,
  /** Firmware Activation Requires Conventional Reset. */
  FirmwareRequiresConventionalReset = 0x0b,
  /** Invalid Queue Deletion. */
  InvalidQueueDeletion = 0x0c,
  /** Feature Identifier Not Saveable. */
  FeatureNotSaveable = 0x0d,
  /** Feature Not Changeable. */
  FeatureNotChangeable = 0x0e,
  /** Feature Not Namespace Specific. */
  FeatureNotNamespaceSpecific = 0x0f,
  /** Firmware Activation Requires NVM Subsystem Reset. */
  FirmwareRequiresSubsystemReset = 0x10,
  /** Firmware Activation Requires Controller Level Reset. */
  FirmwareRequiresControllerReset = 0x11,
  /** Firmware Activation Requires Maximum Time Violation. */
  FirmwareRequiresMaxTimeViolation = 0x12,
  /** Firmware Activation Prohibited. */
  FirmwareActivationProhibited = 0x13,
  /** Overlapping Range. */
  OverlappingRange = 0x14,
  /** Namespace Insufficient Capacity. */
  NamespaceInsufficientCapacity = 0x15,
  /** Namespace Identifier Unavailable. */
  NamespaceIdentifierUnavailable = 0x16,
  /** Namespace Already Attached. */
  NamespaceAlreadyAttached = 0x18,
  /** Namespace Is Private. */
  NamespaceIsPrivate = 0x19,
  /** Namespace Not Attached. */
  NamespaceNotAttached = 0x1a,
  /** Thin Provisioning Not Supported. */
  ThinProvisioningNotSupported = 0x1b,
  /** Controller List Invalid. */
  ControllerListInvalid = 0x1c,
  /** Device Self-test In Progress. */
  DeviceSelfTestInProgress = 0x1d,
  /** Boot Partition Write Prohibited. */
  BootPartitionWriteProhibited = 0x1e,
  /** Invalid Controller Identifier. */
  InvalidControllerIdentifier = 0x1f,
  /** Invalid Secondary Controller State. */
  InvalidSecondaryControllerState = 0x20,
  /** Invalid Number of Controller Resources. */
  InvalidNumberOfControllerResources = 0x21,
  /** Invalid Resource Identifier. */
  InvalidResourceIdentifier = 0x22,
  /** Sanitize Prohibited While Persistent Memory Region is Enabled. */
  SanitizeProhibitedWhilePmrEnabled = 0x23,
  /** ANA Group Identifier Invalid. */
  AnaGroupIdentifierInvalid = 0x24,
  /** ANA Attach Failed. */
  AnaAttachFailed = 0x25,
  /** Insufficient Capacity. */
  InsufficientCapacity = 0x26,
  /** Namespace Attachment Limit Exceeded. */
  NamespaceAttachmentLimitExceeded = 0x27,
  /** Prohibition of Command Execution Not Supported. */
  ProhibitionNotSupported = 0x28,
  /** I/O Command Set Not Supported. */
  IoCommandSetNotSupported = 0x29,
  /** I/O Command Set Not Enabled. */
  IoCommandSetNotEnabled = 0x2a,
  /** I/O Command Set Combination Rejected. */
  IoCommandSetCombinationRejected = 0x2b,
  /** Invalid I/O Command Set. */
  InvalidIoCommandSet = 0x2c,
  /** Identifier Unavailable. */
  IdentifierUnavailable = 0x2d,
  /** Stream Resource Allocation Failed (Directives). */
  StreamResourceAllocationFailed = 0x7f,
  /** Conflicting Attributes (NVM: Dataset Management, Read, Write). */
  ConflictingAttributes = 0x80,
  /** Invalid Protection Information. */
  InvalidProtectionInformation = 0x81,
  /** Attempted Write to Read Only Range. */
  AttemptedWriteToReadOnlyRange = 0x82,
  /** Command Size Limit Exceeded. */
  CommandSizeLimitExceeded = 0x83,
  /** Zone Boundary Error. */
  ZoneBoundaryError = 0xb8,
  /** Zone Is Full. */
  ZoneIsFull = 0xb9,
  /** Zone Is Read Only. */
  ZoneIsReadOnly = 0xba,
  /** Zone Is Offline. */
  ZoneIsOffline = 0xbb,
  /** Zone Invalid Write. */
  ZoneInvalidWrite = 0xbc,
  /** Too Many Active Zones. */
  TooManyActiveZones = 0xbd,
  /** Too Many Open Zones. */
  TooManyOpenZones = 0xbe,
  /** Invalid Zone State Transition. */
  InvalidZoneStateTransition = 0xbf,
}

/** Media and data integrity error codes (SCT 2). */
export enum MediaStatus {
  /** Write Fault. */
  WriteFault = 0x80,
  /** Unrecovered Read Error. */
  UnrecoveredReadError = 0x81,
  /** End-to-end Guard Check Error. */
  GuardCheckError = 0x82,
  /** End-to-end Application Tag Check Error. */
  ApplicationTagCheckError = 0x83,
  /** End-to-end Reference Tag Check Error. */
  ReferenceTagCheckError = 0x84,
  /** Compare Failure. */
  CompareFailure = 0x85,
  /** Access Denied. */
  AccessDenied = 0x86,
  /** Deallocated or Unwritten Logical Block. */
  DeallocatedOrUnwrittenBlock = 0x87,
  /** End-to-End Storage Tag Check Error. */
  StorageTagCheckError = 0x88,
}

/** Path related status codes (SCT 3). */
export enum PathStatus {
  /** Internal Path Error. */
  InternalPathError = 0x00,
  /** Asymmetric Access Persistent Loss. */
  AsymmetricAccessPersistentLoss = 0x01,
  /** Asymmetric Access Inaccessible. */
  AsymmetricAccessInaccessible = 0x02,
  /** Asymmetric Access Transition. */
  AsymmetricAccessTransition = 0x03,
  /** Controller Pathing Error. */
  ControllerPathingError = 0x60,
  /** Host Pathing Error. */
  HostPathingError = 0x70,
  /** Command Aborted By Host. */
  CommandAbortedByHost = 0x71,
}

const GENERIC_NAMES: ReadonlyMap<number, string> = new Map([
  [GenericStatus.Success, "Successful Completion"],
  [GenericStatus.InvalidOpcode, "Invalid Command Opcode"],
  [GenericStatus.InvalidField, "Invalid Field in Command"],
  [GenericStatus.CommandIdConflict, "Command ID Conflict"],
  [GenericStatus.DataTransferError, "Data Transfer Error"],
  [GenericStatus.AbortedPowerLoss, "Commands Aborted due to Power Loss Notification"],
  [GenericStatus.InternalError, "Internal Error"],
  [GenericStatus.AbortRequested, "Command Abort Requested"],
  [GenericStatus.AbortedSqDeletion, "Command Aborted due to SQ Deletion"],
  [GenericStatus.AbortedFailedFused, "Command Aborted due to Failed Fused Command"],
  [GenericStatus.AbortedMissingFused, "Command Aborted due to Missing Fused Command"],
  [GenericStatus.InvalidNamespaceOrFormat, "Invalid Namespace or Format"],
  [GenericStatus.CommandSequenceError, "Command Sequence Error"],
  [GenericStatus.InvalidSglSegmentDescriptor, "Invalid SGL Segment Descriptor"],
  [GenericStatus.InvalidNumberOfSglDescriptors, "Invalid Number of SGL Descriptors"],
  [GenericStatus.DataSglLengthInvalid, "Data SGL Length Invalid"],
  [GenericStatus.MetadataSglLengthInvalid, "Metadata SGL Length Invalid"],
  [GenericStatus.SglDescriptorTypeInvalid, "SGL Descriptor Type Invalid"],
  [GenericStatus.InvalidUseOfCmb, "Invalid Use of Controller Memory Buffer"],
  [GenericStatus.PrpOffsetInvalid, "PRP Offset Invalid"],
  [GenericStatus.AtomicWriteUnitExceeded, "Atomic Write Unit Exceeded"],
  [GenericStatus.OperationDenied, "Operation Denied"],
  [GenericStatus.SglOffsetInvalid, "SGL Offset Invalid"],
  [GenericStatus.HostIdentifierInconsistentFormat, "Host Identifier Inconsistent Format"],
  [GenericStatus.KeepAliveTimerExpired, "Keep Alive Timer Expired"],
  [GenericStatus.KeepAliveTimeoutInvalid, "Keep Alive Timeout Invalid"],
  [GenericStatus.AbortedPreemptAndAbort, "Command Aborted due to Preempt and Abort"],
  [GenericStatus.SanitizeFailed, "Sanitize Failed"],
  [GenericStatus.SanitizeInProgress, "Sanitize In Progress"],
  [GenericStatus.SglDataBlockGranularityInvalid, "SGL Data Block Granularity Invalid"],
  [GenericStatus.CommandNotSupportedForQueueInCmb, "Command Not Supported for Queue in CMB"],
  [GenericStatus.NamespaceWriteProtected, "Namespace is Write Protected"],
  [GenericStatus.CommandInterrupted, "Command Interrupted"],
  [GenericStatus.TransientTransportError, "Transient Transport Error"],
  [GenericStatus.ProhibitedByLockdown, "Command Prohibited by Command and Feature Lockdown"],
  [GenericStatus.AdminCommandMediaNotReady, "Admin Command Media Not Ready"],
  [GenericStatus.FdpDisabled, "FDP Disabled"],
  [GenericStatus.InvalidPlacementHandleList, "Invalid Placement Handle List"],
  [GenericStatus.LbaOutOfRange, "LBA Out of Range"],
  [GenericStatus.CapacityExceeded, "Capacity Exceeded"],
  [GenericStatus.NamespaceNotReady, "Namespace Not Ready"],
  [GenericStatus.ReservationConflict, "Reservation Conflict"],
  [GenericStatus.FormatInProgress, "Format In Progress"],
]);

const COMMAND_SPECIFIC_NAMES: ReadonlyMap<number, string> = new Map([
  [CommandSpecificStatus.CompletionQueueInvalid, "Completion Queue Invalid"],
  [CommandSpecificStatus.InvalidQueueIdentifier, "Invalid Queue Identifier"],
  [CommandSpecificStatus.InvalidQueueSize, "Invalid Queue Size"],
  [CommandSpecificStatus.AbortCommandLimitExceeded, "Abort Command Limit Exceeded"],
  [CommandSpecificStatus.AsyncEventRequestLimitExceeded, "Asynchronous Event Request Limit Exceeded"],
  [CommandSpecificStatus.InvalidFirmwareSlot, "Invalid Firmware Slot"],
  [CommandSpecificStatus.InvalidFirmwareImage, "Invalid Firmware Image"],
  [CommandSpecificStatus.InvalidInterruptVector, "Invalid Interrupt Vector"],
  [CommandSpecificStatus.InvalidLogPage, "Invalid Log Page"],
  [CommandSpecificStatus.InvalidFormat, "Invalid Format"],
  [
    CommandSpecificStatus.FirmwareRequiresConventionalReset,
    "Firmware Activation Requires Conventional Reset",
  ],
  [CommandSpecificStatus.InvalidQueueDeletion, "Invalid Queue Deletion"],
  [CommandSpecificStatus.FeatureNotSaveable, "Feature Identifier Not Saveable"],
  [CommandSpecificStatus.FeatureNotChangeable, "Feature Not Changeable"],
  [CommandSpecificStatus.FeatureNotNamespaceSpecific, "Feature Not Namespace Specific"],
  [CommandSpecificStatus.FirmwareRequiresSubsystemReset, "Firmware Activation Requires NVM Subsystem Reset"],
  [
    CommandSpecificStatus.FirmwareRequiresControllerReset,
    "Firmware Activation Requires Controller Level Reset",
  ],
  [
    CommandSpecificStatus.FirmwareRequiresMaxTimeViolation,
    "Firmware Activation Requires Maximum Time Violation",
  ],
  [CommandSpecificStatus.FirmwareActivationProhibited, "Firmware Activation Prohibited"],
  [CommandSpecificStatus.OverlappingRange, "Overlapping Range"],
  [CommandSpecificStatus.NamespaceInsufficientCapacity, "Namespace Insufficient Capacity"],
  [CommandSpecificStatus.NamespaceIdentifierUnavailable, "Namespace Identifier Unavailable"],
  [CommandSpecificStatus.NamespaceAlreadyAttached, "Namespace Already Attached"],
  [CommandSpecificStatus.NamespaceIsPrivate, "Namespace Is Private"],
  [CommandSpecificStatus.NamespaceNotAttached, "Namespace Not Attached"],
  [CommandSpecificStatus.ThinProvisioningNotSupported, "Thin Provisioning Not Supported"],
  [CommandSpecificStatus.ControllerListInvalid, "Controller List Invalid"],
  [CommandSpecificStatus.DeviceSelfTestInProgress, "Device Self-test In Progress"],
  [CommandSpecificStatus.BootPartitionWriteProhibited, "Boot Partition Write Prohibited"],
  [CommandSpecificStatus.InvalidControllerIdentifier, "Invalid Controller Identifier"],
  [CommandSpecificStatus.InvalidSecondaryControllerState, "Invalid Secondary Controller State"],
  [CommandSpecificStatus.InvalidNumberOfControllerResources, "Invalid Number of Controller Resources"],
  [CommandSpecificStatus.InvalidResourceIdentifier, "Invalid Resource Identifier"],
  [
    CommandSpecificStatus.SanitizeProhibitedWhilePmrEnabled,
    "Sanitize Prohibited While Persistent Memory Region is Enabled",
  ],
  [CommandSpecificStatus.AnaGroupIdentifierInvalid, "ANA Group Identifier Invalid"],
  [CommandSpecificStatus.AnaAttachFailed, "ANA Attach Failed"],
  [CommandSpecificStatus.InsufficientCapacity, "Insufficient Capacity"],
  [CommandSpecificStatus.NamespaceAttachmentLimitExceeded, "Namespace Attachment Limit Exceeded"],
  [CommandSpecificStatus.ProhibitionNotSupported, "Prohibition of Command Execution Not Supported"],
  [CommandSpecificStatus.IoCommandSetNotSupported, "I/O Command Set Not Supported"],
  [CommandSpecificStatus.IoCommandSetNotEnabled, "I/O Command Set Not Enabled"],
  [CommandSpecificStatus.IoCommandSetCombinationRejected, "I/O Command Set Combination Rejected"],
  [CommandSpecificStatus.InvalidIoCommandSet, "Invalid I/O Command Set"],
  [CommandSpecificStatus.IdentifierUnavailable, "Identifier Unavailable"],
  [CommandSpecificStatus.StreamResourceAllocationFailed, "Stream Resource Allocation Failed"],
  [CommandSpecificStatus.ConflictingAttributes, "Conflicting Attributes"],
  [CommandSpecificStatus.InvalidProtectionInformation, "Invalid Protection Information"],
  [CommandSpecificStatus.AttemptedWriteToReadOnlyRange, "Attempted Write to Read Only Range"],
  [CommandSpecificStatus.CommandSizeLimitExceeded, "Command Size Limit Exceeded"],
  [CommandSpecificStatus.ZoneBoundaryError, "Zone Boundary Error"],
  [CommandSpecificStatus.ZoneIsFull, "Zone Is Full"],
  [CommandSpecificStatus.ZoneIsReadOnly, "Zone Is Read Only"],
  [CommandSpecificStatus.ZoneIsOffline, "Zone Is Offline"],
  [CommandSpecificStatus.ZoneInvalidWrite, "Zone Invalid Write"],
  [CommandSpecificStatus.TooManyActiveZones, "Too Many Active Zones"],
  [CommandSpecificStatus.TooManyOpenZones, "Too Many Open Zones"],
  [CommandSpecificStatus.InvalidZoneStateTransition, "Invalid Zone State Transition"],
]);

const MEDIA_NAMES: ReadonlyMap<number, string> = new Map([
  [MediaStatus.WriteFault, "Write Fault"],
  [MediaStatus.UnrecoveredReadError, "Unrecovered Read Error"],
  [MediaStatus.GuardCheckError, "End-to-end Guard Check Error"],
  [MediaStatus.ApplicationTagCheckError, "End-to-end Application Tag Check Error"],
  [MediaStatus.ReferenceTagCheckError, "End-to-end Reference Tag Check Error"],
  [MediaStatus.CompareFailure, "Compare Failure"],
  [MediaStatus.AccessDenied, "Access Denied"],
  [MediaStatus.DeallocatedOrUnwrittenBlock, "Deallocated or Unwritten Logical Block"],
  [MediaStatus.StorageTagCheckError, "End-to-End Storage Tag Check Error"],
]);

const PATH_NAMES: ReadonlyMap<number, string> = new Map([
  [PathStatus.InternalPathError, "Internal Path Error"],
  [PathStatus.AsymmetricAccessPersistentLoss, "Asymmetric Access Persistent Loss"],
  [PathStatus.AsymmetricAccessInaccessible, "Asymmetric Access Inaccessible"],
  [PathStatus.AsymmetricAccessTransition, "Asymmetric Access Transition"],
  [PathStatus.ControllerPathingError, "Controller Pathing Error"],
  [PathStatus.HostPathingError, "Host Pathing Error"],
  [PathStatus.CommandAbortedByHost, "Command Aborted By Host"],
]);

const NAMES_BY_TYPE: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map([
  [StatusCodeType.Generic, GENERIC_NAMES],
  [StatusCodeType.CommandSpecific, COMMAND_SPECIFIC_NAMES],
  [StatusCodeType.MediaDataIntegrity, MEDIA_NAMES],
  [StatusCodeType.Path, PATH_NAMES],
]);

/**
 * The specification's name of a status, e.g. "Invalid Field in Command" for (0, 0x02). Vendor
 * specific and unassigned codes give "Vendor specific status (SC 0x..)" or "Unknown status (SCT 0x., SC 0x..)".
 * Command specific names are those of the NVM command set (Fabrics reuses some SC values for Connect).
 */
export function statusName(sct: number, sc: number): string {
  const name = NAMES_BY_TYPE.get(sct)?.get(sc);
  if (name !== undefined) return name;
  const scHex = `0x${sc.toString(16).padStart(2, "0")}`;
  if (sct === StatusCodeType.VendorSpecific) return `Vendor specific status (SC ${scHex})`;
  return `Unknown status (SCT 0x${sct.toString(16)}, SC ${scHex})`;
}

/**
 * Whether a failed command is worth submitting again, with SPDK's nvme_completion_is_retry rules:
 * only generic Namespace Not Ready and Format In Progress, and path Internal Path Error (NVMe TP 4028),
 * are retried, and never when the controller set Do Not Retry.
 */
export function isRetryableStatus(sct: number, sc: number, dnr: boolean): boolean {
  if (dnr) return false;
  if (sct === StatusCodeType.Generic) {
    return sc === GenericStatus.NamespaceNotReady || sc === GenericStatus.FormatInProgress;
  }
  if (sct === StatusCodeType.Path) return sc === PathStatus.InternalPathError;
  return false;
}
