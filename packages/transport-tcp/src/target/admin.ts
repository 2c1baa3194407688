/**
 * The admin queue of a connected controller: Fabrics Property Get/Set on the virtual register file,
 * the commands that concern the controller's own state (Identify Controller, Number of Queues, Keep
 * Alive Timer, Async Event Configuration, Keep Alive, Asynchronous Event Request, Abort), the
 * discovery log on a discovery controller, and Identify Namespace / namespace lists / error, SMART,
 * firmware and changed-namespace logs / harmless features passed to the backend (Identify Namespace
 * with NMIC saying "shared": every host's controller reaches the same namespaces). Anything else is
 * Invalid Command Opcode. Target thread only.
 * @module
 */
import {
  AdminOpcode,
  Cns,
  CommandSpecificStatus,
  decodePropertyCommand,
  FABRICS_OPCODE,
  FabricsCommandType,
  FeatureId,
  fabricsCommandType,
  GenericStatus,
  LogPageId,
} from "@nvmekit/core/nvme-spec";
import { ADMIN_IN_CAPSULE_DATA_SIZE } from "../pdu/constants.js";
import type { TargetContext } from "./context.js";
import { buildDiscoveryLog, type DiscoveryPort, discoveryEntries } from "./discovery-log.js";
import { forwardAdmin } from "./forward.js";
import { ASYNC_EVENT_LIMIT, discoveryControllerIdentify, ioControllerIdentify } from "./identify.js";
import {
  type CommandHandler,
  type CommandResult,
  fail,
  generic,
  INVALID_FIELD,
  INVALID_OPCODE,
  SEQUENCE_ERROR,
  SUCCESS,
  specific,
  type TargetRequest,
} from "./request.js";
import type { VirtualController } from "./virtual-controller.js";

/** Identify CNS values passed to the backend on an I/O controller. */
const FORWARDED_CNS = new Set<number>([
  Cns.Namespace,
  Cns.ActiveNamespaceList,
  Cns.NamespaceDescriptorList,
  Cns.IoCommandSetNamespace,
  Cns.IoCommandSetController,
  Cns.IoCommandSetActiveNamespaceList,
  Cns.IoCommandSetIndependentNamespace,
]);

/** Log pages passed to the backend on an I/O controller. */
const FORWARDED_LOGS = new Set<number>([
  LogPageId.ErrorInformation,
  LogPageId.SmartHealth,
  LogPageId.FirmwareSlot,
  LogPageId.ChangedNamespaceList,
]);

/** Features without data passed to the backend on an I/O controller (Get and Set). */
const FORWARDED_FEATURES = new Set<number>([
  FeatureId.Arbitration,
  FeatureId.PowerManagement,
  FeatureId.TemperatureThreshold,
  FeatureId.ErrorRecovery,
  FeatureId.VolatileWriteCache,
  FeatureId.InterruptCoalescing,
  FeatureId.WriteAtomicityNormal,
]);

/**
 * Where NMIC is in the Identify Namespace structures passed on. Every controller of the subsystem
 * (one per host association) reaches the same backend namespaces, so they are shared (NMIC bit 0),
 * as Linux's target reports them: Linux's host refuses a second path to an unshared namespace
 * ("Duplicate unshared namespace").
 */
const NMIC_OFFSET = new Map<number, number>([
  [Cns.Namespace, 30],
  [Cns.IoCommandSetIndependentNamespace, 1],
]);
const NMIC_SHARED = 1;

const IDENTIFY_SIZE = 4096;
/** Set Features CDW10 bit 31: save the value across power cycles (not supported). */
const SAVE = 0x8000_0000;

/** Bytes a Get Log Page asks for (NUMD, 0's based dwords). */
function logBytes(cdw10: number, cdw11: number): number {
  return ((cdw10 >>> 16) + (cdw11 & 0xffff) * 0x10000 + 1) * 4;
}

/** The admin queue of one controller. */
export class AdminHandler implements CommandHandler {
  readonly inCapsuleSize = ADMIN_IN_CAPSULE_DATA_SIZE;
  private identify: Uint8Array | null = null;

