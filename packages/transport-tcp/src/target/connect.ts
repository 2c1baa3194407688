/**
 * The Fabrics Connect of a queue that is not connected yet, checked as Linux's target checks it:
 * RECFMT 0; an admin Connect names cntlid 0xFFFF, an existing subsystem (else Connect Invalid
 * Parameters, IATTR data, IPO 256) and an allowed host (else Connect Invalid Host, IPO 512), and
 * creates a controller; an I/O Connect names a live controller of the same host and subsystem (IPO
 * 16), a queue ID within the granted queues and not connected yet (IPO 42); both need 1 ≤ SQSIZE <
 * CAP.MQES + 1 (IPO 44). Any other command on an unconnected queue is a Command Sequence Error.
 * Target thread only.
 * @module
 */
import {
  CONNECT_CATTR_DISABLE_SQ_FLOW,
  CONNECT_DATA_SIZE,
  ConnectCommandOffset,
  ConnectDataOffset,
  DISCOVERY_NQN,
  decodeConnectCommand,
  decodeConnectData,
  encodeInvalidParameter,
  FABRICS_OPCODE,
  FabricsCommandType,
  FabricsStatus,
  fabricsCommandType,
  GenericStatus,
} from "@nvmekit/core/nvme-spec";
import { ADMIN_IN_CAPSULE_DATA_SIZE } from "../pdu/constants.js";
import { AdminHandler } from "./admin.js";
import type { TargetContext } from "./context.js";
import type { DiscoveryPort } from "./discovery-log.js";
import { IoHandler } from "./io.js";
import {
  type CommandHandler,
  type CommandResult,
  generic,
  SEQUENCE_ERROR,
  specific,
  type TargetRequest,
} from "./request.js";
import type { QueueLink, VirtualController } from "./virtual-controller.js";

/** What a connection offers the Connect: where it is, and how to bind it once connected. */
export interface QueueBinder extends QueueLink {
  /** "address:port" of the host. */
  readonly peer: string;
  /** Where the host reached the target. */
  readonly localPort: DiscoveryPort;
  /**
   * The queue is connected: from now on `handler` takes its commands.
   * @param sqsize 0's based queue size
   * @param sqFlowDisabled the host asked for SQ flow control off (SQHD reported as 0xFFFF)
   */
  bind(
    ctrl: VirtualController,
    qid: number,
    sqsize: number,
    sqFlowDisabled: boolean,
    handler: CommandHandler,
  ): void;
}

/** The handler of a queue before its Connect. */
export class ConnectHandler implements CommandHandler {
  /** The 1024 bytes of Connect data always fit: both the admin and the I/O in-capsule sizes are allowed. */
  readonly inCapsuleSize: number;

  constructor(
    private readonly ctx: TargetContext,
    private readonly queue: QueueBinder,
  ) {
    this.inCapsuleSize = Math.max(ADMIN_IN_CAPSULE_DATA_SIZE, ctx.settings.inCapsuleDataSize);
  }

  prepare(req: TargetRequest): number {
    const cmd = req.cmd;
    if (cmd.opcode !== FABRICS_OPCODE || fabricsCommandType(cmd) !== FabricsCommandType.Connect) {
      return SEQUENCE_ERROR;
    }
    if (req.length !== CONNECT_DATA_SIZE) return generic(GenericStatus.DataSglLengthInvalid);
    return 0;
  }

  execute(req: TargetRequest): CommandResult {
    const c = decodeConnectCommand(req.cmd);
    if (c.recfmt !== 0)
      return this.reject(specific(FabricsStatus.IncompatibleFormat), 0, `RECFMT ${c.recfmt}`);
    const d = decodeConnectData(req.data!);
    const s = this.ctx.settings;
    const flowOff = (c.cattr & CONNECT_CATTR_DISABLE_SQ_FLOW) !== 0;
    if (c.sqsize === 0 || c.sqsize >= s.maxQueueEntries) {
      return this.invalid(
        false,
        ConnectCommandOffset.Sqsize,
        `SQSIZE ${c.sqsize} (at most ${s.maxQueueEntries - 1})`,
      );
    }
    const discovery = d.subnqn === DISCOVERY_NQN;
    if (c.qid === 0) {
      if (d.cntlid !== 0xffff) {
        return this.invalid(
          true,
          ConnectDataOffset.Cntlid,
          `admin Connect with cntlid 0x${d.cntlid.toString(16)}`,
        );
      }
      if (!discovery && d.subnqn !== s.subnqn) {
        return this.invalid(true, ConnectDataOffset.Subnqn, `no subsystem ${d.subnqn}`);
      }
      if (d.hostnqn === "") return this.invalid(true, ConnectDataOffset.Hostnqn, "empty host NQN");
      if (!discovery && !this.ctx.hostAllowed(d.hostnqn)) {
        return this.reject(
          specific(FabricsStatus.ConnectInvalidHost),
          encodeInvalidParameter(true, ConnectDataOffset.Hostnqn),
          `host ${d.hostnqn} is not allowed`,
        );
      }
      const ctrl = this.ctx.createController({
        discovery,
        subnqn: d.subnqn,
        hostnqn: d.hostnqn,
        hostid: d.hostid,
        katoMs: c.katoMs,
      });
      ctrl.admin = this.queue;
      this.queue.bind(ctrl, 0, c.sqsize, flowOff, new AdminHandler(ctrl, this.ctx, this.queue.localPort));
      return { status: 0, dw0: ctrl.cntlid };
    }
    if (d.subnqn !== s.subnqn)
      return this.invalid(true, ConnectDataOffset.Subnqn, `no subsystem ${d.subnqn}`);
    const ctrl = this.ctx.controller(d.cntlid);
    if (ctrl === undefined || !ctrl.live || ctrl.hostnqn !== d.hostnqn || ctrl.subnqn !== d.subnqn) {
      return this.invalid(true, ConnectDataOffset.Cntlid, `no controller ${d.cntlid} of host ${d.hostnqn}`);
    }
    if (c.qid > ctrl.grantedIoQueues) {
      return this.invalid(
        false,
        ConnectCommandOffset.Qid,
        `queue ${c.qid} beyond the ${ctrl.grantedIoQueues} granted`,
      );
    }
    if (ctrl.ioQueues.has(c.qid))
      return this.reject(SEQUENCE_ERROR, 0, `queue ${c.qid} is connected already`);
    ctrl.ioQueues.set(c.qid, this.queue);
    this.queue.bind(ctrl, c.qid, c.sqsize, flowOff, new IoHandler(ctrl, this.ctx));
    return { status: 0, dw0: ctrl.cntlid };
  }

  private invalid(inData: boolean, offset: number, reason: string): CommandResult {
    return this.reject(
      specific(FabricsStatus.ConnectInvalidParameters),
      encodeInvalidParameter(inData, offset),
      reason,
    );
  }

  private reject(status: number, dw0: number, reason: string): CommandResult {
    this.ctx.emit({ type: "connect-rejected", peer: this.queue.peer, reason });
    return { status, dw0 };
  }
}
