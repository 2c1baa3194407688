/**
 * The VFIO type1 IOMMU backend: a container (/dev/vfio/vfio) holding the function's group, with
 * the TYPE1v2 IOMMU model; DMA is mapped with VFIO_IOMMU_MAP_DMA at IOVAs the caller chooses.
 * @module
 */
import { join } from "node:path";
import { errnoName, TransportError } from "@nvmekit/core";
import { O_RDWR } from "../native/constants.js";
import { close, ioctlBuffer, ioctlValue, open } from "../native/libc.js";
import { decodeStruct, encodeStruct } from "../native/structs.js";
import {
  CapHeader,
  type CapHeaderValue,
  DmaMap,
  DmaMapFlags,
  DmaUnmap,
  IommuInfoFlags,
  IommuType1Info,
  type IommuType1InfoValue,
  IovaRangeCap,
  IovaRangeEntry,
  VFIO_API_VERSION,
  VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
  VFIO_TYPE1v2_IOMMU,
  VfioIoctl,
} from "../native/vfio-uapi.js";
import type { IommuBackend, IommuBackendOptions, IovaRange } from "./iommu-backend.js";
import { clampIovaRanges } from "./iova-ranges.js";
import { isolatedGroup } from "./isolation.js";
import { memlockHint } from "./memlock.js";
import { VfioGroup } from "./vfio-group.js";

/** Where IOVAs may go when the kernel reports no IOVA-range capability (a 39-bit space, like libvfn). */
const FALLBACK_IOVA_RANGES = [{ start: 0n, last: (1n << 39n) - 1n }];

/** Reads VFIO_IOMMU_GET_INFO: the smallest IOMMU page and the valid IOVA ranges. */
function iommuInfo(containerFd: number): { minPageSize: number; ranges: IovaRange[] } {
  const capacity = 4096; // room for the capability chain in one call
  const buffer = encodeStruct(
    IommuType1Info,
    { argsz: capacity, flags: 0, iova_pgsizes: 0, cap_offset: 0 },
    capacity,
  );
  ioctlBuffer(containerFd, VfioIoctl.IOMMU_GET_INFO, "VFIO_IOMMU_GET_INFO", buffer);
  const info = decodeStruct<IommuType1InfoValue>(buffer, IommuType1Info);
  const pgsizes = BigInt(info.iova_pgsizes);
  const minPageSize = info.flags & IommuInfoFlags.PGSIZES && pgsizes ? Number(pgsizes & -pgsizes) : 4096;
  let raw = FALLBACK_IOVA_RANGES;
  for (let offset = info.flags & IommuInfoFlags.CAPS ? info.cap_offset : 0; offset; ) {
    const header = decodeStruct<CapHeaderValue>(buffer, CapHeader, offset);
    if (header.id === VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
      const { nr_iovas } = decodeStruct<{ nr_iovas: number }>(buffer, IovaRangeCap, offset);
      raw = Array.from({ length: nr_iovas }, (_, i) => {
        const entry = decodeStruct<{ start: number | bigint; end: number | bigint }>(
          buffer,
          IovaRangeEntry,
          offset + IovaRangeCap.size + i * IovaRangeEntry.size,
        );
        return { start: BigInt(entry.start), last: BigInt(entry.end) };
      });
    }
    offset = header.next;
  }
  return { minPageSize, ranges: clampIovaRanges(raw, minPageSize) };
}

/** A type1 container with one group attached, and the device fd. */
export class Type1Backend implements IommuBackend {
  /** @inheritdoc */
  readonly kind = "vfio-type1" as const;
  /** @inheritdoc */
  readonly iovaRanges: readonly IovaRange[];
  /** @inheritdoc */
  readonly minPageSize: number;
  /** @inheritdoc */
  readonly deviceFd: number;
  readonly #containerFd: number;
  readonly #group: VfioGroup;
  #closed = false;

  private constructor(containerFd: number, group: VfioGroup, deviceFd: number) {
    this.#containerFd = containerFd;
    this.#group = group;
    this.deviceFd = deviceFd;
    const info = iommuInfo(containerFd);
    this.iovaRanges = info.ranges;
    this.minPageSize = info.minPageSize;
  }

  /** Opens the container, the group of `address` and the device. */
  static open(address: string, options: IommuBackendOptions = {}): Type1Backend {
    const group = isolatedGroup(address, options);
    const devRoot = options.devRoot ?? "/dev";
    const containerFd = open(join(devRoot, "vfio/vfio"), O_RDWR, (errno) =>
      errno === 2 ? "VFIO is not loaded: modprobe vfio-pci" : undefined,
    );
    let vfioGroup: VfioGroup | undefined;
    try {
      const version = ioctlValue(containerFd, VfioIoctl.GET_API_VERSION, "VFIO_GET_API_VERSION");
      if (version !== VFIO_API_VERSION) throw new TransportError(`unknown VFIO API version ${version}`);
      if (
        ioctlValue(containerFd, VfioIoctl.CHECK_EXTENSION, "VFIO_CHECK_EXTENSION", VFIO_TYPE1v2_IOMMU) !== 1
      ) {
        throw new TransportError("this kernel's VFIO has no TYPE1v2 IOMMU (modprobe vfio_iommu_type1)");
      }
      vfioGroup = VfioGroup.open(group, devRoot, options.sysfsRoot);
      vfioGroup.setContainer(containerFd);
      ioctlValue(containerFd, VfioIoctl.SET_IOMMU, "VFIO_SET_IOMMU", VFIO_TYPE1v2_IOMMU);
      const deviceFd = vfioGroup.deviceFd(address);
      return new Type1Backend(containerFd, vfioGroup, deviceFd);
    } catch (error) {
      vfioGroup?.close();
      close(containerFd);
      throw error;
    }
  }

  /** @inheritdoc */
  mapDma(vaddr: bigint, iova: number, size: number): void {
    const buffer = encodeStruct(DmaMap, {
      argsz: DmaMap.size,
      flags: DmaMapFlags.READ | DmaMapFlags.WRITE,
      vaddr,
      iova,
      size,
    });
    ioctlBuffer(this.#containerFd, VfioIoctl.IOMMU_MAP_DMA, "VFIO_IOMMU_MAP_DMA", buffer, (errno) =>
      memlockHint(errnoName(errno), size),
    );
  }

  /** @inheritdoc */
  unmapDma(iova: number, size: number): void {
    const buffer = encodeStruct(DmaUnmap, { argsz: DmaUnmap.size, flags: 0, iova, size });
    ioctlBuffer(this.#containerFd, VfioIoctl.IOMMU_UNMAP_DMA, "VFIO_IOMMU_UNMAP_DMA", buffer);
  }

  /** @inheritdoc */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Device first: the group cannot leave the container while a device fd is open.
    close(this.deviceFd);
    this.#group.close();
    close(this.#containerFd);
  }
}
