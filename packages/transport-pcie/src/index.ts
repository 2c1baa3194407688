/**
 * @nvmekit/transport-pcie: NVMe controllers on PCIe, driven from JavaScript through VFIO. The queue
 * engine talks to a device only through the {@link PciDevice} port.
 * @module
 */
export * from "./pci-device.js";
