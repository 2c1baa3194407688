/**
 * The NVMe controller model: registers with the enable and shutdown handshakes, an admin queue and
 * I/O queues whose rings live in host DMA memory at the addresses the host programs, admin and NVM
 * command sets over its namespaces, a log of everything the host did, and fault injection. Commands
 * are processed synchronously when the host rings a submission doorbell, so a host spinning on its
 * completion queue in the same thread sees the completion. It knows nothing of threads or PCI: the
 * in-thread transport calls it directly, and the worker thread behind a SoftPciDevice feeds it the
 * register and doorbell writes it finds in the shared BAR.
 * @module
 */
import { AsyncSubject, type Observable } from "rxjs";
import { executeAdmin } from "./admin-commands.js";
import { Chaos } from "./chaos.js";
import { CommandContext, PENDING } from "./command-context.js";
import { CommandFailure } from "./command-failure.js";
import { type CommandRecord, type RegisterWrite, recordCommand } from "./command-log.js";
import type { ControllerSignals, SoftControllerOptions } from "./controller-options.js";
import { DeviceCq, DeviceSq } from "./device-queues.js";
import { DmaFault, type DmaSpace } from "./dma-space.js";
import { type FaultAction, type FaultHandle, type FaultMatch, FaultTable } from "./faults.js";
import { FeatureStore } from "./features.js";
import type { ControllerIdentity } from "./identify-data.js";
import type { ErrorLogEntry, HealthState } from "./log-pages.js";
import { DEFAULT_NAMESPACES, SoftNamespace } from "./namespace.js";
import { executeNvm } from "./nvm-commands.js";
import { GenericSc, nvmeStatus, Reg, Sct } from "./nvme-raw.js";
import { sqeSlba } from "./sqe.js";

/** A completion the controller produced but has not posted yet (held by a test, or AER waiting). */
interface HeldCompletion {
  sq: DeviceSq;
  record: CommandRecord;
  dw0: number;
  status: number;
  dw1: number;
}

const VERSION_1_4 = 0x0001_0400;
// Most diagnostics and DMA faults kept.
const LOG_LIMIT = 1000;

/** The NVMe controller model. */
export class SoftController {
  /** Host DMA memory as the controller reaches it. */
  readonly dma: DmaSpace;
  /** Hooks the device around the controller listens to. */
  signals: ControllerSignals = {};
  /** The controller facts Identify Controller reports (tests may change them before attaching). */
  readonly identity: ControllerIdentity;
  /** Namespaces by NSID, attached or not. */
  readonly namespaces = new Map<number, SoftNamespace>();
  /** Feature values. */
  readonly features: FeatureStore;
  /** Every command fetched, in order. */
  readonly commands: CommandRecord[] = [];
  /** Every register write through RegisterAccess, in order (doorbells are not included). */
  readonly registerWrites: RegisterWrite[] = [];
  /** Host behaviour the controller found wrong (bad doorbells, bad configuration, failed commands' causes). */
  readonly diagnostics: string[] = [];
  /** DMA faults: commands that pointed at memory outside live DMA allocations. */
  readonly dmaFaults: DmaFault[] = [];
  /** Submission queues by QID (0: admin), once created. */
  readonly sqs = new Map<number, DeviceSq>();
  /** Completion queues by QID (0: admin), once created. */
  readonly cqs = new Map<number, DeviceCq>();
  /** Error Information log entries, oldest first. */
  readonly errorLog: ErrorLogEntry[] = [];
  /** Figures for the SMART / Health log; tests may change them (e.g. the temperature). */
  readonly health: HealthState;
  /** Firmware revisions of slots 1..7 ("" when empty). */
  readonly firmwareSlots: string[] = ["", "", "", "", "", "", ""];
  /** Active firmware slot (1-based). */
  activeFirmwareSlot = 1;
  /** Slot to activate at the next reset (0: none). */
  nextFirmwareSlot = 0;
  /** Image bytes received by Firmware Image Download, not yet committed. */
  firmwareImage: Uint8Array = new Uint8Array(0);
  /** NSIDs for the Changed Namespace List log. */
  changedNamespaces: number[] = [];
  /** Commands fetched from every submission queue, recorded or not. */
  commandCount = 0;
  /** Keep Alive commands received. */
  keepAlives = 0;
  /** MSI-X vectors the function offers. */
  readonly interruptVectors: number;
  /** Most Asynchronous Event Requests outstanding at once (Identify AERL + 1). */
  readonly aerLimit: number;
  /** CAP.MQES (0-based). */
  readonly mqes: number;
  /** Total NVM capacity in bytes. */
  readonly capacity: number;
  /** Chaos mode, when the options asked for it. */
  readonly chaos: Chaos | undefined;

