/**
 * Builders of admin commands. Each clears the command, then sets opcode, NSID and command dwords;
 * the caller sets the CID and the data pointer (PRP/SGL) afterwards.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import type { NvmeCommand } from "./command.js";
import { type FeatureSelect, getFeaturesCdw10, setFeaturesCdw10 } from "./features.js";
import { type GetLogPageOptions, getLogPageDwords } from "./log-pages.js";
import { AdminOpcode } from "./opcodes.js";

/** Reject a queue depth outside 2..65536 (QSIZE is 0-based and one slot always stays empty). */
function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 2 || depth > 65536) {
    throw new InvalidArgumentError(
      "depth",
      `${depth}: a queue holds 2 to 65536 entries (at most CAP.MQES + 1)`,
    );
  }
}

/** Identify: CNS CDW10 7:0, CNTID 31:16; CNS specific identifier CDW11 15:0, CSI 31:24. */
export function identify(
  cmd: NvmeCommand,
  cns: number,
  nsid: number,
  cntid = 0,
  csi = 0,
  cnsSpecificId = 0,
): NvmeCommand {
  cmd.init(AdminOpcode.Identify, nsid);
  cmd.cdw10 = ((cns & 0xff) | ((cntid & 0xffff) << 16)) >>> 0;
  cmd.cdw11 = ((cnsSpecificId & 0xffff) | ((csi & 0xff) << 24)) >>> 0;
  return cmd;
}

/** Get Log Page for `numBytes` at byte `offset` (see {@link getLogPageDwords}). */
export function getLogPage(
  cmd: NvmeCommand,
  lid: number,
  nsid: number,
  numBytes: number,
  offset = 0,
  opts: GetLogPageOptions = {},
): NvmeCommand {
  const d = getLogPageDwords(lid, numBytes, offset, opts);
  cmd.init(AdminOpcode.GetLogPage, nsid);
  cmd.cdw10 = d.cdw10;
  cmd.cdw11 = d.cdw11;
  cmd.cdw12 = d.cdw12;
  cmd.cdw13 = d.cdw13;
  cmd.cdw14 = d.cdw14;
  return cmd;
}

/** Options of {@link setFeatures}. */
export interface SetFeaturesOptions {
  /** Save the value across power cycles (CDW10 SV bit 31). */
  save?: boolean;
  /** Namespace for namespace-specific features (0 otherwise). */
  nsid?: number;
  /** Feature specific CDW12. */
  cdw12?: number;
  /** Feature specific CDW13. */
  cdw13?: number;
  /** Feature specific CDW14 (UUID index in bits 6:0). */
  cdw14?: number;
  /** Feature specific CDW15. */
  cdw15?: number;
}

/** Set Features: FID and SV in CDW10, the feature value in CDW11 (see the encoders of features.ts). */
export function setFeatures(
  cmd: NvmeCommand,
  fid: number,
  cdw11: number,
  opts: SetFeaturesOptions = {},
): NvmeCommand {
  cmd.init(AdminOpcode.SetFeatures, opts.nsid ?? 0);
  cmd.cdw10 = setFeaturesCdw10(fid, opts.save);
  cmd.cdw11 = cdw11 >>> 0;
  cmd.cdw12 = opts.cdw12 ?? 0;
  cmd.cdw13 = opts.cdw13 ?? 0;
  cmd.cdw14 = opts.cdw14 ?? 0;
  cmd.cdw15 = opts.cdw15 ?? 0;
  return cmd;
}

/** Get Features: FID and SEL in CDW10, feature specific CDW11. */
export function getFeatures(
  cmd: NvmeCommand,
  fid: number,
  select: FeatureSelect | number,
  cdw11 = 0,
  nsid = 0,
): NvmeCommand {
  cmd.init(AdminOpcode.GetFeatures, nsid);
  cmd.cdw10 = getFeaturesCdw10(fid, select);
  cmd.cdw11 = cdw11 >>> 0;
  return cmd;
}

