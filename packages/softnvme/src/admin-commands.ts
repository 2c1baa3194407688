/**
 * Admin command set of the soft controller: each handler decodes its command dwords by the
 * specification's layout and acts on the controller model.
 * @module
 */
import { type CommandContext, type HandlerResult, PENDING } from "./command-context.js";
import { fail } from "./command-failure.js";
import type { SoftController } from "./controller.js";
import {
  controllerList,
  IDENTIFY_SIZE,
  identifyController,
  identifyNamespace,
  identifyZonedController,
  identifyZonedNamespace,
  namespaceDescriptors,
  namespaceList,
} from "./identify-data.js";
import { get16, get64 } from "./le-bytes.js";
import { changedNamespaceLog, commandEffectsLog, errorLog, firmwareSlotLog, smartLog } from "./log-pages.js";
import { LBA_FORMATS, SoftNamespace } from "./namespace.js";
import { AdminOpc, Cns, GenericSc, Lid, NvmOpc, Sct, SpecificSc } from "./nvme-raw.js";
import { sqeNsid, sqePrp1, sqePsdt } from "./sqe.js";
import { isZoneOpcode } from "./zone-commands.js";

const BROADCAST_NSID = 0xffff_ffff;

/** Admin opcodes the soft controller implements (also listed in the Commands Supported log). */
export const ADMIN_OPCODES: readonly number[] = Object.values(AdminOpc);

/** Executes one admin command. */
export function executeAdmin(ctrl: SoftController, ctx: CommandContext): HandlerResult {
  // NVMe over PCIe: admin commands use PRPs only.
  if (sqePsdt(ctx.sqe) !== 0) fail(Sct.Generic, GenericSc.InvalidField, "admin command with PSDT != 0 (SGL)");
  const d = ctx.sqe;
  switch (d[0]! & 0xff) {
    case AdminOpc.Identify:
      return identify(ctrl, ctx);
    case AdminOpc.GetLogPage:
      return getLogPage(ctrl, ctx);
    case AdminOpc.SetFeatures:
      return setFeatures(ctrl, ctx);
    case AdminOpc.GetFeatures:
      return getFeatures(ctrl, ctx);
    case AdminOpc.CreateIoCq:
      return createIoCq(ctrl, ctx);
    case AdminOpc.CreateIoSq:
      return createIoSq(ctrl, ctx);
    case AdminOpc.DeleteIoSq:
      return deleteIoSq(ctrl, ctx);
    case AdminOpc.DeleteIoCq:
      return deleteIoCq(ctrl, ctx);
    case AdminOpc.Abort:
      // CDW10: SQID 15:0, CID 31:16. DW0 bit 0 = 1 means "not aborted".
      return ctrl.abortCommand(d[10]! & 0xffff, d[10]! >>> 16) ? 0 : 1;
    case AdminOpc.AsyncEventRequest:
      if (!ctrl.addAsyncEventRequest(ctrl.sqs.get(0)!, ctx.record)) {
        fail(Sct.CommandSpecific, SpecificSc.AsyncEventLimitExceeded, "too many outstanding AERs");
      }
      return PENDING;
    case AdminOpc.KeepAlive:
      ctrl.keepAlives++;
      return 0;
    case AdminOpc.NamespaceManagement:
      return namespaceManagement(ctrl, ctx);
    case AdminOpc.NamespaceAttachment:
      return namespaceAttachment(ctrl, ctx);
    case AdminOpc.FormatNvm:
      return formatNvm(ctrl, ctx);
    case AdminOpc.FirmwareImageDownload:
      return firmwareDownload(ctrl, ctx);
    case AdminOpc.FirmwareCommit:
      return firmwareCommit(ctrl, ctx);
    default:
      return fail(Sct.Generic, GenericSc.InvalidOpcode, `admin opcode 0x${(d[0]! & 0xff).toString(16)}`);
  }
}

function badNamespace(nsid: number): never {
  return fail(Sct.Generic, GenericSc.InvalidNamespaceOrFormat, `invalid namespace ${nsid}`);
}

/** Command Set Identifier of the Zoned Namespace command set. */
const CSI_ZONED = 2;