  // Register state.
  private cc = 0;
  private csts = 0;
  private aqa = 0;
  private asq = 0;
  private acq = 0;
  private readonly cap: bigint;
  // Bumped on every CC.EN / CC.SHN change so a stale timer does nothing.
  private generation = 0;
  private expectedAdmin: { sqIova: number; cqIova: number; depth: number } | undefined;
  private removed = false;
  private readonly removedSubject = new AsyncSubject<void>();
  private readonly faults = new FaultTable();
  private readonly heldQueues = new Set<number>();
  private readonly held: HeldCompletion[] = [];
  // Commands fetched under a "late" fault, not executed yet, with the generation they were fetched in.
  private readonly late: { sq: DeviceSq; record: CommandRecord; generation: number }[] = [];
  private readonly pendingAers: HeldCompletion[] = [];
  private readonly asyncEvents: number[] = [];
  private readonly readyDelayMs: number;
  private readonly shutdownDelayMs: number;
  private readonly recordData: boolean;
  private readonly recordCommands: boolean;
  // Set by a controller fatal status: nothing is processed until the host resets the controller.
  private halted = false;
  // Scratch entry the SQ is fetched into.
  private readonly scratch = new Uint32Array(16);

  /**
   * @param dma host memory as the controller reaches it
   * @param options identity, limits, namespaces, timing
   */
  constructor(dma: DmaSpace, options: SoftControllerOptions = {}) {
    this.dma = dma;
    this.interruptVectors = options.interruptVectors ?? 8;
    this.recordCommands = options.recordCommands ?? true;
    const serial = options.serial ?? "SOFT0000000000000001";
    this.mqes = options.mqes ?? 1023;
    this.capacity = options.capacity ?? 256 * 1024 * 1024;
    this.readyDelayMs = options.readyDelayMs ?? 5;
    this.shutdownDelayMs = options.shutdownDelayMs ?? 5;
    this.recordData = options.recordData ?? true;
    this.aerLimit = 4;
    const nsOptions = options.namespaces ?? DEFAULT_NAMESPACES;
    for (const o of nsOptions) this.namespaces.set(o.nsid, new SoftNamespace(o));
    this.identity = {
      vid: 0x1b36,
      serial,
      model: options.model ?? "nvmekit soft controller",
      firmware: options.firmware ?? "1.0",
      mdts: options.mdts ?? 5,
      cntlid: options.cntlid ?? 1,
      nn: options.maxNamespaces ?? 16,
      vwc: options.vwc ?? true,
      sgl: options.sgl ?? true,
      kas: 1,
      subnqn: options.subnqn ?? `nqn.2024-01.io.nvmekit:soft:${serial}`,
      totalCapacity: this.capacity,
      unallocatedCapacity: 0,
      aerl: this.aerLimit - 1,
      elpe: 63,
      wctemp: 343,
      cctemp: 358,
      zasl: options.zasl ?? 0,
    };
    this.firmwareSlots[0] = this.identity.firmware;
    this.health = {
      criticalWarning: 0,
      temperature: options.temperature ?? 310,
      availableSpare: 100,
      spareThreshold: 10,
      percentageUsed: 0,
      bytesRead: 0,
      bytesWritten: 0,
      hostReads: 0,
      hostWrites: 0,
      errorEntries: 0,
    };
    this.features = new FeatureStore({
      maxIoQueues: options.maxIoQueues ?? 4,
      npss: 0,
      wctemp: this.identity.wctemp,
      vwc: this.identity.vwc,
    });
    // CAP: MQES 15:0, CQR 16, AMS 18:17 (WRR with urgent), TO 31:24, DSTRD 35:32 = 0,
    // CSS 44:37 (bit 37: NVM command set; bit 43: I/O command sets), MPSMIN 51:48 = 0, MPSMAX 55:52 = 0.
    this.offersAllIoCommandSets =
      options.allIoCommandSets ?? [...this.namespaces.values()].some((ns) => ns.zones !== undefined);
    const lo = (this.mqes & 0xffff) | (1 << 16) | (1 << 17) | ((options.timeoutUnits ?? 2) << 24);
    const hi = (1 << (37 - 32)) | (this.offersAllIoCommandSets ? 1 << (43 - 32) : 0);
    this.cap = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
    this.chaos =
      options.chaos &&
      new Chaos(options.chaos, (sq, sqe) => {
        if (!this.removed && !this.halted && this.sqs.get(sq.qid) === sq) this.execute(sq, sqe);
      });
    if (options.initiallyEnabled) {
      // Enabled by someone else: EN with 64/16-byte entries, RDY, but no admin queue of ours.
      this.cc = 1 | (6 << 16) | (4 << 20);
      this.csts = 1;
    }
  }

