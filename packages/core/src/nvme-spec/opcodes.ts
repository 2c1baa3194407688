/**
 * Admin and NVM command set opcodes, and the data direction encoded in an opcode's low bits.
 * @module
 */

/** Admin command opcodes (NVMe 2.0 base specification). */
export enum AdminOpcode {
  /** Delete I/O Submission Queue. */
  DeleteIoSq = 0x00,
  /** Create I/O Submission Queue. */
  CreateIoSq = 0x01,
  /** Get Log Page. */
  GetLogPage = 0x02,
  /** Delete I/O Completion Queue. */
  DeleteIoCq = 0x04,
  /** Create I/O Completion Queue. */
  CreateIoCq = 0x05,
  /** Identify. */
  Identify = 0x06,
  /** Abort. */
  Abort = 0x08,
  /** Set Features. */
  SetFeatures = 0x09,
  /** Get Features. */
  GetFeatures = 0x0a,
  /** Asynchronous Event Request. */
  AsyncEventRequest = 0x0c,
  /** Namespace Management. */
  NamespaceManagement = 0x0d,
  /** Firmware Commit. */
  FirmwareCommit = 0x10,
  /** Firmware Image Download. */
  FirmwareImageDownload = 0x11,
  /** Device Self-test. */
  DeviceSelfTest = 0x14,
  /** Namespace Attachment. */
  NamespaceAttachment = 0x15,
  /** Keep Alive. */
  KeepAlive = 0x18,
  /** Directive Send. */
  DirectiveSend = 0x19,
  /** Directive Receive. */
  DirectiveReceive = 0x1a,
  /** Virtualization Management. */
  VirtualizationManagement = 0x1c,
  /** NVMe-MI Send. */
  NvmeMiSend = 0x1d,
  /** NVMe-MI Receive. */
  NvmeMiReceive = 0x1e,
  /** Capacity Management. */
  CapacityManagement = 0x20,
  /** Command and Feature Lockdown. */
  Lockdown = 0x24,
  /** Doorbell Buffer Config. */
  DoorbellBufferConfig = 0x7c,
  /** Fabrics commands (the command's fctype says which). */
  FabricsCommands = 0x7f,
  /** Format NVM. */
  FormatNvm = 0x80,
  /** Security Send. */
  SecuritySend = 0x81,
  /** Security Receive. */
  SecurityReceive = 0x82,
  /** Sanitize. */
  Sanitize = 0x84,
  /** Get LBA Status. */
  GetLbaStatus = 0x86,
}

/** I/O command opcodes of the NVM command set. */
export enum NvmOpcode {
  /** Flush. */
  Flush = 0x00,
  /** Write. */
  Write = 0x01,
  /** Read. */
  Read = 0x02,
  /** Write Uncorrectable. */
  WriteUncorrectable = 0x04,
  /** Compare. */
  Compare = 0x05,
  /** Write Zeroes. */
  WriteZeroes = 0x08,
  /** Dataset Management. */
  DatasetManagement = 0x09,
  /** Verify. */
  Verify = 0x0c,
  /** Reservation Register. */
  ReservationRegister = 0x0d,
  /** Reservation Report. */
  ReservationReport = 0x0e,
  /** Reservation Acquire. */
  ReservationAcquire = 0x11,
  /** Reservation Release. */
  ReservationRelease = 0x15,
  /** Copy. */
  Copy = 0x19,
}

/** Data direction of an opcode, its bits 1:0. */
export enum DataTransfer {
  /** No data. */
  None = 0,
  /** Host to controller (e.g. Write). */
  HostToController = 1,
  /** Controller to host (e.g. Read). */
  ControllerToHost = 2,
  /** Both directions. */
  Bidirectional = 3,
}

/**
 * The data direction an opcode implies (bits 1:0): 0 none, 1 host-to-controller, 2 controller-to-host,
 * 3 bidirectional. Holds for every standard opcode except Fabrics, whose direction is in fctype.
 */
export function opcodeTransfersData(opcode: number): 0 | 1 | 2 | 3 {
  return (opcode & 0x3) as 0 | 1 | 2 | 3;
}
