/**
 * The "soft" PCI device provider: software NVMe controllers at PCI addresses in the reserved domain
 * fffe (`fffe:00:00.0`, `fffe:00:01.0`, ...), each opened as a {@link SoftPciDevice} in its own
 * worker thread. Memory-backed namespaces keep their data in SharedArrayBuffers the provider holds,
 * so closing and reopening a controller finds the data it had, as with a real drive.
 * @module
 */
import type { PciDeviceProvider } from "@nvmekit/pci-port";
import { DEFAULT_NAMESPACES } from "./namespace.js";
import { type SoftDeviceOptions, SoftPciDevice } from "./soft-pci-device.js";

/** The PCI domain no real machine uses, where software controllers live. */
export const SOFT_PCI_DOMAIN = 0xfffe;

/** The PCI address of the `index`-th software controller: `fffe:00:<index>.0`. */
export function softPciAddress(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 0x1f)
    throw new RangeError(`soft controller index ${index}`);
  return `${SOFT_PCI_DOMAIN.toString(16)}:00:${index.toString(16).padStart(2, "0")}.0`;
}

// Gives every memory-backed namespace shared memory of its own, kept for the provider's lifetime.
function withSharedMemory(options: SoftDeviceOptions): SoftDeviceOptions {
  const namespaces = (options.namespaces ?? DEFAULT_NAMESPACES).map((ns) =>
    ns.file !== undefined || ns.memory !== undefined
      ? ns
      : { ...ns, memory: new SharedArrayBuffer((ns.blocks ?? 16384) * (ns.blockSize ?? 512)) },
  );
  return { ...options, namespaces };
}

/** Software NVMe controllers as PCI functions. */
export class SoftControllerProvider implements PciDeviceProvider {
  /** "soft". */
  readonly name = "soft";
  private readonly devices = new Map<string, SoftDeviceOptions>();
  // Addresses opened and not closed yet: two threads must never drive the same namespaces.
  private readonly opened = new Set<string>();

  /** @param controllers one entry per controller, at `fffe:00:<index>.0` (default: one default controller) */
  constructor(controllers: readonly SoftDeviceOptions[] = [{}]) {
    controllers.forEach((options, i) => {
      const address = softPciAddress(i);
      const serial = options.serial ?? `SOFT${String(i).padStart(16, "0")}`;
      this.devices.set(address, withSharedMemory({ ...options, serial, address }));
    });
  }

  /** Always: a software controller needs nothing from the machine. */
  available(): boolean {
    return true;
  }

  /** Never needed: a software controller is always available. */
  unavailableReason(): string {
    return "";
  }

  /** Every configured controller is usable. */
  async scan(): ReturnType<PciDeviceProvider["scan"]> {
    return { usable: [...this.devices.keys()], unusable: [] };
  }

  /** Whether `address` is in domain fffe. */
  owns(address: string): boolean {
    return /^fffe:/i.test(address);
  }

  /** Starts the controller at `address` in a new worker thread. */
  async open(address: string): Promise<SoftPciDevice> {
    const options = this.devices.get(address.toLowerCase());
    if (options === undefined) {
      throw new Error(
        `no software controller at ${address}; there are: ${[...this.devices.keys()].join(", ")}`,
      );
    }
    if (this.opened.has(options.address!)) throw new Error(`software controller ${address} is already open`);
    this.opened.add(options.address!);
    try {
      const device = await SoftPciDevice.start(options);
      device.removed$.subscribe({ complete: () => this.opened.delete(options.address!) });
      return device;
    } catch (e) {
      this.opened.delete(options.address!);
      throw e;
    }
  }
}