  /** Emits once, then completes, when the controller is surprise-removed. */
  get removed$(): Observable<void> {
    return this.removedSubject.asObservable();
  }

  /** Whether the controller was surprise-removed. */
  get isRemoved(): boolean {
    return this.removed;
  }

  /** Memory page size in bytes configured by CC.MPS (only 4 KiB is offered). */
  get pageSize(): number {
    return 4096 << ((this.cc >>> 7) & 0xf);
  }

  /** Largest data transfer in bytes (MDTS), or Infinity. */
  get maxTransferBytes(): number {
    return this.identity.mdts === 0 ? Number.POSITIVE_INFINITY : 4096 * 2 ** this.identity.mdts;
  }

  /** Whether CSTS.RDY is set. */
  get ready(): boolean {
    return (this.csts & 1) === 1;
  }

  /** Whether CAP.CSS offers every I/O command set (bit 6), so CC.CSS may select 110b. */
  readonly offersAllIoCommandSets: boolean;

  /** Whether the host enabled every I/O command set (CC.CSS = 110b): zone commands run only then. */
  get allIoCommandSetsSelected(): boolean {
    return ((this.cc >>> 4) & 0x7) === 6;
  }

  /** The namespace `nsid` if it exists and is attached. */
  activeNamespace(nsid: number): SoftNamespace | undefined {
    const ns = this.namespaces.get(nsid);
    return ns?.attached ? ns : undefined;
  }

  // ---- registers -------------------------------------------------------------------------------

  /** Reads a 32-bit register (all ones once removed, as a vanished PCIe device reads). */
  read32(offset: number): number {
    if (this.removed) return 0xffff_ffff;
    switch (offset) {
      case Reg.CAP:
        return Number(this.cap & 0xffff_ffffn);
      case Reg.CAP + 4:
        return Number(this.cap >> 32n);
      case Reg.VS:
        return VERSION_1_4;
      case Reg.CC:
        return this.cc;
      case Reg.CSTS:
        return this.csts;
      case Reg.AQA:
        return this.aqa;
      case Reg.ASQ:
        return this.asq % 0x1_0000_0000;
      case Reg.ASQ + 4:
        return Math.floor(this.asq / 0x1_0000_0000);
      case Reg.ACQ:
        return this.acq % 0x1_0000_0000;
      case Reg.ACQ + 4:
        return Math.floor(this.acq / 0x1_0000_0000);
      default:
        // INTMS, INTMC, NSSR, CMBLOC, CMBSZ, PMRCAP and reserved space read as zero.
        return 0;
    }
  }

  /** Reads a 64-bit register as two dwords, low first. */
  read64(offset: number): bigint {
    if (this.removed) return 0xffff_ffff_ffff_ffffn;
    return (BigInt(this.read32(offset + 4)) << 32n) | BigInt(this.read32(offset));
  }

  /** Writes a 32-bit register; offsets from 0x1000 are doorbells. */
  write32(offset: number, value: number): void {
    if (offset >= Reg.DOORBELLS) {
      this.writeDoorbell(offset, value);
      return;
    }
    this.registerWrites.push({ offset, value: BigInt(value >>> 0), width: 32 });
    if (this.removed) return;
    this.storeRegister(offset, value >>> 0);
  }

  /** Writes a 64-bit register (ASQ, ACQ) or two adjacent 32-bit ones. */
  write64(offset: number, value: bigint): void {
    this.registerWrites.push({ offset, value, width: 64 });
    if (this.removed) return;
    this.storeRegister(offset, Number(value & 0xffff_ffffn));
    this.storeRegister(offset + 4, Number(value >> 32n));
  }

