/**
 * @nvmekit/pci-port: the PCI-device port. Everything the PCIe transport's queue engine needs from one
 * PCI function, and nothing more. VFIO implements it for real hardware (and QEMU's controller in the rig); the software
 * NVMe controller implements it over shared memory. The engine cannot tell them apart, so the code a
 * real device runs is the code the emulator runs (the OpenVMM device-backing idea).
 * @module
 */
import type { DmaAllocator } from "@nvmekit/core";
import type { Observable } from "rxjs";

/** A memory BAR mapped for the CPU. */
export interface PciBar {
  /** BAR index (0-5). */
  readonly index: number;
  /** The BAR as 32-bit words, zero-copy: loads and stores go to the device (MMIO). */
  readonly u32: Uint32Array;
  /** The BAR as bytes, zero-copy (for a controller memory buffer). */
  readonly bytes: Uint8Array;
  /** Size in bytes. */
  readonly size: number;
  /**
   * The address the device itself uses for this BAR's first byte (its PCI bus address), which is how
   * a controller recognises queue addresses inside its controller memory buffer.
   */
  readonly busAddress: number;
}

/** One MSI-X interrupt vector, delivered to the host as an event. */
export interface InterruptVector {
  /** Vector number. */
  readonly vector: number;
  /**
   * Resolves true when the vector fired since the last wait (consuming that), or false after
   * `timeoutMs` without an interrupt. Never blocks the event loop.
   */
  wait(timeoutMs: number): Promise<boolean>;
}

/** One PCI function the PCIe transport can drive. */
export interface PciDevice {
  /** PCI address, `DDDD:BB:DD.F` (lower-case hex). */
  readonly address: string;
  /** Vendor ID from configuration space. */
  readonly vendorId: number;
  /** Device ID from configuration space. */
  readonly deviceId: number;
  /** Class code (base, sub, programming interface), e.g. 0x010802 for NVMe. */
  readonly classCode: number;
  /** DMA memory this function can reach; IOVAs are what the device uses. */
  readonly dma: DmaAllocator;
  /** Number of MSI-X vectors the function offers (0: none). */
  readonly msixVectors: number;
  /** Emits once when the function disappears (surprise removal or a release request). */
  readonly removed$: Observable<void>;
  /** Memory BAR `index` mapped for the CPU, or null when it does not exist. BAR0 holds NVMe's registers. */
  bar(index: number): PciBar | null;
  /** Routes MSI-X vectors 0..count-1 to the host; throws when the function offers fewer. */
  enableInterrupts(count: number): InterruptVector[];
  /** Stops interrupt delivery. */
  disableInterrupts(): void;
  /**
   * Present when the function's memory is mapped into this process rather than shared (VFIO): the
   * process address of byte 0 of `buffer` when it is one of the function's mappings (a BAR, a DMA
   * region), else null. A worker thread reaches the same memory through that address (see
   * transport-pcie's engine/shared-memory.ts); memory in SharedArrayBuffers (the software controller) needs no help.
   */
  addressOf?(buffer: ArrayBufferLike): bigint | null;
  /** Function-level reset, when the function offers one; resolves false when it does not. */
  reset(): Promise<boolean>;
  /**
   * Unmaps the BARs and releases DMA memory and the function. Every view handed out is unusable
   * afterwards, so the owner must stop all access first.
   */
  close(): Promise<void>;
}

/** A function a provider can see but not open. */
export interface UnusablePciFunction {
  /** PCI address. */
  address: string;
  /** Why it cannot be opened, with the exact commands that fix it. */
  reason: string;
}

/** What a provider's scan found. */
export interface PciScan {
  /** Addresses of NVMe functions the provider can open. */
  usable: string[];
  /** NVMe functions it sees but cannot open. */
  unusable: UnusablePciFunction[];
}

/**
 * Finds and opens PCI functions of one kind (VFIO-bound devices, software controllers). The PCIe
 * transport asks every provider bound to {@link PCI_DEVICE_PROVIDER}.
 */
export interface PciDeviceProvider {
  /** A short name for messages, e.g. "vfio". */
  readonly name: string;
  /** Whether this provider can work here (e.g. /dev/vfio exists). */
  available(): boolean;
  /** When not available: why, and the command that fixes it (e.g. `modprobe vfio-pci`). */
  unavailableReason(): string;
  /**
   * NVMe functions this provider can open (addresses), plus functions it can see but not open, each
   * with the reason and the exact commands that would fix it (e.g. binding to vfio-pci).
   */
  scan(): Promise<PciScan>;
  /** Whether `address` belongs to this provider. */
  owns(address: string): boolean;
  /** Opens the function at `address`. */
  open(address: string): Promise<PciDevice>;
}

/** The inversify multi-injection token PCI device providers bind to. */
export const PCI_DEVICE_PROVIDER = Symbol.for("@nvmekit/pci-port/PciDeviceProvider");
