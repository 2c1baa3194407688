/**
 * The 64-byte submission queue entry, encoded in place over sixteen dwords so that a command can be
 * built once and copied into a ring without allocating.
 * @module
 */
import { hi32, lo32, TWO_POW_32 } from "./bytes.js";

/** Size in bytes of a submission queue entry (NVMe base spec: SQES 6, 2^6 = 64). */
export const SQE_SIZE = 64;

/** PSDT values of command dword 0 bits 15:14: how PRP1/PRP2 (DPTR) describe the data. */
export enum DataPointerType {
  /** PRP entries; MPTR is a contiguous metadata buffer. */
  Prp = 0,
  /** SGL for data; MPTR is the address of a contiguous metadata buffer. */
  SglMptrContiguous = 1,
  /** SGL for data; MPTR is the address of an SGL segment describing metadata. */
  SglMptrSgl = 2,
}

/** Fused operation field of command dword 0 bits 9:8. */
export enum FuseType {
  /** Normal (not fused) operation. */
  Normal = 0,
  /** First command of a fused pair (e.g. Compare of Compare and Write). */
  First = 1,
  /** Second command of a fused pair. */
  Second = 2,
}

/**
 * A submission queue entry. `dw` is the entry itself: wrap a view into an SQ ring to encode in place,
 * or keep a private one and {@link NvmeCommand.copyFrom} it. Getters and setters allocate nothing.
 */
export class NvmeCommand {
  /** The 16 little-endian dwords of the entry (host byte order is little-endian on all our targets). */
  readonly dw: Uint32Array;

  /** @param dw sixteen dwords to encode into; a fresh zeroed array when omitted */
  constructor(dw?: Uint32Array) {
    if (dw !== undefined && dw.length < 16) {
      throw new RangeError(`NvmeCommand needs 16 dwords, got ${dw.length}`);
    }
    this.dw = dw ?? new Uint32Array(16);
  }

  /** Opcode, CDW0 bits 7:0. */
  get opcode(): number {
    return this.dw[0]! & 0xff;
  }
  /** Sets the {@link NvmeCommand.opcode | opcode} field. */
  set opcode(v: number) {
    this.dw[0] = (this.dw[0]! & ~0xff) | (v & 0xff);
  }

  /** Fused operation (see {@link FuseType}), CDW0 bits 9:8. */
  get fuse(): number {
    return (this.dw[0]! >>> 8) & 0x3;
  }
  /** Sets the {@link NvmeCommand.fuse | fuse} field. */
  set fuse(v: number) {
    this.dw[0] = (this.dw[0]! & ~0x300) | ((v & 0x3) << 8);
  }

  /** PRP or SGL for data transfer (see {@link DataPointerType}), CDW0 bits 15:14. */
  get psdt(): number {
    return (this.dw[0]! >>> 14) & 0x3;
  }
  /** Sets the {@link NvmeCommand.psdt | psdt} field. */
  set psdt(v: number) {
    this.dw[0] = (this.dw[0]! & ~0xc000) | ((v & 0x3) << 14);
  }

  /** Command identifier, CDW0 bits 31:16. */
  get cid(): number {
    return this.dw[0]! >>> 16;
  }
  /** Sets the {@link NvmeCommand.cid | cid} field. */
  set cid(v: number) {
    this.dw[0] = (this.dw[0]! & 0xffff) | ((v & 0xffff) << 16);
  }

  /** Namespace identifier, CDW1. */
  get nsid(): number {
    return this.dw[1]!;
  }
  /** Sets the {@link NvmeCommand.nsid | nsid} field. */
  set nsid(v: number) {
    this.dw[1] = v;
  }

  /** Command dword 2 (command specific). */
  get cdw2(): number {
    return this.dw[2]!;
  }
  /** Sets the {@link NvmeCommand.cdw2 | cdw2} field. */
  set cdw2(v: number) {
    this.dw[2] = v;
  }