// Identify: CDW10 CNS 7:0, CNTID 31:16; NSID in dword 1.
function identify(ctrl: SoftController, ctx: CommandContext): number {
  const cns = ctx.sqe[10]! & 0xff;
  const nsid = sqeNsid(ctx.sqe);
  const nn = ctrl.identity.nn;
  const validNsid = nsid >= 1 && nsid <= nn;
  let data: Uint8Array;
  switch (cns) {
    case Cns.Controller: {
      let used = 0;
      for (const ns of ctrl.namespaces.values()) used += ns.capacity;
      ctrl.identity.unallocatedCapacity = Math.max(0, ctrl.capacity - used);
      data = identifyController(ctrl.identity);
      break;
    }
    case Cns.Namespace:
    case Cns.AllocatedNamespace: {
      if (nsid === BROADCAST_NSID) {
        // Capabilities common to all namespaces: the LBA formats, no size.
        data = identifyNamespace(new SoftNamespace({ nsid: 0, blocks: 0 }));
        break;
      }
      if (!validNsid) badNamespace(nsid);
      const ns = cns === Cns.Namespace ? ctrl.activeNamespace(nsid) : ctrl.namespaces.get(nsid);
      // An inactive (or unallocated) NSID in range returns all zeroes.
      data = ns === undefined ? new Uint8Array(IDENTIFY_SIZE) : identifyNamespace(ns);
      break;
    }
    case Cns.ActiveNamespaceList:
    case Cns.AllocatedNamespaceList: {
      if (nsid >= 0xffff_fffe) badNamespace(nsid);
      const list = [...ctrl.namespaces.values()].filter(
        (ns) => cns !== Cns.ActiveNamespaceList || ns.attached,
      );
      data = namespaceList(
        list.map((ns) => ns.nsid),
        nsid,
      );
      break;
    }
    case Cns.NamespaceDescriptors: {
      const ns = ctrl.activeNamespace(nsid);
      if (ns === undefined) badNamespace(nsid);
      data = namespaceDescriptors(identifyNamespace(ns), ns.zones === undefined ? 0 : CSI_ZONED);
      break;
    }
    case Cns.IoCommandSetNamespace: {
      // CSI in CDW11 31:24: NVM's specific structure is all zeroes here; ZNS only for a zoned namespace.
      const csi = ctx.sqe[11]! >>> 24;
      const ns = ctrl.activeNamespace(nsid);
      if (ns === undefined) badNamespace(nsid);
      if (csi === 0) data = new Uint8Array(IDENTIFY_SIZE);
      else if (csi === CSI_ZONED && ns.zones !== undefined) data = identifyZonedNamespace(ns);
      else return fail(Sct.Generic, GenericSc.InvalidField, `namespace ${nsid} has no command set ${csi}`);
      break;
    }
    case Cns.IoCommandSetController: {
      const csi = ctx.sqe[11]! >>> 24;
      if (csi === 0) data = new Uint8Array(IDENTIFY_SIZE);
      else if (csi === CSI_ZONED && ctrl.offersAllIoCommandSets)
        data = identifyZonedController(ctrl.identity);
      else return fail(Sct.Generic, GenericSc.InvalidField, `command set ${csi} is not offered`);
      break;
    }
    case Cns.AttachedControllerList: {
      const ns = ctrl.namespaces.get(nsid);
      data = controllerList(ns?.attached ? [ctrl.identity.cntlid] : []);
      break;
    }
    case Cns.ControllerList:
      data = controllerList([ctrl.identity.cntlid]);
      break;
    default:
      return fail(Sct.Generic, GenericSc.InvalidField, `Identify CNS 0x${cns.toString(16)} not supported`);
  }
  ctx.dataOut(data);
  return 0;
}

// Get Log Page: CDW10 LID 7:0, LSP 14:8, RAE 15, NUMDL 31:16; CDW11 NUMDU 15:0; CDW12/13 offset.
function getLogPage(ctrl: SoftController, ctx: CommandContext): number {
  const d = ctx.sqe;
  const lid = d[10]! & 0xff;
  const rae = (d[10]! >>> 15) & 1;
  const dwords = (d[11]! & 0xffff) * 0x10000 + (d[10]! >>> 16) + 1;
  const offset = d[13]! * 0x1_0000_0000 + d[12]!;
  if (offset % 4 !== 0) fail(Sct.Generic, GenericSc.InvalidField, "log page offset not dword aligned");
  let page: Uint8Array;
  switch (lid) {
    case Lid.ErrorInformation:
      page = errorLog(ctrl.errorLog, ctrl.identity.elpe + 1);
      break;
    case Lid.SmartHealth:
      ctrl.health.criticalWarning =
        (ctrl.health.criticalWarning & ~0x2) | (ctrl.health.temperature >= ctrl.identity.wctemp ? 0x2 : 0);
      page = smartLog(ctrl.health);
      break;
    case Lid.FirmwareSlot:
      page = firmwareSlotLog(ctrl.activeFirmwareSlot, ctrl.nextFirmwareSlot, ctrl.firmwareSlots);
      break;
    case Lid.ChangedNamespaceList:
      page = changedNamespaceLog(ctrl.changedNamespaces);
      if (!rae) ctrl.changedNamespaces = [];
      break;
    case Lid.CommandsSupportedAndEffects:
      // Zone commands are listed only where the controller offers the Zoned Namespace command set.
      page = commandEffectsLog(
        ADMIN_OPCODES,
        Object.values(NvmOpc).filter((op) => ctrl.offersAllIoCommandSets || !isZoneOpcode(op)),
      );
      break;
    default:
      return fail(Sct.CommandSpecific, SpecificSc.InvalidLogPage, `log page 0x${lid.toString(16)}`);
  }
  if (offset >= page.length)
    fail(Sct.Generic, GenericSc.InvalidField, `log page offset ${offset} past its end`);
  const out = new Uint8Array(dwords * 4);
  out.set(page.subarray(offset, offset + out.length));
  ctx.dataOut(out);
  return 0;
}