/** Options of {@link createIoCq}. */
export interface CreateIoCqOptions {
  /** Interrupts Enabled (CDW11 bit 1); polled queues leave it off. */
  interruptsEnabled?: boolean;
  /** Interrupt Vector (CDW11 31:16). */
  vector?: number;
  /** Physically Contiguous (CDW11 bit 0); default true, PRP1 then points at the queue. */
  physicallyContiguous?: boolean;
}

/** Create I/O Completion Queue: QID CDW10 15:0, QSIZE (0-based) 31:16; PC, IEN, IV in CDW11. */
export function createIoCq(
  cmd: NvmeCommand,
  qid: number,
  depth: number,
  opts: CreateIoCqOptions = {},
): NvmeCommand {
  checkDepth(depth);
  cmd.init(AdminOpcode.CreateIoCq);
  cmd.cdw10 = ((qid & 0xffff) | ((depth - 1) << 16)) >>> 0;
  cmd.cdw11 =
    (((opts.physicallyContiguous ?? true) ? 1 : 0) |
      (opts.interruptsEnabled ? 1 << 1 : 0) |
      (((opts.vector ?? 0) & 0xffff) << 16)) >>>
    0;
  return cmd;
}

/** Create I/O Submission Queue: QID/QSIZE in CDW10; PC bit 0, QPRIO 2:1, CQID 31:16 in CDW11. */
export function createIoSq(
  cmd: NvmeCommand,
  qid: number,
  depth: number,
  cqid: number,
  priority = 0,
  physicallyContiguous = true,
): NvmeCommand {
  checkDepth(depth);
  cmd.init(AdminOpcode.CreateIoSq);
  cmd.cdw10 = ((qid & 0xffff) | ((depth - 1) << 16)) >>> 0;
  cmd.cdw11 = ((physicallyContiguous ? 1 : 0) | ((priority & 0x3) << 1) | ((cqid & 0xffff) << 16)) >>> 0;
  return cmd;
}

/** Delete I/O Submission Queue: QID in CDW10. */
export function deleteIoSq(cmd: NvmeCommand, qid: number): NvmeCommand {
  cmd.init(AdminOpcode.DeleteIoSq);
  cmd.cdw10 = qid & 0xffff;
  return cmd;
}

/** Delete I/O Completion Queue: QID in CDW10. */
export function deleteIoCq(cmd: NvmeCommand, qid: number): NvmeCommand {
  cmd.init(AdminOpcode.DeleteIoCq);
  cmd.cdw10 = qid & 0xffff;
  return cmd;
}

/** Abort: SQID CDW10 15:0, CID of the command to abort 31:16. */
export function abort(cmd: NvmeCommand, sqid: number, cid: number): NvmeCommand {
  cmd.init(AdminOpcode.Abort);
  cmd.cdw10 = ((sqid & 0xffff) | ((cid & 0xffff) << 16)) >>> 0;
  return cmd;
}

/** Asynchronous Event Request (no parameters). */
export function asyncEventRequest(cmd: NvmeCommand): NvmeCommand {
  cmd.init(AdminOpcode.AsyncEventRequest);
  return cmd;
}

/** Keep Alive (no parameters). */
export function keepAlive(cmd: NvmeCommand): NvmeCommand {
  cmd.init(AdminOpcode.KeepAlive);
  return cmd;
}

/**
 * Doorbell Buffer Config: PRP1 is the Shadow Doorbell buffer, PRP2 the EventIdx buffer, one memory
 * page each (page-aligned), laid out like the doorbell registers.
 */
export function doorbellBufferConfig(
  cmd: NvmeCommand,
  shadowIova: number,
  eventIdxIova: number,
): NvmeCommand {
  cmd.init(AdminOpcode.DoorbellBufferConfig);
  cmd.prp1 = shadowIova;
  cmd.prp2 = eventIdxIova;
  return cmd;
}

