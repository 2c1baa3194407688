/**
 * A software NVMe controller as a PCI function: the {@link PciDevice} port the PCIe transport's queue
 * engine drives, exactly as it drives a VFIO device. BAR0 and DMA memory are SharedArrayBuffers; the
 * controller runs in a worker thread that finds the engine's register and doorbell stores by polling
 * (see worker-loop.ts), and raises MSI-X vectors through shared counters. Fault injection and
 * inspection go through {@link SoftPciDevice.control}.
 * @module
 */

import { MessageChannel, Worker } from "node:worker_threads";
import type { PciBar, PciDevice } from "@nvmekit/pci-port";
import { AsyncSubject, type Observable } from "rxjs";
import { BAR0_SIZE } from "./bar-mirror.js";
import type { ControlReply, RemoteSoftControl, SoftControl, WorkerInit } from "./control.js";
import type { SoftControllerOptions } from "./controller-options.js";
import { DmaPool, type DmaPoolOptions } from "./dma-pool.js";
import { interruptWords, SoftInterruptVector } from "./interrupts.js";
import type { PollTiming } from "./worker-loop.js";

/** PCI vendor ID of the software controller (the model's Identify VID default). */
export const SOFT_VENDOR_ID = 0x1b36;
/** PCI device ID of the software controller ("SF"); no real device uses it with this vendor. */
export const SOFT_DEVICE_ID = 0x5346;
/** PCI class code of an NVMe controller: mass storage, non-volatile memory, NVMe. */
export const NVME_CLASS_CODE = 0x010802;

/** How to build a {@link SoftPciDevice}: the controller model's options plus the function's. */
export interface SoftDeviceOptions extends SoftControllerOptions {
  /** PCI address (default "fffe:00:00.0"). */
  address?: string;
  /** MSI-X vectors (default 8, at most 32); also the interrupt vectors Create I/O CQ accepts. */
  msixVectors?: number;
  /** DMA memory: region size, IOVA base, limit. */
  dma?: DmaPoolOptions;
  /** The controller thread's poll loop tuning. */
  timing?: PollTiming;
}

// The requests SoftControl offers, to build the remote object from.
const CONTROL_OPS: readonly (keyof SoftControl)[] = [
  "failLba",
  "failCommands",
  "dropCompletions",
  "delayCompletions",
  "holdCompletions",
  "releaseCompletions",
  "clearFaults",
  "fatal",
  "surpriseRemove",
  "raiseAsyncEvent",
  "functionReset",
  "status",
  "commands",
  "clearLogs",
  "shutdown",
];

// A plausible 32-bit memory BAR address: what the controller would call BAR0's first byte.
const BAR0_BUS_ADDRESS = 0xfebf_0000;
// How long close() waits for the controller thread to close its files before terminating it.
const SHUTDOWN_TIMEOUT_MS = 1000;

/** A software NVMe controller behind the PCI-device port. */
export class SoftPciDevice implements PciDevice {
  /** PCI address. */
  readonly address: string;
  /** {@link SOFT_VENDOR_ID}. */
  readonly vendorId = SOFT_VENDOR_ID;
  /** {@link SOFT_DEVICE_ID}. */
  readonly deviceId = SOFT_DEVICE_ID;
  /** {@link NVME_CLASS_CODE}. */
  readonly classCode = NVME_CLASS_CODE;
  /** Shared DMA memory the controller reaches. */
  readonly dma: DmaPool;
  /** MSI-X vectors offered. */
  readonly msixVectors: number;
  /** Fault injection and inspection, run in the controller's thread. */
  readonly control: RemoteSoftControl;
  private readonly bar0: PciBar;
  private readonly irqWords: Int32Array;
  private readonly wake: Int32Array;
  private readonly worker: Worker;
  private readonly removed = new AsyncSubject<void>();
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private vectors: SoftInterruptVector[] = [];
  private nextId = 1;
  // Removed (surprise removal or a dead thread), the thread dead, and close() called.
  private gone = false;
  private dead = false;
  private closed = false;

