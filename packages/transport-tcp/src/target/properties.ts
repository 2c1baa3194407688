/**
 * The register file of one virtual controller, read and written with Property Get / Set: CAP and
 * VS fixed, CC written by the host, CSTS following it at once (CC.EN → CSTS.RDY, CC.SHN → SHST
 * complete). No timers, no I/O; the controller owns one instance on the target's thread.
 * @module
 */
import { decodeCc, encodeVs, Register, ShutdownStatus } from "@nvmekit/core/nvme-spec";
import { INVALID_FIELD } from "./request.js";

/** NVMe version the target reports in VS and Identify VER: 1.4 (the first with CNTRLTYPE). */
export const TARGET_VERSION = encodeVs(1, 4, 0);

/** CC.IOSQES / IOCQES a host must set: 64-byte SQEs, 16-byte CQEs. */
const IOSQES = 6;
const IOCQES = 4;

/** What a Property Get returns, or the status it fails with. */
export interface PropertyValue {
  status: number;
  value: bigint;
}

/** How the register file reports CC.EN changes and shutdowns to its controller. */
export interface PropertyEvents {
  /** CC.EN went from 1 to 0: the controller resets (its I/O queues go away). */
  disabled(): void;
}

/**
 * CAP / VS / CC / CSTS of a virtual controller.
 * - CAP: MQES from `maxQueueEntries - 1`, CQR 1, TO 1 s, DSTRD 0, CSS NVM only, MPSMIN = MPSMAX 0
 *   (4 KiB pages).
 * - A CC write with EN set and IOSQES/IOCQES/MPS other than 6/4/0 sets CSTS.CFS, as Linux's target.
 */
export class PropertyFile {
  readonly cap: bigint;
  private cc = 0;
  private csts = 0;

  /**
   * @param maxQueueEntries the largest queue a host may connect (CAP.MQES + 1), 2..65536
   * @param events told when the host disables the controller
   */
  constructor(
    maxQueueEntries: number,
    private readonly events: PropertyEvents,
  ) {
    const mqes = BigInt(maxQueueEntries - 1);
    const cqr = 1n << 16n;
    const to = 2n << 24n; // 2 × 500 ms
    const cssNvm = 1n << 37n;
    this.cap = mqes | cqr | to | cssNvm;
  }

  /** Whether CC.EN and CSTS.RDY are both set: the controller takes commands other than Fabrics ones. */
  get ready(): boolean {
    return (this.cc & 1) === 1 && (this.csts & 1) === 1;
  }

  /** CC as written. */
  get ccValue(): number {
    return this.cc;
  }

  /** CSTS as a host reads it. */
  get cstsValue(): number {
    return this.csts;
  }

  /** Property Get of `size` bytes at `offset`; CAP is 8 bytes, VS/CC/CSTS 4 (as Linux's target allows). */
  get(offset: number, size: number): PropertyValue {
    if (size === 8) {
      return offset === Register.CAP ? { status: 0, value: this.cap } : { status: INVALID_FIELD, value: 0n };
    }
    if (size !== 4) return { status: INVALID_FIELD, value: 0n };
    switch (offset) {
      case Register.VS:
        return { status: 0, value: BigInt(TARGET_VERSION) };
      case Register.CC:
        return { status: 0, value: BigInt(this.cc >>> 0) };
      case Register.CSTS:
        return { status: 0, value: BigInt(this.csts >>> 0) };
      default:
        return { status: INVALID_FIELD, value: 0n };
    }
  }

  /** Property Set; only CC (4 bytes) is writable. @returns 0 or a status */
  set(offset: number, size: number, value: bigint): number {
    if (size !== 4 || offset !== Register.CC) return INVALID_FIELD;
    this.writeCc(Number(value & 0xffff_ffffn));
    return 0;
  }

  private writeCc(v: number): void {
    const was = this.cc;
    this.cc = v >>> 0;
    const cc = decodeCc(this.cc);
    const wasEnabled = (was & 1) === 1;
    if (cc.en && !wasEnabled) {
      const ok = cc.iosqes === IOSQES && cc.iocqes === IOCQES && cc.mps === 0;
      this.csts = ok ? this.csts | 1 : this.csts | 2; // RDY, or CFS
    } else if (!cc.en && wasEnabled) {
      this.csts = 0;
      this.events.disabled();
    }
    // Shutdown: report it complete at once (nothing is cached here); clearing SHN clears SHST.
    const shst = cc.shn !== 0 ? ShutdownStatus.Complete : ShutdownStatus.Normal;
    this.csts = (this.csts & ~(3 << 2)) | (shst << 2);
  }
}
