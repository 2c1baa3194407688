/**
 * Turning a failed connect into the fix: for a PCIe address outside the software controllers'
 * domain, asks the VFIO provider's bus scan whether the function exists, is an NVMe controller,
 * is bound to vfio-pci, and whether VFIO is there at all.
 * @module
 */
import { parsePciAddress, type TransportId, TransportType } from "@nvmekit/core";
import { SOFT_PCI_DOMAIN } from "@nvmekit/softnvme";
import { canonicalPciAddress, VfioProvider } from "@nvmekit/transport-pcie";
import { CliError, oneLine } from "./cli-error.js";
import { vfioOptions } from "./vfio-options.js";

const LIST_HINT = "`nvmekit list` shows the NVMe controllers found";

/** A better error than `error` for a failed connect to `trid`, or `error` itself when there is none. */
export async function explainConnectFailure(trid: TransportId, error: unknown): Promise<unknown> {
  if (trid.trtype !== TransportType.PCIe || trid.traddr === "") return error;
  if (parsePciAddress(trid.traddr).domain === SOFT_PCI_DOMAIN) {
    return error instanceof Error ? new CliError(`${error.message}: ${LIST_HINT}`) : error;
  }
  const address = canonicalPciAddress(trid.traddr);
  const vfio = new VfioProvider(vfioOptions());
  if (!vfio.owns(address)) return new CliError(`no PCI function at ${address} on this machine: ${LIST_HINT}`);
  const scan = await vfio.scan();
  const unusable = scan.unusable.find((u) => u.address === address);
  if (unusable !== undefined) {
    return new CliError(`${oneLine(unusable.reason)} (or run \`sudo nvmekit setup ${address}\`)`);
  }
  if (!scan.usable.includes(address)) {
    return new CliError(`${address} is not an NVMe controller (PCI class 010802): ${LIST_HINT}`);
  }
  if (!vfio.available()) {
    return new CliError(
      `VFIO is not available: ${vfio.unavailableReason()} ` +
        `(\`sudo nvmekit setup ${address}\` loads vfio-pci and binds the device)`,
    );
  }
  return error;
}