  private storeRegister(offset: number, v: number): void {
    const enabled = (this.cc & 1) === 1;
    switch (offset) {
      case Reg.CC:
        this.writeCc(v);
        return;
      case Reg.AQA:
      case Reg.ASQ:
      case Reg.ASQ + 4:
      case Reg.ACQ:
      case Reg.ACQ + 4:
        if (enabled) {
          this.diagnose(`register 0x${offset.toString(16)} written while CC.EN=1: ignored`);
          return;
        }
        if (offset === Reg.AQA) this.aqa = v;
        else if (offset === Reg.ASQ) this.asq = Math.floor(this.asq / 0x1_0000_0000) * 0x1_0000_0000 + v;
        else if (offset === Reg.ASQ + 4) this.asq = v * 0x1_0000_0000 + (this.asq % 0x1_0000_0000);
        else if (offset === Reg.ACQ) this.acq = Math.floor(this.acq / 0x1_0000_0000) * 0x1_0000_0000 + v;
        else this.acq = v * 0x1_0000_0000 + (this.acq % 0x1_0000_0000);
        return;
      case Reg.INTMS:
      case Reg.INTMC:
      case Reg.NSSR:
        return; // NVM subsystem reset is not supported (CAP.NSSRS = 0)
      default:
        this.diagnose(`write to read-only or reserved register 0x${offset.toString(16)} ignored`);
    }
  }

  // CC: EN bit 0, CSS 6:4, MPS 10:7, AMS 13:11, SHN 15:14, IOSQES 19:16, IOCQES 23:20.
  private writeCc(v: number): void {
    const old = this.cc;
    this.cc = v;
    const shn = (v >>> 14) & 3;
    if (shn !== 0 && ((old >>> 14) & 3) === 0) this.startShutdown();
    if (v & 1 && !(old & 1)) this.enable();
    else if (!(v & 1) && old & 1) this.disable();
  }

  private enable(): void {
    if (this.csts & 1)
      this.diagnose("CC.EN set to 1 while CSTS.RDY was still 1: the host did not wait for not-ready");
    const gen = ++this.generation;
    this.csts &= ~(0x3 << 2); // a new enable clears any previous shutdown status
    if (this.nextFirmwareSlot !== 0) this.activateFirmware(this.nextFirmwareSlot);
    const problem = this.startAdminQueue();
    setTimeout(() => {
      if (gen !== this.generation || this.removed) return;
      if (problem === undefined) this.csts |= 1;
      else {
        this.diagnose(`controller fatal status: ${problem}`);
        this.csts |= 1 << 1; // CFS
      }
    }, this.readyDelayMs);
  }

  private disable(): void {
    const gen = ++this.generation;
    this.reset();
    this.halted = false;
    if (this.csts & 0x2) this.csts &= ~0x2; // a reset clears CFS
    setTimeout(() => {
      if (gen !== this.generation || this.removed) return;
      this.csts &= ~1;
      this.csts &= ~(0x3 << 2);
    }, this.readyDelayMs);
  }

  private startShutdown(): void {
    const gen = ++this.generation;
    for (const ns of this.namespaces.values()) ns.shutdown(); // opened zones become Closed (ZNS)
    this.csts = (this.csts & ~(0x3 << 2)) | (1 << 2); // SHST 01b: shutdown processing occurring
    setTimeout(() => {
      if (gen !== this.generation || this.removed) return;
      this.csts = (this.csts & ~(0x3 << 2)) | (2 << 2); // SHST 10b: complete
    }, this.shutdownDelayMs);
  }

  /** Controller reset: every queue and outstanding command is gone, features return to defaults. */
  private reset(): void {
    this.sqs.clear();
    this.cqs.clear();
    this.held.length = 0;
    this.late.length = 0;
    this.heldQueues.clear();
    this.pendingAers.length = 0;
    this.features.reset();
    this.signals.queuesReset?.();
  }

  /**
   * Function-level reset: back to the power-on state (registers cleared, not ready, no queues). A
   * surprise-removed controller stays removed.
   */
  functionReset(): void {
    this.generation++;
    this.reset();
    this.halted = false;
    this.cc = 0;
    this.csts = 0;
    this.aqa = 0;
    this.asq = 0;
    this.acq = 0;
  }

  /**
   * Controller fatal status: CSTS.CFS reads 1 and nothing more is processed or completed until the
   * host resets the controller (CC.EN 1 → 0).
   */
  fatal(reason: string): void {
    this.diagnose(`controller fatal status: ${reason}`);
    this.csts |= 1 << 1;
    this.halted = true;
  }

  /** Whether a controller fatal status stopped processing. */
  get isHalted(): boolean {
    return this.halted;
  }