  /** Command dword 3 (command specific). */
  get cdw3(): number {
    return this.dw[3]!;
  }
  /** Sets the {@link NvmeCommand.cdw3 | cdw3} field. */
  set cdw3(v: number) {
    this.dw[3] = v;
  }

  /** Metadata pointer, CDW4-5, as a number below 2^53. */
  get mptr(): number {
    return this.dw[5]! * TWO_POW_32 + this.dw[4]!;
  }
  /** Sets the {@link NvmeCommand.mptr | mptr} field. */
  set mptr(v: number) {
    this.dw[4] = lo32(v);
    this.dw[5] = hi32(v);
  }

  /** First data pointer entry (PRP1, or the low half of an SGL descriptor), CDW6-7. */
  get prp1(): number {
    return this.dw[7]! * TWO_POW_32 + this.dw[6]!;
  }
  /** Sets the {@link NvmeCommand.prp1 | prp1} field. */
  set prp1(v: number) {
    this.dw[6] = lo32(v);
    this.dw[7] = hi32(v);
  }

  /** Second data pointer entry (PRP2 or PRP list address), CDW8-9. */
  get prp2(): number {
    return this.dw[9]! * TWO_POW_32 + this.dw[8]!;
  }
  /** Sets the {@link NvmeCommand.prp2 | prp2} field. */
  set prp2(v: number) {
    this.dw[8] = lo32(v);
    this.dw[9] = hi32(v);
  }

  /** Command dword 10. */
  get cdw10(): number {
    return this.dw[10]!;
  }
  /** Sets the {@link NvmeCommand.cdw10 | cdw10} field. */
  set cdw10(v: number) {
    this.dw[10] = v;
  }

  /** Command dword 11. */
  get cdw11(): number {
    return this.dw[11]!;
  }
  /** Sets the {@link NvmeCommand.cdw11 | cdw11} field. */
  set cdw11(v: number) {
    this.dw[11] = v;
  }

  /** Command dword 12. */
  get cdw12(): number {
    return this.dw[12]!;
  }
  /** Sets the {@link NvmeCommand.cdw12 | cdw12} field. */
  set cdw12(v: number) {
    this.dw[12] = v;
  }

  /** Command dword 13. */
  get cdw13(): number {
    return this.dw[13]!;
  }
  /** Sets the {@link NvmeCommand.cdw13 | cdw13} field. */
  set cdw13(v: number) {
    this.dw[13] = v;
  }

  /** Command dword 14. */
  get cdw14(): number {
    return this.dw[14]!;
  }
  /** Sets the {@link NvmeCommand.cdw14 | cdw14} field. */
  set cdw14(v: number) {
    this.dw[14] = v;
  }

  /** Command dword 15. */
  get cdw15(): number {
    return this.dw[15]!;
  }
  /** Sets the {@link NvmeCommand.cdw15 | cdw15} field. */
  set cdw15(v: number) {
    this.dw[15] = v;
  }

  /** Zero all sixteen dwords. */
  clear(): this {
    zeroEntry(this.dw);
    return this;
  }

  /** Zero the entry, then set its opcode and NSID: where every command builder starts. */
  init(opcode: number, nsid = 0): this {
    zeroEntry(this.dw);
    this.dw[0] = opcode & 0xff;
    this.dw[1] = nsid >>> 0;
    return this;
  }

  /** Copy another command's sixteen dwords into this one (e.g. a prepared command into the SQ ring). */
  copyFrom(other: NvmeCommand): this {
    // A loop rather than set(subarray) so that no view object is allocated per command.
    const src = other.dw;
    const dst = this.dw;
    for (let i = 0; i < 16; i++) dst[i] = src[i]!;
    return this;
  }
}

/** Zeroes an entry's sixteen dwords with plain stores: `fill` is a builtin call, costly per I/O under emulation. */
function zeroEntry(dw: Uint32Array): void {
  for (let i = 0; i < 16; i++) dw[i] = 0;
}
