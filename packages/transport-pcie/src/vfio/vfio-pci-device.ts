/**
 * A PCI function opened through VFIO: the {@link PciDevice} port on real hardware (and on QEMU's
 * controller in the test rig).
 * @module
 */
import { InvalidArgumentError, StateError } from "@nvmekit/core";
import type { InterruptVector, PciDevice } from "@nvmekit/pci-port";
import type { Observable } from "rxjs";
import { type DmaOptions, VfioDmaAllocator } from "../dma/vfio-dma-allocator.js";
import type { IommuBackend } from "../iommu/iommu-backend.js";
import { type IommuSelectionOptions, openIommuBackend } from "../iommu/iommu-selection.js";
import { DeviceFlags } from "../native/vfio-uapi.js";
import { VfioBar } from "./bar.js";
import { barBusAddress, Command, ConfigReg } from "./config-space.js";
import { VfioDeviceFile } from "./device-file.js";
import { MsixRouting } from "./msix.js";
import { RemovalWatch } from "./removal-watch.js";

/** How to open a function. */
export interface VfioOpenOptions extends IommuSelectionOptions, DmaOptions {
  /** Interval of the removal check in milliseconds (default 200). */
  readonly removalPollMs?: number;
}

/** `DDDD:BB:DD.F` in lower-case hex. */
export const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;

/** One open VFIO PCI function. */
export class VfioPciDevice implements PciDevice {
  /** @inheritdoc */
  readonly address: string;
  /** @inheritdoc */
  readonly vendorId: number;
  /** @inheritdoc */
  readonly deviceId: number;
  /** @inheritdoc */
  readonly classCode: number;
  /** @inheritdoc */
  readonly dma: VfioDmaAllocator;
  /** @inheritdoc */
  readonly msixVectors: number;
  /** @inheritdoc */
  readonly removed$: Observable<void>;
  /** Which IOMMU interface isolates this function. */
  readonly iommu: IommuBackend["kind"];
  /** Whether the function offers a reset (VFIO_DEVICE_FLAGS_RESET). */
  readonly canReset: boolean;
  readonly #backend: IommuBackend;
  readonly #file: VfioDeviceFile;
  readonly #msix: MsixRouting;
  readonly #removal: RemovalWatch;
  #bars = new Map<number, VfioBar | null>();
  #closed = false;

  private constructor(address: string, backend: IommuBackend, options: VfioOpenOptions) {
    this.address = address;
    this.#backend = backend;
    this.iommu = backend.kind;
    const file = new VfioDeviceFile(backend.deviceFd);
    this.#file = file;
    this.canReset = (file.info().flags & DeviceFlags.RESET) !== 0;
    this.vendorId = file.readConfig(ConfigReg.VENDOR_ID, 2);
    this.deviceId = file.readConfig(ConfigReg.DEVICE_ID, 2);
    this.classCode = file.readConfig(ConfigReg.CLASS_REVISION, 4) >>> 8;
    this.#enableDecoding();
    this.#msix = new MsixRouting(file);
    this.msixVectors = this.#msix.available;
    this.dma = new VfioDmaAllocator(backend, options);
    this.#removal = new RemovalWatch(file, options.removalPollMs);
    this.removed$ = this.#removal.removed$;
  }

  /**
   * Opens the function at `address` (which must be bound to vfio-pci) through the IOMMU backend
   * `options.iommu` selects (default: iommufd where available, else the type1 container).
   */
  static open(address: string, options: VfioOpenOptions = {}): VfioPciDevice {
    const normalized = address.toLowerCase();
    if (!PCI_ADDRESS.test(normalized)) {
      throw new InvalidArgumentError("address", `"${address}" is not a PCI address like 0000:01:00.0`);
    }
    const backend = openIommuBackend(normalized, options);
    try {
      return new VfioPciDevice(normalized, backend, options);
    } catch (error) {
      backend.close();
      throw error;
    }
  }

  /** Memory decoding and bus mastering on: the device may answer MMIO and perform DMA. */
  #enableDecoding(): void {
    const command = this.#file.readConfig(ConfigReg.COMMAND, 2);
    const wanted = command | Command.MEMORY_SPACE | Command.BUS_MASTER;
    if (wanted !== command) this.#file.writeConfig(ConfigReg.COMMAND, 2, wanted);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError(`PCI function ${this.address} is closed`);
  }

  /** @inheritdoc */
  bar(index: number): VfioBar | null {
    this.#assertOpen();
    if (!Number.isInteger(index) || index < 0 || index > 5) {
      throw new InvalidArgumentError("index", `BAR index ${index} is not 0-5`);
    }
    let bar = this.#bars.get(index);
    if (bar === undefined) {
      const busAddress = barBusAddress(this.#file, index);
      bar = busAddress === null ? null : VfioBar.map(this.#file, index, busAddress);
      this.#bars.set(index, bar);
    }
    return bar;
  }

  /** @inheritdoc */
  addressOf(buffer: ArrayBufferLike): bigint | null {
    let address = this.dma.addressOf(buffer);
    for (const bar of this.#bars.values()) address ??= bar?.addressOf(buffer) ?? null;
    return address;
  }

  /** @inheritdoc */
  enableInterrupts(count: number): InterruptVector[] {
    this.#assertOpen();
    return this.#msix.enable(count);
  }

  /** @inheritdoc */
  disableInterrupts(): void {
    if (!this.#closed) this.#msix.disable();
  }

  /**
   * Function-level reset; resolves false when the function offers none. The BAR mappings stay valid; MMIO accesses made while the reset runs wait for it to finish.
   * DMA mappings are kept. Interrupt routing survives (the kernel restores MSI-X state).
   */
  async reset(): Promise<boolean> {
    this.#assertOpen();
    if (!this.canReset) return false;
    await this.#file.reset();
    this.#enableDecoding();
    return true;
  }

  /**
   * Declares the function gone (e.g. the queue engine read all-ones from a register): `removed$`
   * emits now instead of at the next periodic check.
   */
  markRemoved(): void {
    this.#removal.markRemoved();
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#removal.stop();
    const steps: (() => void)[] = [
      () => this.#msix.disable(),
      // No more DMA from the device, whatever state it is in.
      () =>
        this.#file.writeConfig(
          ConfigReg.COMMAND,
          2,
          this.#file.readConfig(ConfigReg.COMMAND, 2) & ~Command.BUS_MASTER,
        ),
      () => this.dma.close(),
      () => {
        for (const bar of this.#bars.values()) bar?.retire();
        this.#bars.clear();
      },
    ];
    let failure: unknown;
    for (const step of steps) {
      try {
        step();
      } catch (error) {
        failure ??= error;
      }
    }
    this.#backend.close();
    if (failure) throw failure;
  }
}