  // Given to interrupt-enabled CQs: tells the device around the controller to raise a vector.
  private readonly raise = (vector: number): void => this.signals.interrupt?.(vector);

  /** Creates I/O CQ `qid` (called by Create I/O Completion Queue); `vector` -1 means no interrupts. */
  addIoCq(qid: number, size: number, base: number, vector: number): void {
    this.cqs.set(qid, new DeviceCq(qid, size, base, this.dma.resolve(base, size * 16), vector, this.raise));
    this.signals.queueCreated?.(qid, false);
  }

  /** Creates I/O SQ `qid` on `cq` (called by Create I/O Submission Queue). */
  addIoSq(qid: number, size: number, base: number, cq: DeviceCq, priority: number): void {
    this.sqs.set(qid, new DeviceSq(qid, size, base, this.dma.resolve(base, size * 64), cq, priority));
    this.signals.queueCreated?.(qid, true);
  }

  // Checks the configuration and attaches the admin queue at ASQ/ACQ; returns what is wrong, if anything.
  private startAdminQueue(): string | undefined {
    const mps = (this.cc >>> 7) & 0xf;
    const css = (this.cc >>> 4) & 0x7;
    const ams = (this.cc >>> 11) & 0x7;
    if (mps !== 0) return `CC.MPS ${mps} outside CAP.MPSMIN..MPSMAX (0..0)`;
    if (css !== 0 && !(css === 6 && this.offersAllIoCommandSets)) {
      return `CC.CSS ${css}: ${this.offersAllIoCommandSets ? "NVM (0) or all I/O command sets (6)" : "only the NVM command set (0)"} is offered`;
    }
    if (ams > 1) return `CC.AMS ${ams} not offered by CAP.AMS`;
    const asqs = (this.aqa & 0xfff) + 1;
    const acqs = ((this.aqa >>> 16) & 0xfff) + 1;
    if (asqs < 2 || acqs < 2) return `AQA 0x${this.aqa.toString(16)}: admin queues need at least 2 entries`;
    if (this.asq % 4096 !== 0 || this.acq % 4096 !== 0) return "ASQ/ACQ not 4 KiB aligned";
    const want = this.expectedAdmin;
    if (want !== undefined) {
      if (this.asq !== want.sqIova || this.acq !== want.cqIova) {
        return (
          `ASQ 0x${this.asq.toString(16)} / ACQ 0x${this.acq.toString(16)} are not the rings createAdminQueue ` +
          `handed out (0x${want.sqIova.toString(16)} / 0x${want.cqIova.toString(16)})`
        );
      }
      if (asqs !== want.depth || acqs !== want.depth) {
        return `AQA sizes ${asqs}/${acqs} do not match the admin queue depth ${want.depth}`;
      }
    }
    try {
      // The admin CQ always interrupts, on vector 0.
      const cq = new DeviceCq(0, acqs, this.acq, this.dma.resolve(this.acq, acqs * 16), 0, this.raise);
      const sq = new DeviceSq(0, asqs, this.asq, this.dma.resolve(this.asq, asqs * 64), cq, 0);
      this.cqs.set(0, cq);
      this.sqs.set(0, sq);
    } catch (e) {
      if (e instanceof DmaFault) return e.message;
      throw e;
    }
    return undefined;
  }

  /**
   * Called by the transport connection when it hands out admin rings: at enable, the controller
   * checks that ASQ/ACQ/AQA were programmed with exactly these.
   */
  expectAdminRings(sqIova: number, cqIova: number, depth: number): void {
    this.expectedAdmin = { sqIova, cqIova, depth };
  }

  // ---- doorbells and command processing ---------------------------------------------------------

