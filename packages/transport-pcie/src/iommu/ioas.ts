/**
 * An iommufd I/O address space (IOAS): the object in /dev/iommu that holds IOVA -> process memory
 * mappings, which devices attached to it use for DMA. Mappings are made at IOVAs the caller chooses.
 * @module
 */

import { errnoName, NativeError } from "@nvmekit/core";
import koffi from "koffi";
import {
  IoasAlloc,
  IoasIovaRanges,
  type IoasIovaRangesValue,
  IoasMap,
  IoasMapFlags,
  IoasUnmap,
  IommuDestroy,
  IommufdIoctl,
  IommuIovaRange,
  type IommuIovaRangeValue,
} from "../native/iommufd-uapi.js";
import { ioctlBuffer } from "../native/libc.js";
import { decodeStruct, encodeStruct } from "../native/structs.js";
import { memlockHint } from "./memlock.js";

/** The IOVA ranges of an IOAS as the kernel reports them (inclusive `last`), and its IOVA alignment. */
export interface IoasRanges {
  /** Allowed ranges, in the kernel's order. */
  readonly ranges: readonly { start: bigint; last: bigint }[];
  /** Alignment every mapping's IOVA and length must have (1 when any is allowed). */
  readonly alignment: number;
}

/** One IOAS of an open /dev/iommu. */
export class Ioas {
  /** The IOAS's object id within its iommufd. */
  readonly id: number;
  readonly #iommufd: number;

  private constructor(iommufd: number, id: number) {
    this.#iommufd = iommufd;
    this.id = id;
  }

  /** IOMMU_IOAS_ALLOC on `iommufd`. */
  static alloc(iommufd: number): Ioas {
    const buffer = encodeStruct(IoasAlloc, { size: IoasAlloc.size, flags: 0, out_ioas_id: 0 });
    ioctlBuffer(iommufd, IommufdIoctl.IOAS_ALLOC, "IOMMU_IOAS_ALLOC", buffer);
    return new Ioas(iommufd, decodeStruct<{ out_ioas_id: number }>(buffer, IoasAlloc).out_ioas_id);
  }

  /**
   * IOMMU_IOAS_IOVA_RANGES: asks once with no array to learn the count (EMSGSIZE), then with an array
   * that size. The ranges narrow as devices attach, so read them after attaching.
   */
  iovaRanges(): IoasRanges {
    let capacity = 0;
    for (;;) {
      // The kernel writes through a raw pointer: an ArrayBuffer made by its constructor lives outside
      // the V8 heap and never moves, unlike small typed arrays.
      const array = new Uint8Array(new ArrayBuffer(Math.max(capacity, 1) * IommuIovaRange.size));
      const buffer = encodeStruct(IoasIovaRanges, {
        size: IoasIovaRanges.size,
        ioas_id: this.id,
        num_iovas: capacity,
        reserved: 0,
        allowed_iovas: capacity ? koffi.address(array) : 0,
        out_iova_alignment: 0,
      });
      try {
        ioctlBuffer(this.#iommufd, IommufdIoctl.IOAS_IOVA_RANGES, "IOMMU_IOAS_IOVA_RANGES", buffer);
      } catch (error) {
        if (!(error instanceof NativeError && error.errnoName === "EMSGSIZE")) throw error;
        // The kernel wrote the count it needs; ranges may have changed meanwhile, so ask again.
        capacity = decodeStruct<IoasIovaRangesValue>(buffer, IoasIovaRanges).num_iovas;
        continue;
      }
      const info = decodeStruct<IoasIovaRangesValue>(buffer, IoasIovaRanges);
      const ranges = Array.from({ length: info.num_iovas }, (_, i) => {
        const r = decodeStruct<IommuIovaRangeValue>(array, IommuIovaRange, i * IommuIovaRange.size);
        return { start: BigInt(r.start), last: BigInt(r.last) };
      });
      return { ranges, alignment: Number(info.out_iova_alignment) };
    }
  }

  /** IOMMU_IOAS_MAP at a fixed IOVA, readable and writeable by the device; pins the memory. */
  map(vaddr: bigint, iova: number, size: number): void {
    const buffer = encodeStruct(IoasMap, {
      size: IoasMap.size,
      flags: IoasMapFlags.FIXED_IOVA | IoasMapFlags.READABLE | IoasMapFlags.WRITEABLE,
      ioas_id: this.id,
      reserved: 0,
      user_va: vaddr,
      length: size,
      iova,
    });
    ioctlBuffer(this.#iommufd, IommufdIoctl.IOAS_MAP, "IOMMU_IOAS_MAP", buffer, (errno) =>
      memlockHint(errnoName(errno), size),
    );
  }

  /** IOMMU_IOAS_UNMAP of exactly a range {@link map} made; unpins it. */
  unmap(iova: number, size: number): void {
    const buffer = encodeStruct(IoasUnmap, { size: IoasUnmap.size, ioas_id: this.id, iova, length: size });
    ioctlBuffer(this.#iommufd, IommufdIoctl.IOAS_UNMAP, "IOMMU_IOAS_UNMAP", buffer);
  }

  /** IOMMU_DESTROY: removes the IOAS and every mapping in it (fails with EBUSY while a device is attached). */
  destroy(): void {
    const buffer = encodeStruct(IommuDestroy, { size: IommuDestroy.size, id: this.id });
    ioctlBuffer(this.#iommufd, IommufdIoctl.DESTROY, "IOMMU_DESTROY", buffer);
  }
}