  private constructor(options: SoftDeviceOptions, ready: (e?: Error) => void) {
    this.address = options.address ?? "fffe:00:00.0";
    this.msixVectors = options.msixVectors ?? 8;
    if (this.msixVectors < 1 || this.msixVectors > 32) throw new RangeError("msixVectors must be 1..32");
    const barMemory = new SharedArrayBuffer(BAR0_SIZE);
    this.bar0 = {
      index: 0,
      u32: new Uint32Array(barMemory),
      bytes: new Uint8Array(barMemory),
      size: BAR0_SIZE,
      busAddress: BAR0_BUS_ADDRESS,
    };
    this.irqWords = interruptWords(this.msixVectors);
    this.wake = new Int32Array(new SharedArrayBuffer(4));
    const regions = new MessageChannel();
    this.dma = new DmaPool(options.dma, (share) => regions.port1.postMessage(share));
    const { address: _a, msixVectors: _m, dma: _d, timing, ...controller } = options;
    const init: WorkerInit = {
      bar: barMemory,
      interrupts: this.irqWords.buffer as SharedArrayBuffer,
      vectors: this.msixVectors,
      wake: this.wake.buffer as SharedArrayBuffer,
      regions: this.dma.regions,
      regionPort: regions.port2,
      controller,
      maxQueues: options.maxIoQueues ?? 16,
      timing: timing ?? {},
    };
    this.worker = new Worker(new URL("./worker-main.js", import.meta.url), {
      workerData: init,
      transferList: [regions.port2],
    });
    this.worker.on("message", (reply: ControlReply) => {
      if (reply.id === 0) return ready();
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p.reject(new Error(`soft controller ${this.address}: ${reply.error}`));
      else p.resolve(reply.value);
    });
    this.worker.on("error", (e) => {
      ready(e);
      this.die(`controller thread failed: ${e.message}`);
    });
    this.worker.on("exit", () => this.die("controller thread exited"));
    this.control = Object.fromEntries(
      CONTROL_OPS.map((op) => [op, (...args: unknown[]) => this.request(op, args)]),
    ) as unknown as RemoteSoftControl;
  }

  /** Starts a controller thread and resolves once its registers are up (CAP, VS readable). */
  static start(options: SoftDeviceOptions = {}): Promise<SoftPciDevice> {
    return new Promise((resolve, reject) => {
      const device: SoftPciDevice = new SoftPciDevice(options, (e) => (e ? reject(e) : resolve(device)));
    });
  }

  /** Emits once, then completes, on surprise removal (or when the controller thread dies). */
  get removed$(): Observable<void> {
    return this.removed.asObservable();
  }

  /** BAR0 (registers and doorbells); no other BAR exists. */
  bar(index: number): PciBar | null {
    return index === 0 ? this.bar0 : null;
  }

  /** Routes vectors 0..count-1 to the host. */
  enableInterrupts(count: number): SoftInterruptVector[] {
    if (!Number.isInteger(count) || count < 1 || count > this.msixVectors) {
      throw new RangeError(
        `soft controller ${this.address}: ${count} vectors asked, ${this.msixVectors} offered`,
      );
    }
    this.disableInterrupts();
    this.vectors = Array.from(
      { length: count },
      (_, v) => new SoftInterruptVector(this.irqWords, this.msixVectors, v),
    );
    for (const v of this.vectors) v.setEnabled(true);
    return this.vectors;
  }

  /** Stops interrupt delivery. */
  disableInterrupts(): void {
    for (const v of this.vectors) v.setEnabled(false);
    this.vectors = [];
  }

  /** Function-level reset: the controller back at its power-on state. */
  async reset(): Promise<boolean> {
    await this.control.functionReset();
    return true;
  }

  /** Stops the controller thread (after it closes its namespace files) and releases everything. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.dead) {
      const timeout = new Promise((r) => setTimeout(r, SHUTDOWN_TIMEOUT_MS).unref());
      await Promise.race([this.control.shutdown().catch(() => undefined), timeout]);
    }
    this.closed = true;
    this.disableInterrupts();
    await this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error(`soft controller ${this.address} is closed`));
    this.pending.clear();
    this.removed.complete();
  }

  // Sends one control request and wakes the controller so it answers at once.
  private request(op: keyof SoftControl, args: unknown[]): Promise<unknown> {
    if (this.closed || this.dead) {
      return Promise.reject(new Error(`soft controller ${this.address}: the controller thread is gone`));
    }
    const id = this.nextId++;
    const reply = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ id, op, args });
    Atomics.add(this.wake, 0, 1);
    Atomics.notify(this.wake, 0);
    if (op === "surpriseRemove") return reply.then(() => this.vanish());
    return reply;
  }

  // The function is gone: all ones on the bus, and removed$ fires (unless the owner closed it).
  private vanish(): void {
    if (this.gone) return;
    this.gone = true;
    this.bar0.u32.fill(0xffff_ffff);
    if (!this.closed) {
      this.removed.next();
      this.removed.complete();
    }
  }

  // The controller thread ended: requests in flight fail, and the function is gone.
  private die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    for (const p of this.pending.values()) p.reject(new Error(`soft controller ${this.address}: ${why}`));
    this.pending.clear();
    this.vanish();
  }
}
