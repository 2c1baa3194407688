/**
 * The VFIO device file: device, region and IRQ information, interrupt routing, reset, and
 * configuration-space access through the config region. Identical for both IOMMU backends.
 * @module
 */
import { ioctlBuffer, ioctlValueAsync, pread, pwrite } from "../native/libc.js";
import { decodeStruct, encodeStruct, u64 } from "../native/structs.js";
import {
  DeviceInfo,
  type DeviceInfoValue,
  IrqInfo,
  type IrqInfoValue,
  IrqSet,
  IrqSetFlags,
  PciRegion,
  RegionInfo,
  type RegionInfoValue,
  VfioIoctl,
} from "../native/vfio-uapi.js";

/** One region of the device file (a BAR, the config space, ...). */
export interface Region {
  /** Region index. */
  readonly index: number;
  /** VFIO_REGION_INFO_FLAG_* bits. */
  readonly flags: number;
  /** Size in bytes (0: absent). */
  readonly size: number;
  /** Offset of the region within the device file (for pread/pwrite/mmap). */
  readonly offset: bigint;
}

/** Typed access to an open VFIO device fd (which it does not own). */
export class VfioDeviceFile {
  /** The device fd. */
  readonly fd: number;
  readonly #config: Region;
  readonly #scratch = new Uint8Array(4);
  readonly #scratchView = new DataView(this.#scratch.buffer);

  /** Wraps `fd`. */
  constructor(fd: number) {
    this.fd = fd;
    this.#config = this.region(PciRegion.CONFIG);
  }

  /** VFIO_DEVICE_GET_INFO. */
  info(): DeviceInfoValue {
    const buffer = encodeStruct(DeviceInfo, { argsz: DeviceInfo.size });
    ioctlBuffer(this.fd, VfioIoctl.DEVICE_GET_INFO, "VFIO_DEVICE_GET_INFO", buffer);
    return decodeStruct<DeviceInfoValue>(buffer, DeviceInfo);
  }

  /** VFIO_DEVICE_GET_REGION_INFO for region `index`. */
  region(index: number): Region {
    const buffer = encodeStruct(RegionInfo, { argsz: RegionInfo.size, index });
    ioctlBuffer(this.fd, VfioIoctl.DEVICE_GET_REGION_INFO, "VFIO_DEVICE_GET_REGION_INFO", buffer);
    const info = decodeStruct<RegionInfoValue>(buffer, RegionInfo);
    return { index, flags: info.flags, size: Number(info.size), offset: u64(info.offset) };
  }

  /** VFIO_DEVICE_GET_IRQ_INFO for IRQ index `index`. */
  irq(index: number): IrqInfoValue {
    const buffer = encodeStruct(IrqInfo, { argsz: IrqInfo.size, index });
    ioctlBuffer(this.fd, VfioIoctl.DEVICE_GET_IRQ_INFO, "VFIO_DEVICE_GET_IRQ_INFO", buffer);
    return decodeStruct<IrqInfoValue>(buffer, IrqInfo);
  }

  /** Routes interrupts `0..eventfds.length-1` of IRQ index `index` to the given eventfds. */
  setIrqEventfds(index: number, eventfds: readonly number[]): void {
    const size = IrqSet.size + 4 * eventfds.length;
    const buffer = encodeStruct(
      IrqSet,
      {
        argsz: size,
        flags: IrqSetFlags.DATA_EVENTFD | IrqSetFlags.ACTION_TRIGGER,
        index,
        start: 0,
        count: eventfds.length,
      },
      size,
    );
    const data = new Int32Array(buffer.buffer, IrqSet.size, eventfds.length);
    data.set(eventfds);
    ioctlBuffer(this.fd, VfioIoctl.DEVICE_SET_IRQS, "VFIO_DEVICE_SET_IRQS", buffer);
  }

  /** Disables every interrupt of IRQ index `index`. */
  disableIrq(index: number): void {
    const buffer = encodeStruct(IrqSet, {
      argsz: IrqSet.size,
      flags: IrqSetFlags.DATA_NONE | IrqSetFlags.ACTION_TRIGGER,
      index,
      start: 0,
      count: 0,
    });
    ioctlBuffer(this.fd, VfioIoctl.DEVICE_SET_IRQS, "VFIO_DEVICE_SET_IRQS(disable)", buffer);
  }

  /** VFIO_DEVICE_RESET on the thread pool (a function-level reset sleeps for 100 ms or more). */
  reset(): Promise<number> {
    return ioctlValueAsync(this.fd, VfioIoctl.DEVICE_RESET, "VFIO_DEVICE_RESET");
  }

  /** Reads a 1-, 2- or 4-byte little-endian configuration-space register. */
  readConfig(offset: number, width: 1 | 2 | 4): number {
    const bytes = this.#scratch.subarray(0, width);
    pread(this.fd, bytes, this.#config.offset + BigInt(offset), "config space");
    const view = this.#scratchView;
    return width === 1 ? view.getUint8(0) : width === 2 ? view.getUint16(0, true) : view.getUint32(0, true);
  }

  /** Writes a 1-, 2- or 4-byte little-endian configuration-space register. */
  writeConfig(offset: number, width: 1 | 2 | 4, value: number): void {
    const view = this.#scratchView;
    if (width === 1) view.setUint8(0, value);
    else if (width === 2) view.setUint16(0, value, true);
    else view.setUint32(0, value, true);
    pwrite(this.fd, this.#scratch.subarray(0, width), this.#config.offset + BigInt(offset), "config space");
  }
}