// Set Features: CDW10 FID 7:0, SV 31; CDW11 feature specific.
function setFeatures(ctrl: SoftController, ctx: CommandContext): number {
  const d = ctx.sqe;
  const fid = d[10]! & 0xff;
  // Host Identifier carries 8 or 16 bytes of data (CDW11 bit 0 selects 128 bits).
  const data = fid === 0x81 ? ctx.dataIn(d[11]! & 1 ? 16 : 8) : undefined;
  const ioQueues = [...ctrl.sqs.keys()].some((q) => q !== 0) || [...ctrl.cqs.keys()].some((q) => q !== 0);
  return ctrl.features.set(fid, d[10]!, d[11]!, ioQueues, data);
}

// Get Features: CDW10 FID 7:0, SEL 10:8.
function getFeatures(ctrl: SoftController, ctx: CommandContext): number {
  const d = ctx.sqe;
  const v = ctrl.features.get(d[10]! & 0xff, (d[10]! >>> 8) & 0x7, d[11]!);
  if (v.data !== undefined) ctx.dataOut(v.data);
  return v.dw0;
}

// Checks shared by Create I/O CQ/SQ: CDW10 QID 15:0, QSIZE 31:16 (0-based); CDW11 PC bit 0.
function queueGeometry(ctrl: SoftController, ctx: CommandContext, existing: ReadonlyMap<number, unknown>) {
  const d = ctx.sqe;
  const qid = d[10]! & 0xffff;
  const size = (d[10]! >>> 16) + 1;
  if (qid === 0 || qid > ctrl.features.ioQueueLimit || existing.has(qid)) {
    fail(
      Sct.CommandSpecific,
      SpecificSc.InvalidQueueIdentifier,
      `queue id ${qid} (limit ${ctrl.features.ioQueueLimit})`,
    );
  }
  if (size < 2 || size > ctrl.mqes + 1)
    fail(Sct.CommandSpecific, SpecificSc.InvalidQueueSize, `queue size ${size}`);
  if ((d[11]! & 1) === 0)
    fail(Sct.Generic, GenericSc.InvalidField, "CAP.CQR: queues must be physically contiguous");
  const base = sqePrp1(d);
  if (base % ctrl.pageSize !== 0)
    fail(Sct.Generic, GenericSc.InvalidField, `queue base 0x${base.toString(16)} not page aligned`);
  return { qid, size, base };
}

// CC.IOSQES (19:16) / IOCQES (23:20) must be set before I/O queues exist.
function ccEntrySize(ctrl: SoftController, shift: number): number {
  return (ctrl.read32(0x14) >>> shift) & 0xf;
}

function createIoCq(ctrl: SoftController, ctx: CommandContext): number {
  const { qid, size, base } = queueGeometry(ctrl, ctx, ctrl.cqs);
  if (ccEntrySize(ctrl, 20) !== 4)
    fail(Sct.Generic, GenericSc.InvalidField, "CC.IOCQES is not 4 (16-byte entries)");
  // CDW11: PC bit 0, IEN bit 1, IV 31:16.
  const ien = (ctx.sqe[11]! >>> 1) & 1;
  const iv = ctx.sqe[11]! >>> 16;
  if (ien && iv >= ctrl.interruptVectors) {
    fail(
      Sct.CommandSpecific,
      SpecificSc.InvalidInterruptVector,
      `IV ${iv} (vectors: ${ctrl.interruptVectors})`,
    );
  }
  ctrl.addIoCq(qid, size, base, ien ? iv : -1);
  return 0;
}

