/**
 * A VFIO group (/dev/vfio/N): the unit of isolation. Opening one checks it is viable, meaning every
 * function in it is bound to vfio-pci (or to no driver), since they share one IOMMU context.
 * @module
 */
import { join } from "node:path";
import { TransportError } from "@nvmekit/core";
import { O_RDWR } from "../native/constants.js";
import { close, ioctlBuffer, ioctlString, open } from "../native/libc.js";
import { decodeStruct, encodeStruct } from "../native/structs.js";
import { GroupFlags, GroupStatus, type GroupStatusValue, VfioIoctl } from "../native/vfio-uapi.js";
import { vfioBindCommands } from "../sysfs/bind-commands.js";
import { iommuGroupMembers, readPciFunction, vfioPciLoaded } from "../sysfs/pci-function.js";

/** Why opening /dev/vfio/N failed, in terms an operator can act on. */
function openHint(path: string, group: number): (errno: number) => string | undefined {
  return (errno) => {
    switch (errno) {
      case 2:
        return `${path} does not exist: bind the function to vfio-pci first (modprobe vfio-pci)`;
      case 13:
        return `no permission: give this user access to ${path} (e.g. chown it, or a udev rule for group ${group})`;
      case 16:
        return `group ${group} is already open (another process, or a device of this group opened twice)`;
      default:
        return undefined;
    }
  };
}

/** Explains a non-viable group: which members must be bound to vfio-pci, and how. */
export function notViableMessage(group: number, sysfsRoot?: string): string {
  const loaded = vfioPciLoaded(sysfsRoot);
  const blockers = iommuGroupMembers(group, sysfsRoot)
    .map((address) => readPciFunction(address, sysfsRoot))
    .filter((fn) => fn.driver !== null && fn.driver !== "vfio-pci");
  const lines = blockers.map(
    (fn) =>
      `  ${fn.address} (bound to ${fn.driver}):\n    ${vfioBindCommands(fn.address, fn.driver, loaded).join("\n    ")}`,
  );
  return (
    `IOMMU group ${group} is not viable: every function in it must be bound to vfio-pci or to no ` +
    `driver, because they share one IOMMU context.${lines.length ? ` Bind these (as root):\n${lines.join("\n")}` : ""}`
  );
}

/** An open VFIO group file. */
export class VfioGroup {
  /** Group number. */
  readonly group: number;
  /** The group's fd. */
  readonly fd: number;

  private constructor(group: number, fd: number) {
    this.group = group;
    this.fd = fd;
  }

  /** Opens /dev/vfio/`group` and checks it is viable. */
  static open(group: number, devRoot = "/dev", sysfsRoot?: string): VfioGroup {
    const path = join(devRoot, "vfio", String(group));
    const fd = open(path, O_RDWR, openHint(path, group));
    try {
      const status = VfioGroup.status(fd);
      if (!(status.flags & GroupFlags.VIABLE)) throw new TransportError(notViableMessage(group, sysfsRoot));
      if (status.flags & GroupFlags.CONTAINER_SET) {
        throw new TransportError(`IOMMU group ${group} is still attached to a container (still in use)`);
      }
      return new VfioGroup(group, fd);
    } catch (error) {
      close(fd);
      throw error;
    }
  }

  private static status(fd: number): GroupStatusValue {
    const buffer = encodeStruct(GroupStatus, { argsz: 8, flags: 0 });
    ioctlBuffer(fd, VfioIoctl.GROUP_GET_STATUS, "VFIO_GROUP_GET_STATUS", buffer);
    return decodeStruct<GroupStatusValue>(buffer, GroupStatus);
  }

  /** Attaches the group to the container `containerFd`. */
  setContainer(containerFd: number): void {
    const fdArg = new Int32Array([containerFd]);
    ioctlBuffer(
      this.fd,
      VfioIoctl.GROUP_SET_CONTAINER,
      "VFIO_GROUP_SET_CONTAINER",
      new Uint8Array(fdArg.buffer),
    );
  }

  /** Opens the device `address` of this group; returns its fd. */
  deviceFd(address: string): number {
    return ioctlString(this.fd, VfioIoctl.GROUP_GET_DEVICE_FD, "VFIO_GROUP_GET_DEVICE_FD", address);
  }

  /** Closes the group file. */
  close(): void {
    close(this.fd);
  }
}
