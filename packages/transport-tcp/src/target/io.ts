/**
 * An I/O queue of a connected controller: each NVM command (Read, Write, Compare, Flush, Write
 * Zeroes, Write Uncorrectable, Dataset Management, Verify) is checked against its namespace, given
 * a DMA buffer of the backend for its data, and forwarded as a raw command on a backend queue pair,
 * its status passed back as the backend gave it. Target thread only.
 * @module
 */
import {
  FABRICS_OPCODE,
  FabricsCommandType,
  fabricsCommandType,
  GenericStatus,
  NvmOpcode,
} from "@nvmekit/core/nvme-spec";
import type { TargetContext } from "./context.js";
import { backendCommand, statusOf } from "./forward.js";
import {
  type CommandHandler,
  type CommandResult,
  generic,
  INTERNAL_ERROR,
  INVALID_FIELD,
  INVALID_OPCODE,
  SEQUENCE_ERROR,
  type TargetRequest,
} from "./request.js";
import type { VirtualController } from "./virtual-controller.js";

const INVALID_NAMESPACE = generic(GenericStatus.InvalidNamespaceOrFormat);
const SGL_LENGTH_INVALID = generic(GenericStatus.DataSglLengthInvalid);

/** The I/O queues of one controller (one handler per queue). */
export class IoHandler implements CommandHandler {
  readonly inCapsuleSize: number;

  constructor(
    private readonly ctrl: VirtualController,
    private readonly ctx: TargetContext,
  ) {
    this.inCapsuleSize = ctx.settings.inCapsuleDataSize;
  }

  prepare(req: TargetRequest): number {
    const cmd = req.cmd;
    if (cmd.opcode === FABRICS_OPCODE) {
      return fabricsCommandType(cmd) === FabricsCommandType.Connect ? SEQUENCE_ERROR : INVALID_OPCODE;
    }
    if (!this.ctrl.properties.ready) return SEQUENCE_ERROR;
    const expected = this.dataLength(req);
    if (expected < 0) return -expected;
    if (req.length !== expected) return SGL_LENGTH_INVALID;
    if (expected === 0) return 0;
    if (expected > this.ctx.backend.maxTransferSize) return INVALID_FIELD;
    const backend = this.ctx.backend;
    try {
      const buf = backend.allocBuffer(expected);
      req.data = buf.bytes.subarray(0, expected);
      req.release = () => backend.freeBuffer(buf);
    } catch (e) {
      return statusOf(e, this.ctx).status || INTERNAL_ERROR;
    }
    return 0;
  }

  async execute(req: TargetRequest): Promise<CommandResult> {
    try {
      const qp = await this.ctx.queues.get();
      const dw0 = await this.ctx.track(this.ctx.backend.ioRaw(qp, backendCommand(req.cmd), req.data));
      return { status: 0, dw0 };
    } catch (e) {
      return statusOf(e, this.ctx);
    }
  }

  /** Bytes of data the command moves, or a negated status when it is not one to forward. */
  private dataLength(req: TargetRequest): number {
    const cmd = req.cmd;
    switch (cmd.opcode) {
      case NvmOpcode.Flush:
        return 0;
      case NvmOpcode.Read:
      case NvmOpcode.Write:
      case NvmOpcode.Compare: {
        const ns = this.ctx.backend.getNamespace(cmd.nsid);
        if (ns === undefined || !ns.isActive) return -INVALID_NAMESPACE;
        return ((cmd.cdw12 & 0xffff) + 1) * ns.extendedBlockSize;
      }
      case NvmOpcode.WriteZeroes:
      case NvmOpcode.WriteUncorrectable:
      case NvmOpcode.Verify:
        return 0;
      case NvmOpcode.DatasetManagement:
        return ((cmd.cdw10 & 0xff) + 1) * 16;
      default:
        return -INVALID_OPCODE;
    }
  }
}
