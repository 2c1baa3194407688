/**
 * An I/O queue of a connected controller: each NVM command (Read, Write, Compare, Flush, Write
 * Zeroes, Write Uncorrectable, Dataset Management, Verify) is checked against its namespace (a
 * Dataset Management transfer may be longer than its ranges, as Linux's host sends it), given a DMA
 * buffer of the backend for its data, and forwarded as a raw command on a backend queue pair,
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
/** The most a Dataset Management transfer can hold: 256 ranges of 16 bytes. */
const DSM_MAX_BYTES = 256 * 16;

/** Bytes of the ranges a Dataset Management command names (CDW10 NR, 0's based). */
function dsmBytes(cdw10: number): number {
  return ((cdw10 & 0xff) + 1) * 16;
}

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
    if (cmd.opcode === NvmOpcode.DatasetManagement) {
      // Linux's host (6.1 at least) sends its whole range buffer, up to 256 ranges, whatever NR says:
      // a one-range discard moves more than 16 bytes. Linux's target accepts a transfer at least as
      // long as the ranges; so do we, and the backend gets the ranges only.
      if (req.length < expected || req.length > DSM_MAX_BYTES) return SGL_LENGTH_INVALID;
    } else if (req.length !== expected) {
      return SGL_LENGTH_INVALID;
    }
    if (expected === 0) return 0;
    if (req.length > this.ctx.backend.maxTransferSize) return INVALID_FIELD;
    const backend = this.ctx.backend;
    try {
      // The whole transfer lands in DMA memory; the backend is given the bytes the command uses.
      const buf = backend.allocBuffer(req.length);
      req.data = buf.bytes.subarray(0, req.length);
      req.release = () => backend.freeBuffer(buf);
    } catch (e) {
      return statusOf(e, this.ctx).status || INTERNAL_ERROR;
    }
    return 0;
  }

  async execute(req: TargetRequest): Promise<CommandResult> {
    try {
      const qp = await this.ctx.queues.get();
      const data =
        req.data !== null && req.cmd.opcode === NvmOpcode.DatasetManagement
          ? req.data.subarray(0, dsmBytes(req.cmd.cdw10))
          : req.data;
      const dw0 = await this.ctx.track(this.ctx.backend.ioRaw(qp, backendCommand(req.cmd), data));
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
        return dsmBytes(cmd.cdw10);
      default:
        return -INVALID_OPCODE;
    }
  }
}
