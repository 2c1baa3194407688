/**
 * A third-party NVMe transport in one file, as docs/transports.md walks through it: `trtype:LOOP`
 * reaches a software NVMe controller in this thread. It is built only on the core's plugin API
 * (`@nvmekit/core/transport`), the wire formats (`@nvmekit/core/nvme-spec`), inversify and rxjs; the
 * controller model (`SoftController` over a `DmaArena`, from `@nvmekit/softnvme`) stands in for a
 * wire. Small on purpose: one controller, the admin queue and one I/O queue pair, no CMB, no workers.
 * test/unit/example-transport.test.ts keeps it honest.
 * @module
 */
import { commands, NvmeCommand } from "@nvmekit/core/nvme-spec";
import type {
  AdminChannel,
  AdminQueueSetup,
  ControllerOptions,
  DmaBuffer,
  IoQueueRequest,
  QueuePort,
  RegisterAccess,
  TransportConnection,
} from "@nvmekit/core/transport";
import {
  NVME_TRANSPORT,
  type NvmeTransport,
  TransportError,
  type TransportId,
  TransportType,
} from "@nvmekit/core/transport";
import { DmaArena, SoftController } from "@nvmekit/softnvme";
import { ContainerModule, injectable } from "inversify";
import { EMPTY, type Observable, of } from "rxjs";

/** The name in transport ID strings: `trtype:LOOP traddr:loop0`. */
export const LOOPBACK_NAME = "LOOP";
/** The one address this transport serves. */
export const LOOPBACK_ADDRESS = "loop0";

/** One queue pair: rings in DMA memory, doorbells written straight into the controller model. */
class LoopbackQueue implements QueuePort {
  private readonly sq: Uint32Array;
  private readonly cq: Uint32Array;
  private sqTail = 0;
  private cqHead = 0;
  private phase = 1; // the controller tags its first pass through the CQ with phase 1

  constructor(
    readonly qid: number,
    readonly depth: number,
    readonly rings: { readonly sq: DmaBuffer; readonly cq: DmaBuffer },
    private readonly device: SoftController,
    private readonly onRelease: (q: LoopbackQueue) => void,
  ) {
    this.sq = new Uint32Array(rings.sq.bytes.buffer, rings.sq.bytes.byteOffset, depth * 16);
    this.cq = new Uint32Array(rings.cq.bytes.buffer, rings.cq.bytes.byteOffset, depth * 4);
  }

  /** The core never posts more than depth - 1 commands, so the slot at the tail is free. */
  post(cmd: Uint32Array): void {
    this.sq.set(cmd, this.sqTail * 16);
    this.sqTail = (this.sqTail + 1) % this.depth;
  }

  /** SQ tail doorbell, 0x1000 + 8 * qid (CAP.DSTRD 0): the model runs the new commands at once. */
  ringSubmission(): void {
    this.device.writeDoorbell(0x1000 + 8 * this.qid, this.sqTail);
  }

  /** A completion is new when its phase tag (DW3 bit 16) matches this pass through the ring. */
  poll(out: Uint32Array): boolean {
    const at = this.cqHead * 4;
    if (((this.cq[at + 3]! >>> 16) & 1) !== this.phase) return false;
    for (let i = 0; i < 4; i++) out[i] = this.cq[at + i]!; // no allocation per I/O
    if (++this.cqHead === this.depth) {
      this.cqHead = 0;
      this.phase ^= 1;
    }
    return true;
  }

  /** CQ head doorbell, 0x1000 + 8 * qid + 4: tells the controller which entries it may reuse. */
  ringCompletion(): void {
    this.device.writeDoorbell(0x1000 + 8 * this.qid + 4, this.cqHead);
  }

  async release(): Promise<void> {
    this.onRelease(this);
  }
}

/** A live connection: register access, DMA memory, and the queues the core asks for. */
class LoopbackConnection implements TransportConnection {
  readonly cmbSqSupported = false;
  readonly removed$: Observable<void>;
  readonly registers: RegisterAccess;
  private readonly queues = new Map<number, LoopbackQueue>();

  constructor(
    private readonly device: SoftController,
    readonly dma: DmaArena,
    private readonly onClose: () => void,
  ) {
    this.removed$ = device.removed$;
    this.registers = {
      read32: async (offset) => device.read32(offset),
      read64: async (offset) => device.read64(offset),
      write32: async (offset, value) => device.write32(offset, value),
      write64: async (offset, value) => device.write64(offset, value),
    };
  }

