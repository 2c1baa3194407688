/**
 * A {@link TransportConnection} to one {@link InThreadController}: register access, the admin queue's
 * rings for the core to program into ASQ/ACQ, and I/O queues created with real Create I/O CQ/SQ
 * commands sent through the core's admin channel.
 * @module
 */

import { type DmaAllocator, TransportError } from "@nvmekit/core";
import { NvmeCommand } from "@nvmekit/core/nvme-spec";
import type {
  AdminChannel,
  AdminQueueSetup,
  IoQueueRequest,
  QueuePort,
  RegisterAccess,
  TransportConnection,
} from "@nvmekit/core/transport";
import type { Observable } from "rxjs";
import { AdminOpc } from "../nvme-raw.js";
import type { InThreadController } from "./in-thread-controller.js";
import { InThreadQueuePort } from "./in-thread-queue-port.js";

const TWO_POW_32 = 0x1_0000_0000;

/** Register access straight to the controller model (the PCIe BAR0 of a PCIe controller). */
class InThreadRegisters implements RegisterAccess {
  constructor(private readonly controller: InThreadController) {}

  async read32(offset: number): Promise<number> {
    return this.controller.read32(offset);
  }

  async read64(offset: number): Promise<bigint> {
    return this.controller.read64(offset);
  }

  async write32(offset: number, value: number): Promise<void> {
    this.controller.write32(offset, value);
  }

  async write64(offset: number, value: bigint): Promise<void> {
    this.controller.write64(offset, value);
  }
}

// Writes a 64-bit address into dwords `lo` and `lo + 1` of a command.
function putAddress(dw: Uint32Array, lo: number, iova: number): void {
  dw[lo] = (iova % TWO_POW_32) >>> 0;
  dw[lo + 1] = Math.floor(iova / TWO_POW_32);
}

/** A live connection to an in-thread software controller. */
export class InThreadConnection implements TransportConnection {
  /** Register access. */
  readonly registers: RegisterAccess;
  /** The controller's DMA arena. */
  readonly dma: DmaAllocator;
  /** the in-thread controller has no controller memory buffer. */
  readonly cmbSqSupported = false;
  /** Emits when the controller is surprise-removed. */
  readonly removed$: Observable<void>;
  /** The current admin queue's host side, once created. */
  adminPort: InThreadQueuePort | undefined;
  /** Live I/O queues' host sides by QID. */
  readonly ioPorts = new Map<number, InThreadQueuePort>();
  private closed = false;

  /**
   * @param controller the controller this connection reaches
   * @param onClose called once when the connection closes
   */
  constructor(
    readonly controller: InThreadController,
    private readonly onClose?: () => void,
  ) {
    this.registers = new InThreadRegisters(controller);
    this.dma = controller.arena;
    this.removed$ = controller.removed$;
  }

  /** Allocates admin rings of `depth` entries; the controller will insist on them at enable. */
  async createAdminQueue(depth: number): Promise<AdminQueueSetup> {
    this.checkOpen();
    if (!Number.isInteger(depth) || depth < 2 || depth > 4096) {
      throw new TransportError(
        `in-thread transport: admin queue depth ${depth} outside 2..4096 (AQA allows 4096)`,
      );
    }
    await this.adminPort?.release();
    const arena = this.controller.arena;
    const rings = { sq: arena.alloc(depth * 64), cq: arena.alloc(depth * 16) };
    const port = new InThreadQueuePort(0, depth, rings, this.controller, arena, () => {
      if (this.adminPort === port) this.adminPort = undefined;
    });
    this.adminPort = port;
    this.controller.expectAdminRings(rings.sq.iova, rings.cq.iova, depth);
    return { port, rings: { sqIova: rings.sq.iova, cqIova: rings.cq.iova } };
  }

  /**
   * Allocates the rings, then sends Create I/O Completion Queue (opcode 05h) and Create I/O Submission
   * Queue (01h) through `admin`, with the command dwords written here from the specification.
   */
  async createIoQueue(request: IoQueueRequest, admin: AdminChannel): Promise<QueuePort> {
    this.checkOpen();
    const { qid, depth } = request;
    if (request.useCmbSq)
      throw new TransportError("in-thread transport: no controller memory buffer for SQs");
    if (this.ioPorts.has(qid))
      throw new TransportError(`in-thread transport: I/O queue ${qid} already exists`);
    const arena = this.controller.arena;
    const cqRing = arena.alloc(depth * 16);
    const sqRing = arena.alloc(depth * 64);
    // Both commands are built here from raw dwords, never with the core's encoders.
    const createCq = new NvmeCommand();
    createCq.dw[0] = AdminOpc.CreateIoCq; // CDW0: opcode 7:0, PSDT 00b (PRP); the core fills the CID
    putAddress(createCq.dw, 6, cqRing.iova); // PRP1: the ring, physically contiguous
    createCq.dw[10] = (((depth - 1) << 16) | qid) >>> 0; // QSIZE 31:16 (0-based) | QID 15:0
    createCq.dw[11] = 0x1; // IV 31:16 = 0, IEN bit 1 = 0 (polled), PC bit 0 = 1
    const createSq = new NvmeCommand();
    createSq.dw[0] = AdminOpc.CreateIoSq;
    putAddress(createSq.dw, 6, sqRing.iova);
    createSq.dw[10] = (((depth - 1) << 16) | qid) >>> 0;
    createSq.dw[11] = ((qid << 16) | ((request.priority & 0x3) << 1) | 0x1) >>> 0; // CQID | QPRIO | PC
    try {
      // No data buffer: PRP1 is the ring, set above, and the core leaves a data pointer it was not given alone.
      await admin.execute(createCq);
    } catch (e) {
      arena.free(cqRing);
      arena.free(sqRing);
      throw e;
    }
    try {
      await admin.execute(createSq);
    } catch (e) {
      await this.deleteQueue(AdminOpc.DeleteIoCq, qid, admin).catch(() => undefined);
      arena.free(cqRing);
      arena.free(sqRing);
      throw e;
    }
    const port = new InThreadQueuePort(qid, depth, { sq: sqRing, cq: cqRing }, this.controller, arena, () => {
      if (this.ioPorts.get(qid) === port) this.ioPorts.delete(qid);
    });
    this.ioPorts.set(qid, port);
    return port;
  }

  /** Sends Delete I/O Submission Queue (00h) then Delete I/O Completion Queue (04h), then frees the rings. */
  async deleteIoQueue(port: QueuePort, admin: AdminChannel): Promise<void> {
    await this.deleteQueue(AdminOpc.DeleteIoSq, port.qid, admin);
    await this.deleteQueue(AdminOpc.DeleteIoCq, port.qid, admin);
    await port.release();
  }

  private async deleteQueue(opcode: number, qid: number, admin: AdminChannel): Promise<void> {
    const cmd = new NvmeCommand();
    cmd.dw[0] = opcode;
    cmd.dw[10] = qid; // CDW10: QID 15:0
    await admin.execute(cmd);
  }

  /** Frees every ring still held and ends the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const port of [...this.ioPorts.values()]) await port.release();
    await this.adminPort?.release();
    this.onClose?.();
  }

  private checkOpen(): void {
    if (this.closed) throw new TransportError("in-thread transport: connection is closed; connect again");
  }
}