  /**
   * A doorbell write (DSTRD 0): SQ y tail at 0x1000 + 8y, CQ y head at 0x1000 + 8y + 4. A submission
   * doorbell processes every new entry before returning.
   */
  writeDoorbell(offset: number, value: number): void {
    if (this.removed || this.halted) return;
    const index = (offset - Reg.DOORBELLS) / 4;
    const qid = index >> 1;
    if (!Number.isInteger(index)) {
      this.diagnose(`doorbell write at unaligned offset 0x${offset.toString(16)}`);
      return;
    }
    if (!this.ready) {
      this.diagnose(`doorbell 0x${offset.toString(16)} written while the controller is not ready`);
      return;
    }
    if (index & 1) {
      const cq = this.cqs.get(qid);
      if (cq === undefined) this.diagnose(`CQ ${qid} head doorbell written but CQ ${qid} does not exist`);
      else if (value >= cq.size) this.diagnose(`CQ ${qid} head doorbell value ${value} >= size ${cq.size}`);
      else cq.setHead(value);
      return;
    }
    const sq = this.sqs.get(qid);
    if (sq === undefined) {
      this.diagnose(`SQ ${qid} tail doorbell written but SQ ${qid} does not exist`);
      return;
    }
    if (value >= sq.size) {
      this.diagnose(`SQ ${qid} tail doorbell value ${value} >= size ${sq.size}`);
      return;
    }
    sq.tail = value;
    while (sq.fetch(this.scratch)) {
      if (qid !== 0 && this.chaos?.fetched(sq, this.scratch)) continue;
      this.execute(sq, this.scratch);
      // A command may have deleted its own queue or reset the controller.
      if (this.sqs.get(qid) !== sq) break;
    }
  }

  private execute(sq: DeviceSq, sqe: Uint32Array): void {
    this.commandCount++;
    const record = recordCommand(sq.qid, sqe);
    if (this.recordCommands) this.commands.push(record);
    const fault = this.faults.take(sq.qid, record.dwords);
    if (fault?.kind === "fail") {
      record.error = "injected fault";
      this.complete(sq, record, 0, fault.status);
      return;
    }
    if (fault?.kind === "late") {
      record.fate = "pending";
      this.late.push({ sq, record, generation: this.generation });
      return;
    }
    this.run(sq, record, fault);
  }

  // Executes a fetched command (its data transfer included) and completes it, faults applied.
  private run(sq: DeviceSq, record: CommandRecord, fault?: FaultAction): void {
    const ctx = new CommandContext(sq.qid, record.dwords, record, this.dma, this.pageSize, this.recordData);
    let dw0 = 0;
    let status = 0;
    try {
      const result = sq.qid === 0 ? executeAdmin(this, ctx) : executeNvm(this, ctx);
      if (result === PENDING) {
        if (record.completion === undefined) record.fate = "pending";
        return;
      }
      dw0 = result;
    } catch (e) {
      if (e instanceof CommandFailure) {
        status = e.status;
        record.error = e.message;
      } else if (e instanceof DmaFault) {
        status = nvmeStatus(Sct.Generic, GenericSc.DataTransferError, { dnr: true });
        record.error = e.message;
        this.dmaFaults.push(e);
        if (this.dmaFaults.length > LOG_LIMIT) this.dmaFaults.shift();
        this.diagnose(`SQ ${sq.qid} CID ${record.cid} opcode 0x${record.opcode.toString(16)}: ${e.message}`);
      } else {
        status = nvmeStatus(Sct.Generic, GenericSc.InternalError, { dnr: true });
        record.error = `soft controller bug: ${(e as Error).stack ?? e}`;
        this.diagnose(record.error);
      }
    }
    if (sq.qid === 0 && status === 0 && this.chaos)
      status = this.chaos.adminDone(record.dwords, this.dma, this.pageSize);
    this.finish(sq, record, dw0, status, fault, status === 0 ? ctx.dw1 : 0);
  }

  // Applies drop/hold faults, else completes.
  private finish(
    sq: DeviceSq,
    record: CommandRecord,
    dw0: number,
    status: number,
    fault?: FaultAction,
    dw1 = 0,
  ): void {
    if (fault?.kind === "drop") {
      record.completion = { dw0, status };
      record.fate = "dropped";
      return;
    }
    if (fault?.kind === "hold") {
      record.completion = { dw0, status };
      record.fate = "held";
      this.held.push({ sq, record, dw0, status, dw1 });
      return;
    }
    if (fault?.kind === "delay") {
      record.fate = "delayed";
      const gen = this.generation;
      setTimeout(() => {
        // A reset or a deleted queue loses the command, as on a real controller.
        if (gen !== this.generation || this.sqs.get(sq.qid) !== sq) return;
        this.complete(sq, record, dw0, status, dw1);
      }, fault.ms);
      return;
    }
    this.complete(sq, record, dw0, status, dw1);
  }