function createIoSq(ctrl: SoftController, ctx: CommandContext): number {
  const { qid, size, base } = queueGeometry(ctrl, ctx, ctrl.sqs);
  if (ccEntrySize(ctrl, 16) !== 6)
    fail(Sct.Generic, GenericSc.InvalidField, "CC.IOSQES is not 6 (64-byte entries)");
  // CDW11: QPRIO 2:1, CQID 31:16.
  const cqid = ctx.sqe[11]! >>> 16;
  const cq = ctrl.cqs.get(cqid);
  if (cqid === 0 || cq === undefined)
    fail(Sct.CommandSpecific, SpecificSc.CompletionQueueInvalid, `CQ ${cqid}`);
  const prio = (ctx.sqe[11]! >>> 1) & 0x3;
  ctrl.addIoSq(qid, size, base, cq, prio);
  return 0;
}

function deleteIoSq(ctrl: SoftController, ctx: CommandContext): number {
  const qid = ctx.sqe[10]! & 0xffff;
  const sq = ctrl.sqs.get(qid);
  if (qid === 0 || sq === undefined)
    fail(Sct.CommandSpecific, SpecificSc.InvalidQueueIdentifier, `SQ ${qid}`);
  ctrl.abortQueue(sq);
  ctrl.sqs.delete(qid);
  return 0;
}

function deleteIoCq(ctrl: SoftController, ctx: CommandContext): number {
  const qid = ctx.sqe[10]! & 0xffff;
  const cq = ctrl.cqs.get(qid);
  if (qid === 0 || cq === undefined)
    fail(Sct.CommandSpecific, SpecificSc.InvalidQueueIdentifier, `CQ ${qid}`);
  for (const sq of ctrl.sqs.values()) {
    if (sq.cq === cq)
      fail(Sct.CommandSpecific, SpecificSc.InvalidQueueDeletion, `SQ ${sq.qid} still uses CQ ${qid}`);
  }
  ctrl.cqs.delete(qid);
  return 0;
}

// Namespace Management: CDW10 SEL 3:0 (0 create, 1 delete). Create's data: NSZE 0-7, NCAP 8-15, FLBAS 26.
function namespaceManagement(ctrl: SoftController, ctx: CommandContext): number {
  const sel = ctx.sqe[10]! & 0xf;
  const nsid = sqeNsid(ctx.sqe);
  if (sel === 0) {
    const data = ctx.dataIn(IDENTIFY_SIZE);
    const nsze = get64(data, 0);
    const flbas = data[26]!;
    const format = LBA_FORMATS[flbas & 0xf];
    if (format === undefined || nsze === 0) fail(Sct.Generic, GenericSc.InvalidField, "bad NSZE or FLBAS");
    let used = 0;
    for (const ns of ctrl.namespaces.values()) used += ns.capacity;
    if (used + nsze * format.blockSize > ctrl.capacity) {
      fail(Sct.CommandSpecific, SpecificSc.NamespaceInsufficientCapacity, `${nsze} blocks do not fit`);
    }
    let id = 1;
    while (ctrl.namespaces.has(id)) id++;
    if (id > ctrl.identity.nn)
      fail(Sct.CommandSpecific, SpecificSc.NamespaceIdUnavailable, "every NSID is in use");
    const ns = new SoftNamespace({
      nsid: id,
      blockSize: format.blockSize,
      metadataSize: format.metadataSize,
      extendedLba: ((flbas >>> 4) & 1) === 1,
      blocks: nsze,
      attached: false,
    });
    ctrl.namespaces.set(id, ns);
    return id;
  }
  if (sel === 1) {
    const victims = nsid === BROADCAST_NSID ? [...ctrl.namespaces.keys()] : [nsid];
    for (const id of victims) {
      const ns = ctrl.namespaces.get(id);
      if (ns === undefined) badNamespace(id);
      if (ns.attached) ctrl.changedNamespaces.push(id);
      ctrl.namespaces.delete(id);
      ns.close();
    }
    return 0;
  }
  return fail(Sct.Generic, GenericSc.InvalidField, `Namespace Management SEL ${sel}`);
}