/** Namespace Attachment: SEL CDW10 3:0 (0 attach, 1 detach); data is a controller list. */
export function namespaceAttachment(cmd: NvmeCommand, nsid: number, attach: boolean): NvmeCommand {
  cmd.init(AdminOpcode.NamespaceAttachment, nsid);
  cmd.cdw10 = attach ? 0 : 1;
  return cmd;
}

/** Namespace Management: SEL CDW10 3:0 (0 create, 1 delete), CSI CDW11 31:24 for create. */
export function namespaceManagement(cmd: NvmeCommand, create: boolean, nsid: number, csi = 0): NvmeCommand {
  cmd.init(AdminOpcode.NamespaceManagement, nsid);
  cmd.cdw10 = create ? 0 : 1;
  cmd.cdw11 = create ? ((csi & 0xff) << 24) >>> 0 : 0;
  return cmd;
}

/** Options of {@link formatNvm}. */
export interface FormatNvmOptions {
  /** LBA format index 0..63 (LBAFL 3:0 and LBAFU 13:12). */
  lbaf: number;
  /** Metadata Settings: 1 (true) extended LBA, 0 separate buffer. */
  mset?: number | boolean;
  /** Protection Information type 0..3. */
  pi?: number;
  /** Protection Information Location: 1 (true) first bytes of metadata. */
  pil?: number | boolean;
  /** Secure Erase Settings: 0 none, 1 user data erase, 2 cryptographic erase. */
  ses?: number;
}

/** Format NVM: LBAFL 3:0, MSET 4, PI 7:5, PIL 8, SES 11:9, LBAFU 13:12 of CDW10. */
export function formatNvm(cmd: NvmeCommand, nsid: number, opts: FormatNvmOptions): NvmeCommand {
  cmd.init(AdminOpcode.FormatNvm, nsid);
  cmd.cdw10 =
    (opts.lbaf & 0xf) |
    (opts.mset ? 1 << 4 : 0) |
    (((opts.pi ?? 0) & 0x7) << 5) |
    (opts.pil ? 1 << 8 : 0) |
    (((opts.ses ?? 0) & 0x7) << 9) |
    (((opts.lbaf >> 4) & 0x3) << 12);
  return cmd;
}

/** Firmware Image Download: NUMD (0-based dwords) in CDW10, OFST (dwords) in CDW11. */
export function firmwareImageDownload(cmd: NvmeCommand, numBytes: number, offsetBytes: number): NvmeCommand {
  if (numBytes < 4 || numBytes % 4 !== 0 || offsetBytes % 4 !== 0) {
    throw new InvalidArgumentError(
      "numBytes",
      `${numBytes} at ${offsetBytes}: firmware pieces are dword multiples`,
    );
  }
  cmd.init(AdminOpcode.FirmwareImageDownload);
  cmd.cdw10 = (numBytes / 4 - 1) >>> 0;
  cmd.cdw11 = (offsetBytes / 4) >>> 0;
  return cmd;
}

/** Firmware Commit: FS (slot) 2:0, CA (commit action) 5:3, BPID 31 of CDW10. */
export function firmwareCommit(cmd: NvmeCommand, slot: number, action: number, bpid = false): NvmeCommand {
  cmd.init(AdminOpcode.FirmwareCommit);
  cmd.cdw10 = ((slot & 0x7) | ((action & 0x7) << 3) | (bpid ? 1 << 31 : 0)) >>> 0;
  return cmd;
}

/** Device Self-test: STC CDW10 3:0 (1 short, 2 extended, 0xe vendor, 0xf abort). */
export function deviceSelfTest(cmd: NvmeCommand, nsid: number, stc: number): NvmeCommand {
  cmd.init(AdminOpcode.DeviceSelfTest, nsid);
  cmd.cdw10 = stc & 0xf;
  return cmd;
}