  // Produces a command's completion: posted to its CQ unless its queue's completions are held.
  private complete(sq: DeviceSq, record: CommandRecord, dw0: number, status: number, dw1 = 0): void {
    record.completion = { dw0, status };
    record.fate = undefined;
    if (status !== 0) this.logError(sq.qid, record, status);
    if (this.removed || this.halted) return;
    if (this.heldQueues.has(sq.qid)) {
      record.fate = "held";
      this.held.push({ sq, record, dw0, status, dw1 });
      return;
    }
    if (this.chaos !== undefined) this.chaos.complete(sq, dw0, record.cid, status, dw1);
    else sq.cq.post(dw0, sq.qid, sq.head, record.cid, status, dw1);
  }

  private logError(sqid: number, record: CommandRecord, status: number): void {
    this.health.errorEntries++;
    const lba = sqid !== 0 ? sqeSlba(record.dwords) : 0;
    this.errorLog.push({
      errorCount: this.health.errorEntries,
      sqid,
      cid: record.cid,
      status,
      lba,
      nsid: record.nsid,
    });
    if (this.errorLog.length > this.identity.elpe + 1) this.errorLog.shift();
  }

  /** Records a host mistake the controller noticed (the newest 1000: a long-lived device stays bounded). */
  diagnose(message: string): void {
    this.diagnostics.push(message);
    if (this.diagnostics.length > LOG_LIMIT) this.diagnostics.shift();
  }

  // ---- asynchronous events ----------------------------------------------------------------------

  /** Queues an outstanding Asynchronous Event Request (called by the admin command handler). */
  addAsyncEventRequest(sq: DeviceSq, record: CommandRecord): boolean {
    if (this.pendingAers.length >= this.aerLimit) return false;
    this.pendingAers.push({ sq, record, dw0: 0, status: 0, dw1: 0 });
    this.deliverAsyncEvents();
    return true;
  }

  /** Outstanding Asynchronous Event Requests. */
  get outstandingAsyncEventRequests(): number {
    return this.pendingAers.length;
  }

  /**
   * Raises an asynchronous event: completes the oldest outstanding Asynchronous Event Request with
   * DW0 = type (2:0) | info (15:8) | log page (23:16), or keeps the event until one arrives.
   * @param type event type (0 error, 1 SMART/health, 2 notice, 6 I/O command set, 7 vendor)
   * @param info event information (e.g. notice 0: namespace attribute changed)
   * @param logPage log page identifier the host should read (e.g. 0x04 changed namespace list)
   */
  raiseAsyncEvent(type: number, info: number, logPage: number): void {
    this.asyncEvents.push((type & 0x7) | ((info & 0xff) << 8) | ((logPage & 0xff) << 16));
    this.deliverAsyncEvents();
  }

  private deliverAsyncEvents(): void {
    while (this.pendingAers.length > 0 && this.asyncEvents.length > 0) {
      const aer = this.pendingAers.shift()!;
      this.complete(aer.sq, aer.record, this.asyncEvents.shift()!, 0);
    }
  }

  // ---- abort and queue deletion support ---------------------------------------------------------

  /** Aborts the command `cid` of SQ `sqid` if its completion is still with the controller. */
  abortCommand(sqid: number, cid: number): boolean {
    const status = nvmeStatus(Sct.Generic, GenericSc.AbortRequested);
    for (const list of [this.pendingAers, this.held]) {
      const i = list.findIndex((h) => h.sq.qid === sqid && h.record.cid === cid);
      if (i < 0) continue;
      const [h] = list.splice(i, 1);
      h!.record.completion = { dw0: 0, status };
      h!.record.fate = "aborted";
      this.logError(sqid, h!.record, status);
      if (!this.removed) h!.sq.cq.post(0, sqid, h!.sq.head, cid, status);
      return true;
    }
    return false;
  }

  /** Completes every held command of `sq` with "Command Aborted due to SQ Deletion". */
  abortQueue(sq: DeviceSq): void {
    const status = nvmeStatus(Sct.Generic, GenericSc.AbortedSqDeletion);
    for (let i = this.held.length - 1; i >= 0; i--) {
      if (this.held[i]!.sq !== sq) continue;
      const [h] = this.held.splice(i, 1);
      h!.record.completion = { dw0: 0, status };
      h!.record.fate = "aborted";
      sq.cq.post(0, sq.qid, sq.head, h!.record.cid, status);
    }
    this.heldQueues.delete(sq.qid);
  }

  /** Activates the firmware in `slot` (Firmware Commit, or at reset). */
  activateFirmware(slot: number): void {
    this.activeFirmwareSlot = slot;
    this.nextFirmwareSlot = 0;
    this.identity.firmware = this.firmwareSlots[slot - 1]!;
  }

