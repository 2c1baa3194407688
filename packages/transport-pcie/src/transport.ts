/**
 * The PCIe transport plugin: finds NVMe functions through every PCI device provider (VFIO for real
 * hardware, the software controller, a third party's) and connects the core to one through the
 * PCI-device port.
 * @module
 */
import {
  type ControllerOptions,
  emptyTransportId,
  formatPciAddress,
  parsePciAddress,
  TransportError,
  type TransportId,
  TransportType,
} from "@nvmekit/core";
import type { NvmeTransport } from "@nvmekit/core/transport";
import { PCI_DEVICE_PROVIDER, type PciDeviceProvider } from "@nvmekit/pci-port";
import { injectable, multiInject, optional } from "inversify";
import { defer, from, mergeMap, type Observable } from "rxjs";
import { PcieConnection } from "./engine/connection.js";

/** A function a provider can see but not open, and why. */
export interface UnusableFunction {
  /** PCI address. */
  address: string;
  /** What is wrong and the exact commands that fix it. */
  reason: string;
  /** The provider that reported it. */
  provider: string;
}

/** What a scan of every provider found. */
export interface PcieScan {
  /** Functions that can be attached, as transport IDs. */
  usable: TransportId[];
  /** Functions seen but not usable (e.g. bound to the kernel's nvme driver). */
  unusable: UnusableFunction[];
}

/** Normalises a PCI address string (either separator form) to `dddd:bb:dd.f`. */
export function canonicalPciAddress(traddr: string): string {
  return formatPciAddress(parsePciAddress(traddr));
}

/** NVMe over PCIe (trtype PCIe). */
@injectable()
export class PcieTransport implements NvmeTransport {
  /** Transport type 256, SPDK's value for local PCIe. */
  readonly trtype = TransportType.PCIe;
  /** Name in transport ID strings. */
  readonly name = "PCIe";
  private readonly providers: readonly PciDeviceProvider[];

  /** @param providers every binding of PCI_DEVICE_PROVIDER */
  constructor(@multiInject(PCI_DEVICE_PROVIDER) @optional() providers: PciDeviceProvider[] | undefined) {
    this.providers = providers ?? [];
  }

  /** Whether any provider works on this machine. */
  available(): boolean {
    return this.providers.some((p) => p.available());
  }

  /**
   * Every NVMe function the providers see, usable or not. A provider that is not available here still
   * reports what it sees, all of it unusable, with the reason it is not available.
   */
  async scan(): Promise<PcieScan> {
    const result: PcieScan = { usable: [], unusable: [] };
    for (const p of this.providers) {
      const found = await p.scan();
      for (const u of found.unusable) result.unusable.push({ ...u, provider: p.name });
      if (p.available()) {
        for (const address of found.usable) result.usable.push(pcieTrid(address));
      } else {
        const reason = p.unavailableReason();
        for (const address of found.usable) {
          result.unusable.push({
            address,
            reason: `${address} cannot be opened: ${reason}`,
            provider: p.name,
          });
        }
      }
    }
    return result;
  }

  /** Emits the transport ID of each usable function, all of them or the one `trid.traddr` names. */
  probe(trid: TransportId): Observable<TransportId> {
    return defer(() => this.scan()).pipe(
      mergeMap((s) =>
        from(s.usable.filter((t) => trid.traddr === "" || t.traddr === canonicalPciAddress(trid.traddr))),
      ),
    );
  }

  /** Opens the function at `trid.traddr` through the provider that owns it. */
  async connect(trid: TransportId, _options: Readonly<ControllerOptions>): Promise<PcieConnection> {
    if (trid.traddr === "")
      throw new TransportError("PCIe: give the function's address, e.g. traddr:0000:01:00.0");
    const address = canonicalPciAddress(trid.traddr);
    const provider = this.providers.find((p) => p.available() && p.owns(address));
    if (provider === undefined) {
      const names = this.providers.map((p) => p.name).join(", ") || "none loaded";
      throw new TransportError(`PCIe: no device provider can open ${address} (providers: ${names})`);
    }
    const scan = await provider.scan();
    const unusable = scan.unusable.find((u) => u.address === address);
    if (unusable !== undefined) throw new TransportError(`PCIe: ${address}: ${unusable.reason}`);
    if (!scan.usable.includes(address)) throw new TransportError(`PCIe: no NVMe function at ${address}`);
    const device = await provider.open(address);
    try {
      return new PcieConnection(device);
    } catch (e) {
      await device.close();
      throw e;
    }
  }
}

function pcieTrid(address: string): TransportId {
  return { ...emptyTransportId(), trtype: TransportType.PCIe, trstring: "PCIE", traddr: address };
}