  /**
   * @param ctrl the controller the queue belongs to
   * @param ctx the target
   * @param port where the host reached the target (the discovery log's address)
   */
  constructor(
    private readonly ctrl: VirtualController,
    private readonly ctx: TargetContext,
    private readonly port: DiscoveryPort,
  ) {}

  prepare(req: TargetRequest): number {
    const cmd = req.cmd;
    if (cmd.opcode === FABRICS_OPCODE) {
      const fctype = fabricsCommandType(cmd);
      if (fctype === FabricsCommandType.PropertyGet || fctype === FabricsCommandType.PropertySet) return 0;
      return fctype === FabricsCommandType.Connect ? SEQUENCE_ERROR : INVALID_OPCODE;
    }
    if (!this.ctrl.properties.ready) return SEQUENCE_ERROR;
    switch (cmd.opcode) {
      case AdminOpcode.Identify:
      case AdminOpcode.GetLogPage:
      case AdminOpcode.SetFeatures:
      case AdminOpcode.GetFeatures:
      case AdminOpcode.KeepAlive:
      case AdminOpcode.AsyncEventRequest:
      case AdminOpcode.Abort:
        break;
      default:
        return INVALID_OPCODE;
    }
    if (req.length > Math.max(this.ctx.backend.maxTransferSize, IDENTIFY_SIZE)) return INVALID_FIELD;
    return 0;
  }

  execute(req: TargetRequest): Promise<CommandResult> | CommandResult {
    const cmd = req.cmd;
    if (cmd.opcode === FABRICS_OPCODE) return this.property(req);
    switch (cmd.opcode) {
      case AdminOpcode.Identify:
        return this.identifyCommand(req);
      case AdminOpcode.GetLogPage:
        return this.getLogPage(req);
      case AdminOpcode.SetFeatures:
        return this.setFeatures(req);
      case AdminOpcode.GetFeatures:
        return this.getFeatures(req);
      case AdminOpcode.KeepAlive:
        return SUCCESS; // the connection restarted the timer when the command arrived
      case AdminOpcode.AsyncEventRequest:
        if (this.ctrl.heldAsyncEvents > ASYNC_EVENT_LIMIT) {
          return fail(specific(CommandSpecificStatus.AsyncEventRequestLimitExceeded));
        }
        return this.ctrl.holdAsyncEvent();
      case AdminOpcode.Abort:
        return { status: 0, dw0: 1 }; // not aborted: commands here do not wait in a queue
      default:
        return fail(INVALID_OPCODE);
    }
  }

  private property(req: TargetRequest): CommandResult {
    const p = decodePropertyCommand(req.cmd);
    if (p.size === 0) return fail(INVALID_FIELD);
    if (fabricsCommandType(req.cmd) === FabricsCommandType.PropertySet) {
      return fail(this.ctrl.properties.set(p.offset, p.size, p.value));
    }
    const got = this.ctrl.properties.get(p.offset, p.size);
    if (got.status !== 0) return fail(got.status);
    return { status: 0, dw0: Number(got.value & 0xffff_ffffn), dw1: Number(got.value >> 32n) };
  }

  private identifyCommand(req: TargetRequest): Promise<CommandResult> | CommandResult {
    const cns = req.cmd.cdw10 & 0xff;
    if (req.length < IDENTIFY_SIZE) return fail(generic(GenericStatus.DataSglLengthInvalid));
    if (cns === Cns.Controller) {
      this.identify ??= this.buildIdentify();
      req.data!.set(this.identify);
      return { status: 0, dataLength: IDENTIFY_SIZE };
    }
    if (this.ctrl.discovery || !FORWARDED_CNS.has(cns)) return fail(INVALID_FIELD);
    const forwarded = forwardAdmin(this.ctx, req.cmd, IDENTIFY_SIZE, req.data);
    const nmic = NMIC_OFFSET.get(cns);
    if (nmic === undefined) return forwarded;
    return forwarded.then((r) => {
      if (r.status === 0) req.data![nmic] = req.data![nmic]! | NMIC_SHARED;
      return r;
    });
  }

