/**
 * Device-side resolution of a command's data pointer (PRP1/PRP2 with PRP lists, or SGL1 with segment
 * chains) and metadata pointer into host memory, following the specification's rules, so the model
 * checks the PRPs and SGLs the core builds instead of trusting them.
 * @module
 */
import { fail } from "./command-failure.js";
import type { DmaSpace } from "./dma-space.js";
import { GenericSc, Sct } from "./nvme-raw.js";
import { sqeMptr, sqePrp1, sqePrp2, sqePsdt, sqeU64 } from "./sqe.js";

/**
 * Host memory a command transfers to or from, in order. A `null` segment is an SGL bit bucket: bytes
 * the controller reads but the host does not want.
 */
export interface Transfer {
  /** The pieces of host memory, in transfer order, each with its length. */
  readonly segments: readonly {
    /** The memory, or null for a bit bucket. */
    bytes: Uint8Array | null;
    /** Its length in bytes. */
    length: number;
  }[];
  /** IOVAs of every PRP list page or SGL segment the controller read to find the data. */
  readonly listIovas: readonly number[];
}

/** Total bytes a transfer covers. */
export function transferLength(t: Transfer): number {
  let n = 0;
  for (const s of t.segments) n += s.length;
  return n;
}

/** Host → device: gathers the transfer's bytes into one array (bit buckets read as zeroes). */
export function gather(t: Transfer, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const s of t.segments) {
    if (at >= length) break;
    const n = Math.min(s.length, length - at);
    if (s.bytes !== null) out.set(s.bytes.subarray(0, n), at);
    at += n;
  }
  return out;
}

/** Device → host: scatters `data` over the transfer's segments, skipping bit buckets. */
export function scatter(t: Transfer, data: Uint8Array): void {
  let at = 0;
  for (const s of t.segments) {
    if (at >= data.length) break;
    const n = Math.min(s.length, data.length - at);
    if (s.bytes !== null) s.bytes.set(data.subarray(at, at + n));
    at += n;
  }
}

/**
 * Resolves PRP1/PRP2 of `sqe` for `length` bytes with memory page size `pageSize`:
 * PRP1 may carry a dword-aligned offset; the rest goes in PRP2 as one page when it fits in one page,
 * else PRP2 points to a PRP list whose last entry chains to the next list page when more are needed.
 */
export function resolvePrps(dma: DmaSpace, sqe: Uint32Array, length: number, pageSize: number): Transfer {
  const segments: { bytes: Uint8Array; length: number }[] = [];
  const listIovas: number[] = [];
  const prp1 = sqePrp1(sqe);
  const prp2 = sqePrp2(sqe);
  if (length === 0) return { segments, listIovas };
  const offset = prp1 % pageSize;
  if (offset % 4 !== 0)
    fail(Sct.Generic, GenericSc.PrpOffsetInvalid, `PRP1 0x${prp1.toString(16)} not dword aligned`);
  const first = Math.min(length, pageSize - offset);
  segments.push({ bytes: dma.resolve(prp1, first), length: first });
  let remaining = length - first;
  if (remaining === 0) return { segments, listIovas };
  if (remaining <= pageSize) {
    checkPageAligned(prp2, pageSize, "PRP2");
    segments.push({ bytes: dma.resolve(prp2, remaining), length: remaining });
    return { segments, listIovas };
  }
  // PRP2 is a list pointer: qword aligned, entries run to the end of its page.
  if (prp2 % 8 !== 0)
    fail(Sct.Generic, GenericSc.PrpOffsetInvalid, `PRP list 0x${prp2.toString(16)} not qword aligned`);
  let list = prp2;
  while (remaining > 0) {
    const slots = (pageSize - (list % pageSize)) / 8;
    const page = dma.resolve(list, slots * 8);
    listIovas.push(list);
    const entries = new DataView(page.buffer, page.byteOffset, page.byteLength);
    let chained = false;
    for (let i = 0; i < slots && remaining > 0; i++) {
      const entry = entries.getUint32(i * 8 + 4, true) * 0x1_0000_0000 + entries.getUint32(i * 8, true);
      if (i === slots - 1 && remaining > pageSize) {
        // Last slot of a full list page, more data to come: this entry points to the next list page.
        if (entry % 8 !== 0)
          fail(Sct.Generic, GenericSc.PrpOffsetInvalid, "chained PRP list pointer not qword aligned");
        list = entry;
        chained = true;
        break;
      }
      checkPageAligned(entry, pageSize, `PRP list entry ${i}`);
      const n = Math.min(pageSize, remaining);
      segments.push({ bytes: dma.resolve(entry, n), length: n });
      remaining -= n;
    }
    if (!chained && remaining > 0) throw new Error("unreachable: PRP list ended early");
  }
  return { segments, listIovas };
}

function checkPageAligned(iova: number, pageSize: number, what: string): void {
  if (iova % pageSize !== 0) {
    fail(Sct.Generic, GenericSc.PrpOffsetInvalid, `${what} 0x${iova.toString(16)} is not page aligned`);
  }
}

// SGL descriptor types (byte 15 bits 7:4); subtype (bits 3:0) must be 0, "address", on PCIe.
const SGL_DATA_BLOCK = 0x0;
const SGL_BIT_BUCKET = 0x1;
const SGL_SEGMENT = 0x2;
const SGL_LAST_SEGMENT = 0x3;
// A bound on descriptors walked, so a looping segment chain fails instead of hanging the test.
const MAX_SGL_DESCRIPTORS = 65536;