  /** Admin rings: the core writes their IOVAs into ASQ/ACQ and their depth into AQA. */
  async createAdminQueue(depth: number): Promise<AdminQueueSetup> {
    await this.queues.get(0)?.release(); // a controller reset asks for a fresh admin queue
    const port = this.queue(0, depth);
    return { port, rings: { sqIova: port.rings.sq.iova, cqIova: port.rings.cq.iova } };
  }

  /** Create I/O CQ, then Create I/O SQ, on the core's admin queue; the rings' IOVAs go in PRP1. */
  async createIoQueue(request: IoQueueRequest, admin: AdminChannel): Promise<QueuePort> {
    if (this.queues.size > 1) throw new TransportError("loopback: one I/O queue pair only");
    const { qid, depth } = request;
    const port = this.queue(qid, depth);
    const cmd = new NvmeCommand();
    try {
      commands.createIoCq(cmd, qid, depth); // polled: no interrupt vector
      cmd.prp1 = port.rings.cq.iova; // without a data buffer, the core leaves PRP1 as set here
      await admin.execute(cmd);
      commands.createIoSq(cmd, qid, depth, qid, request.priority);
      cmd.prp1 = port.rings.sq.iova;
      await admin.execute(cmd);
    } catch (e) {
      await port.release(); // (a production transport would also delete the CQ if the SQ failed)
      throw e;
    }
    return port;
  }

  async deleteIoQueue(port: QueuePort, admin: AdminChannel): Promise<void> {
    const cmd = new NvmeCommand();
    await admin.execute(commands.deleteIoSq(cmd, port.qid));
    await admin.execute(commands.deleteIoCq(cmd, port.qid));
    await port.release();
  }

  async close(): Promise<void> {
    for (const q of [...this.queues.values()]) await q.release();
    this.onClose();
  }

  /** Allocates a queue's rings (64-byte SQ entries, 16-byte CQ entries); release frees them once. */
  private queue(qid: number, depth: number): LoopbackQueue {
    const rings = { sq: this.dma.alloc(depth * 64), cq: this.dma.alloc(depth * 16) };
    const port = new LoopbackQueue(qid, depth, rings, this.device, (q) => {
      if (this.queues.get(qid) !== q) return;
      this.queues.delete(qid);
      this.dma.free(rings.sq);
      this.dma.free(rings.cq);
    });
    this.queues.set(qid, port);
    return port;
  }
}

/** The plugin: a custom trtype, which the core's registry finds by its name. */
@injectable()
export class LoopbackTransport implements NvmeTransport {
  readonly trtype = TransportType.Custom;
  readonly name = LOOPBACK_NAME;
  /** The DMA memory the controller at `loop0` reaches, and the controller (public for tests). */
  readonly dma = new DmaArena({ size: 16 * 1024 * 1024 });
  readonly device = new SoftController(this.dma, { serial: "LOOPBACK-0" });
  private connected = false;

  available(): boolean {
    return true;
  }

  /** Emits the one controller when `trid` names it or no address (a bus-wide probe), then completes. */
  probe(trid: TransportId): Observable<TransportId> {
    if (trid.traddr !== "" && trid.traddr !== LOOPBACK_ADDRESS) return EMPTY;
    return of({ ...trid, trtype: TransportType.Custom, trstring: LOOPBACK_NAME, traddr: LOOPBACK_ADDRESS });
  }

  async connect(trid: TransportId, _options: Readonly<ControllerOptions>): Promise<TransportConnection> {
    if (trid.traddr !== LOOPBACK_ADDRESS) throw new TransportError(`loopback: nothing at "${trid.traddr}"`);
    if (this.connected) throw new TransportError("loopback: already connected");
    this.connected = true;
    return new LoopbackConnection(this.device, this.dma, () => {
      this.connected = false;
    });
  }
}

/** Load it next to the core's module: `container.load(coreModule, loopbackTransportModule)`. */
export const loopbackTransportModule = new ContainerModule(({ bind }) => {
  bind(LoopbackTransport).toSelf().inSingletonScope();
  bind<NvmeTransport>(NVME_TRANSPORT).toService(LoopbackTransport);
});
