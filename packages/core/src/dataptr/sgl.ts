/**
 * Scatter Gather List (SGL) descriptors and data pointers, after the NVMe base specification (SGL
 * Descriptor, SGL Segment) and libvfn's nvme_rq_mapv_sgl.
 *
 * A descriptor is 16 bytes: address (8), length (4), 3 reserved, and an identifier byte holding the
 * type in bits 7:4 and the subtype in bits 3:0. The keyed form (NVMe over RDMA) has address (8),
 * a 3-byte length and a 4-byte key instead. Writers take a Uint32Array and the dword index of the
 * descriptor's first dword, so the same code fills SGL1 (command dwords 6-9) and a segment page;
 * like {@link NvmeCommand}, they assume a little-endian host.
 * @module
 */
import type { IoVec } from "../dma/dma-memory.js";
import { InvalidArgumentError } from "../errors/errors.js";
import { DataPointerType, type NvmeCommand } from "../nvme-spec/command.js";
import { putU64 } from "./put-u64.js";

/** Size of one SGL descriptor in bytes. */
export const SGL_DESCRIPTOR_SIZE = 16;

/** SGL descriptor types (identifier bits 7:4). */
export enum SglType {
  /** Data Block: a contiguous data buffer. */
  DataBlock = 0x0,
  /** Bit Bucket: data the host discards (reads only). */
  BitBucket = 0x1,
  /** Segment: points to the next SGL segment, which is followed by more. */
  Segment = 0x2,
  /** Last Segment: points to the final SGL segment. */
  LastSegment = 0x3,
  /** Keyed Data Block: a remote buffer named by address and key (RDMA). */
  KeyedDataBlock = 0x4,
}

/** SGL descriptor subtypes (identifier bits 3:0). */
export enum SglSubtype {
  /** The address field is an address. */
  Address = 0x0,
  /** The address field is an offset (fabrics in-capsule data). */
  Offset = 0x1,
  /** Keyed Data Block only: invalidate the key after the transfer. */
  InvalidateKey = 0xf,
}

/** Largest length a Keyed Data Block descriptor can carry (24 bits). */
export const KEYED_LENGTH_MAX = 0xff_ffff;

/** The tracker's preallocated SGL segment: where {@link mapvSgl} writes Data Block descriptors. */
export interface SglSegment {
  /** The segment's memory; descriptor `i` is dwords `4i .. 4i + 3`. */
  readonly entries: Uint32Array;
  /** IOVA of `entries[0]`. */
  readonly iova: number;
  /** How many descriptors fit (`entries.length / 4` at most). */
  readonly capacity: number;
}

/** Writes a descriptor with a 32-bit length (Data Block, Bit Bucket, Segment, Last Segment) at `view[index..index+3]`. */
export function writeSglDescriptor(
  view: Uint32Array,
  index: number,
  address: number,
  length: number,
  type: SglType,
  subtype: SglSubtype = SglSubtype.Address,
): void {
  putU64(view, index, address);
  view[index + 2] = length;
  view[index + 3] = identifier(type, subtype) << 24; // bytes 12-14 reserved, byte 15 identifier
}

/** Writes a Keyed Data Block descriptor (address, 24-bit length, 32-bit key) at `view[index..index+3]`. */
export function writeKeyedSglDescriptor(
  view: Uint32Array,
  index: number,
  address: number,
  length: number,
  key: number,
  subtype: SglSubtype = SglSubtype.Address,
): void {
  if (!(length >= 0 && length <= KEYED_LENGTH_MAX)) {
    throw new InvalidArgumentError(
      "length",
      `a keyed SGL descriptor holds 0..${KEYED_LENGTH_MAX}, got ${length}`,
    );
  }
  putU64(view, index, address);
  // Bytes 8-10 length, 11-14 key, 15 identifier: the key straddles dwords 2 and 3.
  view[index + 2] = (length | ((key & 0xff) << 24)) >>> 0;
  view[index + 3] = ((key >>> 8) | (identifier(SglType.KeyedDataBlock, subtype) << 24)) >>> 0;
}

function identifier(type: SglType, subtype: SglSubtype): number {
  return ((type & 0xf) << 4) | (subtype & 0xf);
}

/** Command dword index of SGL1 (the data pointer, bytes 24-39 of the command). */
const SGL1 = 6;

/**
 * Sets the command's data pointer to an SGL over the first `niov` elements of `iov` and PSDT to
 * "SGL for data, contiguous metadata": one element becomes a Data Block descriptor in SGL1; more
 * become Data Block descriptors in `segment`, with a Last Segment descriptor in SGL1 pointing at them.
 * @throws InvalidArgumentError when `niov` is out of range, an element's length is not positive, or
 *   the elements do not fit in the segment.
 */
export function mapvSgl(cmd: NvmeCommand, iov: readonly IoVec[], niov: number, segment: SglSegment): void {
  if (!(niov >= 1 && niov <= iov.length)) {
    throw new InvalidArgumentError("niov", `must be 1..${iov.length} (the iov's length), got ${niov}`);
  }
  if (niov > 1 && niov > segment.capacity) {
    throw new InvalidArgumentError(
      "niov",
      `${niov} elements exceed the ${segment.capacity} descriptors of one SGL segment; split the I/O`,
    );
  }
  for (let i = 0; i < niov; i++) {
    const { iova, length } = iov[i]!;
    if (!(Number.isInteger(length) && length > 0 && length <= 0xffff_ffff)) {
      throw new InvalidArgumentError(`iov[${i}]`, `length must be a whole number 1..2^32-1, got ${length}`);
    }
    if (!(Number.isSafeInteger(iova) && iova >= 0)) {
      throw new InvalidArgumentError(`iov[${i}]`, `address ${iova} is not an IOVA`);
    }
  }
  if (niov === 1) {
    writeSglDescriptor(cmd.dw, SGL1, iov[0]!.iova, iov[0]!.length, SglType.DataBlock);
  } else {
    for (let i = 0; i < niov; i++) {
      writeSglDescriptor(segment.entries, 4 * i, iov[i]!.iova, iov[i]!.length, SglType.DataBlock);
    }
    writeSglDescriptor(cmd.dw, SGL1, segment.iova, niov * SGL_DESCRIPTOR_SIZE, SglType.LastSegment);
  }
  cmd.psdt = DataPointerType.SglMptrContiguous;
}
