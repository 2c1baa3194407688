/**
 * The iommufd IOMMU backend: the function's VFIO device cdev (no group, no container) bound to an
 * open /dev/iommu and attached to an IOAS of its own; DMA is mapped there at IOVAs the caller
 * chooses, as with type1. The device fd answers the same region, IRQ and reset ioctls either way.
 * @module
 */
import { O_RDWR } from "../native/constants.js";
import { close, ioctlBuffer, open, systemPageSize } from "../native/libc.js";
import { decodeStruct, encodeStruct } from "../native/structs.js";
import { DeviceAttachIommufdPt, DeviceBindIommufd, VfioIoctl } from "../native/vfio-uapi.js";
import { IommufdUnavailableError, probeIommufd } from "./device-cdev.js";
import { Ioas } from "./ioas.js";
import type { IommuBackend, IommuBackendOptions, IovaRange } from "./iommu-backend.js";
import { clampIovaRanges } from "./iova-ranges.js";
import { isolatedGroup } from "./isolation.js";

/** VFIO_DEVICE_BIND_IOMMUFD: binds the cdev `deviceFd` to `iommufd`; returns the device's id there. */
function bindDevice(deviceFd: number, iommufd: number): number {
  const buffer = encodeStruct(DeviceBindIommufd, {
    argsz: DeviceBindIommufd.size,
    flags: 0,
    iommufd,
    out_devid: 0,
  });
  ioctlBuffer(deviceFd, VfioIoctl.DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD", buffer);
  return decodeStruct<{ out_devid: number }>(buffer, DeviceBindIommufd).out_devid;
}

/** VFIO_DEVICE_ATTACH_IOMMUFD_PT: puts the bound device's DMA into the IOAS `ioasId`. */
function attachDevice(deviceFd: number, ioasId: number): void {
  const buffer = encodeStruct(DeviceAttachIommufdPt, {
    argsz: DeviceAttachIommufdPt.size,
    flags: 0,
    pt_id: ioasId,
  });
  ioctlBuffer(deviceFd, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", buffer);
}

/** A device cdev bound to an iommufd and attached to one IOAS. */
export class IommufdBackend implements IommuBackend {
  /** @inheritdoc */
  readonly kind = "iommufd" as const;
  /** @inheritdoc */
  readonly iovaRanges: readonly IovaRange[];
  /** @inheritdoc */
  readonly minPageSize: number;
  /** @inheritdoc */
  readonly deviceFd: number;
  /** The device's id within its iommufd (from the bind). */
  readonly deviceId: number;
  readonly #iommufd: number;
  readonly #ioas: Ioas;
  #closed = false;

  private constructor(iommufd: number, deviceFd: number, deviceId: number, ioas: Ioas) {
    this.#iommufd = iommufd;
    this.deviceFd = deviceFd;
    this.deviceId = deviceId;
    this.#ioas = ioas;
    const { ranges, alignment } = ioas.iovaRanges();
    // Pinning works on whole CPU pages, whatever finer alignment the IOMMU would accept.
    this.minPageSize = Math.max(alignment, systemPageSize);
    this.iovaRanges = clampIovaRanges(ranges, this.minPageSize);
  }

  /**
   * Opens /dev/iommu and the cdev of `address`, binds, allocates an IOAS and attaches the device.
   * Throws {@link IommufdUnavailableError} when the kernel or the function lacks what that needs.
   */
  static open(address: string, options: IommuBackendOptions = {}): IommufdBackend {
    isolatedGroup(address, options);
    const probe = probeIommufd(address, options);
    if (!probe.usable) throw new IommufdUnavailableError(address, probe.missing);
    const iommufd = open(probe.files.iommu, O_RDWR);
    let deviceFd = -1;
    try {
      deviceFd = open(probe.files.cdev, O_RDWR, (errno) =>
        errno === 16 ? `${probe.files.cdev} is already open (another process, or opened twice)` : undefined,
      );
      const deviceId = bindDevice(deviceFd, iommufd);
      const ioas = Ioas.alloc(iommufd);
      attachDevice(deviceFd, ioas.id);
      return new IommufdBackend(iommufd, deviceFd, deviceId, ioas);
    } catch (error) {
      // Closing the cdev unbinds it; closing /dev/iommu frees every object made in it.
      if (deviceFd >= 0) close(deviceFd);
      close(iommufd);
      throw error;
    }
  }

  /** @inheritdoc */
  mapDma(vaddr: bigint, iova: number, size: number): void {
    this.#ioas.map(vaddr, iova, size);
  }

  /** @inheritdoc */
  unmapDma(iova: number, size: number): void {
    this.#ioas.unmap(iova, size);
  }

  /** @inheritdoc */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Device first: closing the cdev detaches and unbinds it, after which the IOAS can go.
    close(this.deviceFd);
    try {
      // Explicitly, so an IOAS still in use shows as an error instead of vanishing with the fd.
      this.#ioas.destroy();
    } finally {
      close(this.#iommufd);
    }
  }
}
