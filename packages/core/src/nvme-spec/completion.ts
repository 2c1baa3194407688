/**
 * The 16-byte completion queue entry, decoded in place over four dwords, and the 15-bit status field.
 * @module
 */

/** Size in bytes of a completion queue entry (NVMe base spec: CQES 4, 2^4 = 16). */
export const CQE_SIZE = 16;

/** Options of {@link encodeStatus}: the flag bits of the status field beside SCT and SC. */
export interface StatusFlags {
  /** Do Not Retry (status bit 14). */
  dnr?: boolean;
  /** More information in the Error Information log (status bit 13). */
  more?: boolean;
  /** Command Retry Delay index 0..3 (status bits 12:11). */
  crd?: number;
}

/**
 * Build the 15-bit status field (completion DW3 bits 31:17 shifted down): SC in bits 7:0, SCT 10:8,
 * CRD 12:11, More 13, DNR 14. For tests and software controllers.
 */
export function encodeStatus(sct: number, sc: number, opts: StatusFlags = {}): number {
  return (
    (sc & 0xff) |
    ((sct & 0x7) << 8) |
    (((opts.crd ?? 0) & 0x3) << 11) |
    (opts.more ? 1 << 13 : 0) |
    (opts.dnr ? 1 << 14 : 0)
  );
}

/**
 * A completion queue entry. Wrap a view into a CQ ring to decode in place; getters allocate nothing.
 */
export class Completion {
  /** The four dwords of the entry. */
  readonly dw: Uint32Array;

  /** @param dw four dwords to decode; a fresh zeroed array when omitted */
  constructor(dw?: Uint32Array) {
    if (dw !== undefined && dw.length < 4) {
      throw new RangeError(`Completion needs 4 dwords, got ${dw.length}`);
    }
    this.dw = dw ?? new Uint32Array(4);
  }

  /** Command specific result, DW0. */
  get cdw0(): number {
    return this.dw[0]!;
  }

  /** Command specific result, DW1. */
  get cdw1(): number {
    return this.dw[1]!;
  }

  /** Submission queue head pointer, DW2 bits 15:0. */
  get sqhd(): number {
    return this.dw[2]! & 0xffff;
  }

  /** Submission queue identifier, DW2 bits 31:16. */
  get sqid(): number {
    return this.dw[2]! >>> 16;
  }

  /** Command identifier, DW3 bits 15:0. */
  get cid(): number {
    return this.dw[3]! & 0xffff;
  }

  /** Phase tag, DW3 bit 16 (0 or 1). */
  get phase(): number {
    return (this.dw[3]! >>> 16) & 1;
  }

  /** The 15-bit status field, DW3 bits 31:17 shifted down (see {@link encodeStatus}). */
  get status(): number {
    return this.dw[3]! >>> 17;
  }

  /** Status code, status bits 7:0. */
  get sc(): number {
    return (this.dw[3]! >>> 17) & 0xff;
  }

  /** Status code type, status bits 10:8. */
  get sct(): number {
    return (this.dw[3]! >>> 25) & 0x7;
  }

  /** Command retry delay index, status bits 12:11. */
  get crd(): number {
    return (this.dw[3]! >>> 28) & 0x3;
  }

  /** More status information in the Error Information log page, status bit 13. */
  get more(): boolean {
    return ((this.dw[3]! >>> 30) & 1) === 1;
  }

  /** Do not retry, status bit 14. */
  get dnr(): boolean {
    return this.dw[3]! >>> 31 === 1;
  }

  /** Whether the command failed: any non-zero SC or SCT. */
  get isError(): boolean {
    return ((this.dw[3]! >>> 17) & 0x7ff) !== 0;
  }
}