  private buildIdentify(): Uint8Array {
    const s = this.ctx.settings;
    const id = {
      cntlid: this.ctrl.cntlid,
      subnqn: this.ctrl.subnqn,
      inCapsuleDataSize: s.inCapsuleDataSize,
      maxTransferSize: this.ctx.backend.maxTransferSize,
      maxCommands: s.maxQueueEntries,
    };
    return this.ctrl.discovery
      ? discoveryControllerIdentify(id)
      : ioControllerIdentify(this.ctx.backend.data.raw, id);
  }

  private getLogPage(req: TargetRequest): Promise<CommandResult> | CommandResult {
    const cmd = req.cmd;
    const lid = cmd.cdw10 & 0xff;
    const bytes = logBytes(cmd.cdw10, cmd.cdw11);
    if (req.length < bytes) return fail(generic(GenericStatus.DataSglLengthInvalid));
    if (this.ctrl.discovery) {
      if (lid !== LogPageId.Discovery) return fail(INVALID_FIELD);
      return this.discoveryLog(req, bytes);
    }
    if (!FORWARDED_LOGS.has(lid) || bytes > this.ctx.backend.maxTransferSize) return fail(INVALID_FIELD);
    return forwardAdmin(this.ctx, cmd, bytes, req.data);
  }

  private discoveryLog(req: TargetRequest, bytes: number): CommandResult {
    const offset = req.cmd.cdw12 + req.cmd.cdw13 * 0x1_0000_0000;
    const log = buildDiscoveryLog(discoveryEntries(this.ctx.settings.subnqn, this.port, 32));
    if (offset % 4 !== 0 || offset > log.length) return fail(INVALID_FIELD);
    const data = req.data!;
    const n = Math.min(bytes, log.length - offset);
    data.set(log.subarray(offset, offset + n));
    data.fill(0, n, bytes);
    return { status: 0, dataLength: bytes };
  }

  private setFeatures(req: TargetRequest): Promise<CommandResult> | CommandResult {
    const cmd = req.cmd;
    const fid = cmd.cdw10 & 0xff;
    if ((cmd.cdw10 & SAVE) !== 0) return fail(specific(CommandSpecificStatus.FeatureNotSaveable));
    switch (fid) {
      case FeatureId.KeepAliveTimer:
        this.ctrl.setKeepAliveTimeout(cmd.cdw11);
        return SUCCESS;
      case FeatureId.AsyncEventConfiguration:
        this.ctrl.asyncEventConfig = cmd.cdw11;
        return SUCCESS;
      case FeatureId.NumberOfQueues: {
        if (this.ctrl.discovery) return fail(INVALID_FIELD);
        const nsqr = cmd.cdw11 & 0xffff;
        const ncqr = cmd.cdw11 >>> 16;
        if (nsqr === 0xffff || ncqr === 0xffff) return fail(INVALID_FIELD);
        const n = this.ctrl.requestIoQueues(Math.min(nsqr, ncqr) + 1) - 1;
        return { status: 0, dw0: (n | (n << 16)) >>> 0 };
      }
      default:
        if (this.ctrl.discovery || !FORWARDED_FEATURES.has(fid) || req.length > 0) return fail(INVALID_FIELD);
        return forwardAdmin(this.ctx, cmd, 0, null);
    }
  }

  private getFeatures(req: TargetRequest): Promise<CommandResult> | CommandResult {
    const fid = req.cmd.cdw10 & 0xff;
    switch (fid) {
      case FeatureId.KeepAliveTimer:
        return { status: 0, dw0: this.ctrl.keepAliveTimeoutMs };
      case FeatureId.AsyncEventConfiguration:
        return { status: 0, dw0: this.ctrl.asyncEventConfig };
      case FeatureId.NumberOfQueues: {
        if (this.ctrl.discovery) return fail(INVALID_FIELD);
        const n = this.ctrl.grantedIoQueues - 1;
        return { status: 0, dw0: (n | (n << 16)) >>> 0 };
      }
      default:
        if (this.ctrl.discovery || !FORWARDED_FEATURES.has(fid) || req.length > 0) return fail(INVALID_FIELD);
        return forwardAdmin(this.ctx, req.cmd, 0, null);
    }
  }
}