/** One 16-byte SGL descriptor: address (bytes 0-7), length (8-11), identifier (15). */
export interface SglDescriptor {
  /** Address (bytes 0-7). */
  address: number;
  /** Length in bytes (bytes 8-11). */
  length: number;
  /** Descriptor type (byte 15 bits 7:4). */
  type: number;
  /** Descriptor subtype (byte 15 bits 3:0). */
  subtype: number;
}

// From the submission entry's dwords (SGL1 starts at dword `at`).
function descriptorFromDwords(d: Uint32Array, at: number): SglDescriptor {
  const id = d[at + 3]! >>> 24;
  return { address: sqeU64(d, at), length: d[at + 2]!, type: id >>> 4, subtype: id & 0xf };
}

// From host memory, which need not be dword aligned.
function descriptorFromBytes(b: Uint8Array, at: number): SglDescriptor {
  const v = new DataView(b.buffer, b.byteOffset + at, 16);
  const id = v.getUint8(15);
  const address = v.getUint32(4, true) * 0x1_0000_0000 + v.getUint32(0, true);
  return { address, length: v.getUint32(8, true), type: id >>> 4, subtype: id & 0xf };
}

/**
 * Resolves an SGL whose first descriptor is `first` for at least `length` bytes: data blocks and bit
 * buckets directly, segment and last segment descriptors by walking the chain through host memory.
 * `writing` is true for host → device transfers, where a bit bucket is invalid.
 */
export function resolveSgl(dma: DmaSpace, first: SglDescriptor, length: number, writing: boolean): Transfer {
  const segments: { bytes: Uint8Array | null; length: number }[] = [];
  const listIovas: number[] = [];
  let total = 0;
  let count = 0;
  let pending: SglDescriptor[] = [first];
  let lastSegmentSeen = false;
  while (pending.length > 0) {
    const queue = pending;
    pending = [];
    for (let i = 0; i < queue.length; i++) {
      const d = queue[i]!;
      if (++count > MAX_SGL_DESCRIPTORS)
        fail(Sct.Generic, GenericSc.InvalidNumberOfSglDescriptors, "SGL too long");
      if (d.subtype !== 0) fail(Sct.Generic, GenericSc.SglDescriptorTypeInvalid, `SGL subtype ${d.subtype}`);
      if (d.type === SGL_DATA_BLOCK) {
        if (d.length > 0) segments.push({ bytes: dma.resolve(d.address, d.length), length: d.length });
        total += d.length;
      } else if (d.type === SGL_BIT_BUCKET) {
        if (writing)
          fail(Sct.Generic, GenericSc.SglDescriptorTypeInvalid, "bit bucket in a host-to-device SGL");
        segments.push({ bytes: null, length: d.length });
        total += d.length;
      } else if (d.type === SGL_SEGMENT || d.type === SGL_LAST_SEGMENT) {
        // A segment descriptor may only be the last one of the list it appears in.
        if (i !== queue.length - 1 || lastSegmentSeen) {
          fail(
            Sct.Generic,
            GenericSc.InvalidSglSegmentDescriptor,
            "segment descriptor not last in its segment",
          );
        }
        if (d.length === 0 || d.length % 16 !== 0) {
          fail(Sct.Generic, GenericSc.InvalidSglSegmentDescriptor, `SGL segment length ${d.length}`);
        }
        lastSegmentSeen = d.type === SGL_LAST_SEGMENT;
        const bytes = dma.resolve(d.address, d.length);
        listIovas.push(d.address);
        for (let k = 0; k < d.length / 16; k++) pending.push(descriptorFromBytes(bytes, k * 16));
        if (lastSegmentSeen && pending.some((p) => p.type === SGL_SEGMENT || p.type === SGL_LAST_SEGMENT)) {
          fail(
            Sct.Generic,
            GenericSc.InvalidSglSegmentDescriptor,
            "segment descriptor inside a last segment",
          );
        }
      } else {
        fail(Sct.Generic, GenericSc.SglDescriptorTypeInvalid, `SGL descriptor type ${d.type}`);
      }
    }
  }
  if (total < length) {
    fail(
      Sct.Generic,
      GenericSc.DataSglLengthInvalid,
      `SGL describes ${total} bytes, command needs ${length}`,
    );
  }
  return { segments, listIovas };
}

/** Resolves the data pointer of `sqe` (PRPs or SGL1 per PSDT) for `length` bytes. */
export function resolveData(
  dma: DmaSpace,
  sqe: Uint32Array,
  length: number,
  pageSize: number,
  writing: boolean,
): Transfer {
  if (sqePsdt(sqe) === 0) return resolvePrps(dma, sqe, length, pageSize);
  if (sqePsdt(sqe) === 3) fail(Sct.Generic, GenericSc.InvalidField, "PSDT 11b is reserved");
  if (length === 0) return { segments: [], listIovas: [] };
  // SGL1 occupies dwords 6-9 of the entry.
  return resolveSgl(dma, descriptorFromDwords(sqe, 6), length, writing);
}

/**
 * Resolves the metadata pointer of `sqe` for `length` bytes: a contiguous buffer at MPTR (PSDT 00b or
 * 01b), or an SGL whose first descriptor is at MPTR (PSDT 10b).
 */
export function resolveMetadata(dma: DmaSpace, sqe: Uint32Array, length: number, writing: boolean): Transfer {
  const mptr = sqeMptr(sqe);
  if (sqePsdt(sqe) === 2) {
    return resolveSgl(dma, descriptorFromBytes(dma.resolve(mptr, 16), 0), length, writing);
  }
  return { segments: [{ bytes: dma.resolve(mptr, length), length }], listIovas: [] };
}
