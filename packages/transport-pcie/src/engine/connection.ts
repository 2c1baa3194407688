/**
 * A PCIe connection to one controller through the PCI-device port: BAR0 registers, the device's DMA
 * memory, and queue pairs whose rings the core's initialisation (admin) and Create I/O CQ/SQ commands
 * (I/O) hand to the controller.
 * @module
 */

import { type DmaAllocator, InvalidArgumentError, TransportError } from "@nvmekit/core";
import { commands as cmds, decodeCap, NvmeCommand, Register } from "@nvmekit/core/nvme-spec";
import type {
  AdminChannel,
  AdminQueueSetup,
  ExportedIoQueue,
  IoQueueRequest,
  QueuePort,
  TransportConnection,
} from "@nvmekit/core/transport";
import type { InterruptVector, PciDevice } from "@nvmekit/pci-port";
import type { Observable } from "rxjs";
import { BarRegisters } from "./bar-registers.js";
import { ControllerMemoryBuffer } from "./cmb.js";
import { PcieQueuePort } from "./queue-port.js";
import { ShadowDoorbellPages } from "./shadow-doorbells.js";
import { asWords } from "./shared-memory.js";
import { describeWorkerQueue } from "./worker-queue.js";

/** Most MSI-X vectors enabled: one for the admin queue and one per I/O queue up to this. */
const MAX_VECTORS = 64;
/** Bytes per submission / completion queue entry (IOSQES 6, IOCQES 4). */
const SQE_BYTES = 64;
const CQE_BYTES = 16;

/** What Create I/O CQ/SQ told the controller about a queue: enough to create it again after a reset. */
interface QueueCreation {
  readonly request: IoQueueRequest;
  /** Bus address of the completion ring. */
  readonly cqAddress: number;
  /** Bus address of the submission ring (DMA memory or the CMB). */
  readonly sqAddress: number;
  /** The MSI-X vector of the completion queue, if it raises interrupts. */
  readonly vector: InterruptVector | undefined;
}

/** A controller reached over PCIe. */
export class PcieConnection implements TransportConnection {
  /** BAR0 registers. */
  readonly registers: BarRegisters;
  /** The device's DMA memory. */
  readonly dma: DmaAllocator;
  /** Whether submission queues can live in the controller memory buffer. */
  readonly cmbSqSupported: boolean;
  /** Emits once when the device goes away. */
  readonly removed$: Observable<void>;
  private readonly bar: Uint32Array;
  private readonly dstrd: number;
  private readonly cmb: ControllerMemoryBuffer | null;
  private vectors: InterruptVector[] | null = null;
  /** Shadow doorbell pages while the controller uses them (after enableShadowDoorbells). */
  private shadow: ShadowDoorbellPages | null = null;
  private closed = false;
  /** How each I/O queue was created, for exported queues a reset must bring back on the same rings. */
  private readonly creations = new WeakMap<QueuePort, QueueCreation>();

  /** @param device the PCI function, already opened */
  constructor(readonly device: PciDevice) {
    const bar0 = device.bar(0);
    if (bar0 === null)
      throw new TransportError(`${device.address}: BAR0 is not mapped; is this an NVMe function?`);
    this.bar = bar0.u32;
    this.registers = new BarRegisters(bar0.u32);
    this.dma = device.dma;
    const cap = decodeCap(
      (BigInt(this.registers.readNow(Register.CAP + 4)) << 32n) |
        BigInt(this.registers.readNow(Register.CAP)),
    );
    this.dstrd = cap.dstrd;
    this.cmb = ControllerMemoryBuffer.open(device, this.registers);
    this.cmbSqSupported = this.cmb !== null;
    this.removed$ = device.removed$;
  }

  /** Allocates the admin rings; the core programs AQA/ASQ/ACQ from the returned IOVAs. */
  async createAdminQueue(depth: number): Promise<AdminQueueSetup> {
    const sq = this.dma.alloc(depth * SQE_BYTES);
    const cq = this.dma.alloc(depth * CQE_BYTES);
    const port = this.port(0, depth, asWords(sq.bytes), asWords(cq.bytes), async () => {
      this.dma.free(sq);
      this.dma.free(cq);
    });
    return { port, rings: { sqIova: sq.iova, cqIova: cq.iova } };
  }

  /**
   * Hands the controller a Shadow Doorbell and an EventIdx page (allocated once, zeroed each time: a
   * reset makes the controller forget them). I/O queues created afterwards use them; the admin queue
   * keeps its doorbell registers, as Linux does, since it is created before the pages exist.
   */
  async enableShadowDoorbells(admin: AdminChannel): Promise<void> {
    const pages = this.shadow ?? ShadowDoorbellPages.allocate(this.dma);
    this.shadow = null;
    try {
      await pages.configure(admin);
    } catch (e) {
      pages.free(this.dma);
      throw e;
    }
    this.shadow = pages;
  }

