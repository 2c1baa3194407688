/**
 * The exact shell commands that hand a PCI function to vfio-pci (or back to a kernel driver), for
 * messages that tell an operator how to fix "not usable".
 * @module
 */

/** Commands (one per line, for a root shell) that bind `address` to vfio-pci. */
export function vfioBindCommands(
  address: string,
  currentDriver: string | null,
  vfioLoaded: boolean,
): string[] {
  const dev = `/sys/bus/pci/devices/${address}`;
  return [
    ...(vfioLoaded ? [] : ["modprobe vfio-pci"]),
    ...(currentDriver ? [`echo ${address} > ${dev}/driver/unbind`] : []),
    `echo vfio-pci > ${dev}/driver_override`,
    `echo ${address} > /sys/bus/pci/drivers_probe`,
  ];
}

/** Commands that give `address` back to the kernel driver `driver` (e.g. nvme) after vfio-pci. */
export function kernelBindCommands(address: string, driver: string): string[] {
  const dev = `/sys/bus/pci/devices/${address}`;
  return [
    `echo ${address} > ${dev}/driver/unbind`,
    `echo ${driver} > ${dev}/driver_override`,
    `echo ${address} > /sys/bus/pci/drivers_probe`,
  ];
}