  // ---- fault injection --------------------------------------------------------------------------

  /** Arms a fault rule; see {@link FaultMatch} and {@link FaultAction}. */
  injectFault(match: FaultMatch, action: FaultAction, times?: number): FaultHandle {
    return this.faults.add(match, action, times);
  }

  /**
   * Fails read/write/compare/write-zeroes commands covering `lba` of `nsid` with `status` (a 15-bit
   * status field, see nvmeStatus) `times` times (default: until removed), without executing them.
   */
  failLba(nsid: number, lba: number, status: number, times?: number): FaultHandle {
    return this.faults.add({ nsid, lba }, { kind: "fail", status }, times);
  }

  /** Fails matching commands with `status` `times` times (default: until removed), without executing them. */
  failCommands(match: FaultMatch, status: number, times?: number): FaultHandle {
    return this.faults.add(match, { kind: "fail", status }, times);
  }

  /** Executes matching commands but posts their completions `ms` later, `times` times (default 1). */
  delayCompletions(match: FaultMatch, ms: number, times = 1): FaultHandle {
    return this.faults.add(match, { kind: "delay", ms }, times);
  }

  /** Executes matching commands but never posts their completions, `times` times (default 1). */
  dropCompletions(match: FaultMatch, times = 1): FaultHandle {
    return this.faults.add(match, { kind: "drop" }, times);
  }

  /** Keeps every completion of submission queue `qid` from now on until {@link releaseCompletions}. */
  holdCompletions(qid: number): void {
    this.heldQueues.add(qid);
  }

  /** Completions held for queue `qid`. */
  heldCompletions(qid: number): number {
    return this.held.filter((h) => h.sq.qid === qid).length;
  }

  /** Stops holding queue `qid` and posts its held completions in order (at most `count`, default all). */
  releaseCompletions(qid: number, count = Number.POSITIVE_INFINITY): number {
    this.heldQueues.delete(qid);
    let released = 0;
    for (let i = 0; i < this.held.length && released < count; ) {
      const h = this.held[i]!;
      if (h.sq.qid !== qid) {
        i++;
        continue;
      }
      this.held.splice(i, 1);
      released++;
      h.record.fate = undefined;
      if (this.sqs.get(qid) === h.sq && !this.removed)
        h.sq.cq.post(h.dw0, qid, h.sq.head, h.record.cid, h.status, h.dw1);
    }
    return released;
  }

  /** Commands a "late" fault keeps, fetched and not yet executed. */
  get lateTransfers(): number {
    return this.late.length;
  }

  /**
   * Executes the commands a "late" fault kept, data transfer and completion included, in fetch
   * order; one whose queue was deleted, or fetched before the controller was last disabled, reset or
   * removed, is dropped without touching host memory. Returns how many were executed.
   */
  releaseLateTransfers(): number {
    let executed = 0;
    for (const t of this.late.splice(0)) {
      if (
        this.removed ||
        this.halted ||
        t.generation !== this.generation ||
        this.sqs.get(t.sq.qid) !== t.sq
      ) {
        t.record.fate = "dropped";
        continue;
      }
      t.record.fate = undefined;
      this.run(t.sq, t.record);
      executed++;
    }
    return executed;
  }

  /** Disarms every fault rule (held completions stay held). */
  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * Surprise removal: registers read all ones, and nothing the host submits completes; removed$
   * emits unless `notify` is false (a device gone without the system telling: the host finds out by
   * reading all ones).
   */
  surpriseRemove(notify = true): void {
    if (this.removed) return;
    this.removed = true;
    this.generation++;
    if (!notify) return;
    this.removedSubject.next();
    this.removedSubject.complete();
  }

  // ---- log helpers ------------------------------------------------------------------------------

  /** The commands fetched from submission queue `qid`. */
  commandsOn(qid: number): CommandRecord[] {
    return this.commands.filter((c) => c.qid === qid);
  }

  /** The last command fetched (from `qid` when given). */
  lastCommand(qid?: number): CommandRecord | undefined {
    for (let i = this.commands.length - 1; i >= 0; i--) {
      if (qid === undefined || this.commands[i]!.qid === qid) return this.commands[i];
    }
    return undefined;
  }

  /** Empties the command, register-write and diagnostic logs. */
  clearLogs(): void {
    this.commands.length = 0;
    this.registerWrites.length = 0;
    this.diagnostics.length = 0;
    this.dmaFaults.length = 0;
  }
}