  /** Allocates the rings and sends Create I/O Completion Queue, then Create I/O Submission Queue. */
  async createIoQueue(request: IoQueueRequest, admin: AdminChannel): Promise<QueuePort> {
    const { qid, depth } = request;
    const cq = this.dma.alloc(depth * CQE_BYTES);
    const cmbSq = request.useCmbSq && this.cmb !== null ? this.cmb.alloc(depth * SQE_BYTES) : null;
    const sq = cmbSq === null ? this.dma.alloc(depth * SQE_BYTES) : null;
    const freeRings = async (): Promise<void> => {
      this.dma.free(cq);
      if (sq !== null) this.dma.free(sq);
      if (cmbSq !== null) this.cmb!.free(cmbSq);
    };
    const creation: QueueCreation = {
      request,
      cqAddress: cq.iova,
      sqAddress: sq !== null ? sq.iova : cmbSq!.busAddress,
      vector: request.interrupts ? this.vectorFor(qid) : undefined,
    };
    try {
      await this.createOnController(creation, admin);
    } catch (e) {
      await freeRings();
      throw e;
    }
    const port = this.port(
      qid,
      depth,
      sq !== null ? asWords(sq.bytes) : cmbSq!.u32,
      asWords(cq.bytes),
      freeRings,
      creation.vector,
    );
    this.creations.set(port, creation);
    return port;
  }

  /** Sends Create I/O Completion Queue, then Create I/O Submission Queue (deleting the CQ if that fails). */
  private async createOnController(creation: QueueCreation, admin: AdminChannel): Promise<void> {
    const { qid, depth, priority } = creation.request;
    const vector = creation.vector;
    this.shadow?.resetQueue(qid, this.dstrd);
    const cmd = new NvmeCommand();
    cmds.createIoCq(cmd, qid, depth, {
      physicallyContiguous: true,
      interruptsEnabled: vector !== undefined,
      vector: vector?.vector ?? 0,
    });
    cmd.prp1 = creation.cqAddress;
    await admin.execute(cmd);
    cmds.createIoSq(cmd, qid, depth, qid, priority, true);
    cmd.prp1 = creation.sqAddress;
    await admin.execute(cmd).catch(async (e) => {
      await admin.execute(cmds.deleteIoCq(cmd, qid)).catch(() => undefined);
      throw e;
    });
  }

  /** Deletes the submission queue, then the completion queue, then frees the rings. */
  async deleteIoQueue(port: QueuePort, admin: AdminChannel): Promise<void> {
    const cmd = new NvmeCommand();
    try {
      await admin.execute(cmds.deleteIoSq(cmd, port.qid));
      await admin.execute(cmds.deleteIoCq(cmd, port.qid));
    } finally {
      await port.release();
    }
  }

  /**
   * Describes I/O queue `port` and `chunkBytes` of fresh DMA memory for a worker thread (see
   * worker-queue.ts); the queue stays polled. Throws when the device's memory cannot be shared.
   */
  exportIoQueue(port: QueuePort, chunkBytes: number): ExportedIoQueue {
    if (!(port instanceof PcieQueuePort) || port.qid === 0)
      throw new TransportError("only this connection's I/O queues can be exported");
    if (!Number.isInteger(chunkBytes) || chunkBytes <= 0)
      throw new InvalidArgumentError("chunkBytes", `${chunkBytes}: give a positive byte count`);
    const creation = this.creations.get(port)!;
    const pageSize = this.dma.pageSize;
    const chunk = this.dma.alloc(Math.ceil(chunkBytes / pageSize) * pageSize);
    try {
      return {
        handle: describeWorkerQueue(port, this.device, chunk, pageSize, this.shadow),
        release: () => this.dma.free(chunk),
        recreate: async (admin) => {
          // Entries from before the reset would look new to the worker's rewound port.
          port.rings.cq.fill(0);
          await this.createOnController(creation, admin);
        },
      };
    } catch (e) {
      this.dma.free(chunk);
      throw e;
    }
  }

  /** Closes the PCI function. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.vectors !== null) this.device.disableInterrupts();
    await this.device.close();
  }

  /** A port over the rings; I/O queues get the shadow doorbells when they are enabled. */
  private port(
    qid: number,
    depth: number,
    sq: Uint32Array,
    cq: Uint32Array,
    release: () => Promise<void>,
    interrupt?: InterruptVector,
  ): PcieQueuePort {
    const shadow = qid === 0 ? undefined : this.shadow?.views;
    return new PcieQueuePort(
      { qid, depth, sq, cq, bar: this.bar, dstrd: this.dstrd, interrupt, shadow },
      release,
    );
  }

  /**
   * The MSI-X vector for I/O queue `qid`: vector 0 is the admin queue's, I/O queues share the rest
   * round robin. Vectors are enabled on first use; undefined when the function has no MSI-X.
   */
  private vectorFor(qid: number): InterruptVector | undefined {
    if (this.device.msixVectors < 2) return undefined;
    this.vectors ??= this.device.enableInterrupts(Math.min(this.device.msixVectors, MAX_VECTORS));
    return this.vectors[1 + ((qid - 1) % (this.vectors.length - 1))];
  }
}