// Namespace Attachment: CDW10 SEL 3:0 (0 attach, 1 detach); data: controller list.
function namespaceAttachment(ctrl: SoftController, ctx: CommandContext): number {
  const sel = ctx.sqe[10]! & 0xf;
  const nsid = sqeNsid(ctx.sqe);
  const list = ctx.dataIn(IDENTIFY_SIZE);
  const count = get16(list, 0);
  const ids = Array.from({ length: count }, (_, i) => get16(list, 2 + 2 * i));
  if (count === 0 || ids.some((id) => id !== ctrl.identity.cntlid)) {
    fail(Sct.CommandSpecific, SpecificSc.ControllerListInvalid, `controller list ${ids.join(",")}`);
  }
  const ns = ctrl.namespaces.get(nsid);
  if (ns === undefined) badNamespace(nsid);
  if (sel === 0) {
    if (ns.attached) fail(Sct.CommandSpecific, SpecificSc.NamespaceAlreadyAttached, `namespace ${nsid}`);
    ns.attached = true;
  } else if (sel === 1) {
    if (!ns.attached) fail(Sct.CommandSpecific, SpecificSc.NamespaceNotAttached, `namespace ${nsid}`);
    ns.attached = false;
  } else {
    fail(Sct.Generic, GenericSc.InvalidField, `Namespace Attachment SEL ${sel}`);
  }
  ctrl.changedNamespaces.push(nsid);
  return 0;
}

// Format NVM: CDW10 LBAF 3:0, MSET 4, PI 7:5, PIL 8, SES 11:9.
function formatNvm(ctrl: SoftController, ctx: CommandContext): number {
  const d = ctx.sqe[10]!;
  const nsid = sqeNsid(ctx.sqe);
  const lbaf = d & 0xf;
  const pi = (d >>> 5) & 0x7;
  const ses = (d >>> 9) & 0x7;
  if (lbaf >= LBA_FORMATS.length || pi !== 0)
    fail(Sct.CommandSpecific, SpecificSc.InvalidFormat, `LBAF ${lbaf} PI ${pi}`);
  if (ses > 2) fail(Sct.Generic, GenericSc.InvalidField, `SES ${ses}`);
  const targets =
    nsid === BROADCAST_NSID
      ? [...ctrl.namespaces.values()].filter((ns) => ns.attached)
      : [ctrl.activeNamespace(nsid)];
  for (const ns of targets) {
    if (ns === undefined) badNamespace(nsid);
    ns.format(lbaf, ((d >>> 4) & 1) === 1);
  }
  return 0;
}

// Firmware Image Download: CDW10 NUMD (0-based dwords), CDW11 OFST (dwords).
function firmwareDownload(ctrl: SoftController, ctx: CommandContext): number {
  const bytes = (ctx.sqe[10]! + 1) * 4;
  const offset = ctx.sqe[11]! * 4;
  const piece = ctx.dataIn(bytes);
  if (offset + bytes > ctrl.firmwareImage.length) {
    const grown = new Uint8Array(offset + bytes);
    grown.set(ctrl.firmwareImage);
    ctrl.firmwareImage = grown;
  }
  ctrl.firmwareImage.set(piece, offset);
  return 0;
}

// Firmware Commit: CDW10 FS 2:0, CA 5:3. Slots 1 and 2 exist (Identify FRMW).
function firmwareCommit(ctrl: SoftController, ctx: CommandContext): number {
  const fs = ctx.sqe[10]! & 0x7;
  const ca = (ctx.sqe[10]! >>> 3) & 0x7;
  const slot = fs === 0 ? 2 : fs;
  if (slot > 2) fail(Sct.CommandSpecific, SpecificSc.InvalidFirmwareSlot, `slot ${fs}`);
  if (ca > 3) fail(Sct.Generic, GenericSc.InvalidField, `commit action ${ca}`);
  if (ca !== 2) {
    if (ctrl.firmwareImage.length === 0)
      fail(Sct.CommandSpecific, SpecificSc.InvalidFirmwareImage, "no image downloaded");
    // The revision is the image's first 8 bytes when printable ASCII, as a test can choose it.
    const head = Array.from(ctrl.firmwareImage.subarray(0, 8));
    const printable = head.every((c) => c >= 0x20 && c < 0x7f);
    ctrl.firmwareSlots[slot - 1] = printable ? String.fromCharCode(...head).trim() : "FAKEFW02";
    ctrl.firmwareImage = new Uint8Array(0);
  } else if (ctrl.firmwareSlots[slot - 1] === "") {
    fail(Sct.CommandSpecific, SpecificSc.InvalidFirmwareSlot, `slot ${slot} is empty`);
  }
  if (ca === 1 || ca === 2) ctrl.nextFirmwareSlot = slot;
  if (ca === 3) ctrl.activateFirmware(slot);
  return 0;
}
