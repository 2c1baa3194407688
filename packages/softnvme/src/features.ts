/**
 * The soft controller's features (Set/Get Features): current values, defaults, the Number of Queues
 * negotiation and the host identifier, with the validation a controller does.
 * @module
 */
import { fail } from "./command-failure.js";
import { Fid, GenericSc, Sct, SpecificSc } from "./nvme-raw.js";

/** Limits a feature store checks against. */
export interface FeatureLimits {
  /** Most I/O submission (and completion) queues the controller grants. */
  maxIoQueues: number;
  /** Number of power states minus one (NPSS). */
  npss: number;
  /** Default over-temperature threshold, Kelvin (WCTEMP). */
  wctemp: number;
  /** Whether a volatile write cache is present. */
  vwc: boolean;
}

/** Result of a Get Features: DW0 of the completion and, for the host identifier, data to return. */
export interface FeatureValue {
  /** Completion DW0. */
  dw0: number;
  /** Data for the host (Host Identifier). */
  data?: Uint8Array;
}

// Features whose value is simply CDW11 as set (value kept raw, default given here).
const RAW_DEFAULTS: ReadonlyMap<number, number> = new Map([
  [Fid.Arbitration, 0],
  [Fid.PowerManagement, 0],
  [Fid.ErrorRecovery, 0],
  [Fid.InterruptCoalescing, 0],
  [Fid.AsyncEventConfig, 0],
  [Fid.KeepAliveTimer, 0],
]);

/** Current feature values of one controller. */
export class FeatureStore {
  /** Values of the plain features by FID. */
  readonly values = new Map<number, number>();
  /** Temperature thresholds keyed by TMPSEL << 4 | THSEL. */
  readonly thresholds = new Map<number, number>();
  /** Volatile write cache enabled. */
  writeCacheEnabled = true;
  /** I/O submission queues granted (1-based); undefined until the host sets Number of Queues. */
  sqGranted: number | undefined;
  /** I/O completion queues granted (1-based). */
  cqGranted: number | undefined;
  /** Host identifier bytes (8 or 16), empty until set. */
  hostId: Uint8Array = new Uint8Array(0);
  /** Every Set Features the host issued, in order: FID and CDW11. */
  readonly history: {
    /** Feature identifier. */
    fid: number;
    /** CDW11 as set. */
    cdw11: number;
  }[] = [];

  /** @param limits controller limits the values are checked against */
  constructor(private readonly limits: FeatureLimits) {
    this.reset();
  }

  /** Back to defaults (controller reset). */
  reset(): void {
    this.values.clear();
    for (const [fid, v] of RAW_DEFAULTS) this.values.set(fid, v);
    this.thresholds.clear();
    this.writeCacheEnabled = this.limits.vwc;
    this.sqGranted = undefined;
    this.cqGranted = undefined;
    this.hostId = new Uint8Array(0);
  }

  /** How many I/O queues the host may create (what was granted, or the maximum if never negotiated). */
  get ioQueueLimit(): number {
    return Math.min(this.sqGranted ?? this.limits.maxIoQueues, this.cqGranted ?? this.limits.maxIoQueues);
  }

  /** Get Features: `sel` is CDW10 bits 10:8 (0 current, 1 default, 2 saved, 3 supported capabilities). */
  get(fid: number, sel: number, cdw11: number): FeatureValue {
    this.check(fid);
    if (sel === 3) {
      // Capabilities: not saveable (bit 0), namespace specific (bit 1) for Error Recovery, changeable (bit 2).
      return { dw0: (fid === Fid.ErrorRecovery ? 1 << 1 : 0) | (1 << 2) };
    }
    if (sel > 3) fail(Sct.Generic, GenericSc.InvalidField, `Get Features SEL ${sel} is reserved`);
    const current = sel === 0;
    switch (fid) {
      case Fid.TemperatureThreshold: {
        // TMPSEL is CDW11 bits 19:16, THSEL bits 21:20 (0: over, 1: under threshold).
        const thsel = (cdw11 >>> 20) & 0x3;
        const key = (((cdw11 >>> 16) & 0xf) << 4) | thsel;
        const over = thsel === 0;
        const dflt = over ? this.limits.wctemp : 0;
        const v = current ? (this.thresholds.get(key) ?? dflt) : dflt;
        return { dw0: (v & 0xffff) | (cdw11 & 0x3f_0000) };
      }
      case Fid.VolatileWriteCache:
        return { dw0: current ? (this.writeCacheEnabled ? 1 : 0) : this.limits.vwc ? 1 : 0 };
      case Fid.NumberOfQueues: {
        const n = this.limits.maxIoQueues;
        const sq = current ? (this.sqGranted ?? n) : n;
        const cq = current ? (this.cqGranted ?? n) : n;
        return { dw0: (((cq - 1) << 16) | (sq - 1)) >>> 0 };
      }
      case Fid.HostIdentifier: {
        // CDW11 bit 0 (EXHID) selects the 128-bit identifier; otherwise 64 bits.
        const data = new Uint8Array(cdw11 & 1 ? 16 : 8);
        if (current) data.set(this.hostId.subarray(0, data.length));
        return { dw0: 0, data };
      }
      default:
        return { dw0: current ? this.values.get(fid)! : RAW_DEFAULTS.get(fid)! };
    }
  }

  /**
   * Set Features with CDW11 (and data for the host identifier); returns completion DW0.
   * `ioQueuesExist` forbids renegotiating the number of queues, as the specification does.
   */
  set(fid: number, cdw10: number, cdw11: number, ioQueuesExist: boolean, data?: Uint8Array): number {
    this.check(fid);
    if (cdw10 >>> 31)
      fail(
        Sct.CommandSpecific,
        SpecificSc.FeatureNotSaveable,
        `feature 0x${fid.toString(16)} is not saveable`,
      );
    this.history.push({ fid, cdw11 });
    switch (fid) {
      case Fid.NumberOfQueues: {
        const nsqr = cdw11 & 0xffff;
        const ncqr = cdw11 >>> 16;
        if (nsqr === 0xffff || ncqr === 0xffff)
          fail(Sct.Generic, GenericSc.InvalidField, "NSQR/NCQR of 65535");
        if (ioQueuesExist)
          fail(
            Sct.Generic,
            GenericSc.CommandSequenceError,
            "Number of Queues set after I/O queues were created",
          );
        this.sqGranted = Math.min(nsqr + 1, this.limits.maxIoQueues);
        this.cqGranted = Math.min(ncqr + 1, this.limits.maxIoQueues);
        return (((this.cqGranted - 1) << 16) | (this.sqGranted - 1)) >>> 0;
      }
      case Fid.TemperatureThreshold: {
        const tmpsel = (cdw11 >>> 16) & 0xf;
        const thsel = (cdw11 >>> 20) & 0x3;
        if (thsel > 1 || (tmpsel > 8 && tmpsel !== 0xf))
          fail(Sct.Generic, GenericSc.InvalidField, "bad TMPSEL/THSEL");
        this.thresholds.set((tmpsel << 4) | thsel, cdw11 & 0xffff);
        return 0;
      }
      case Fid.VolatileWriteCache:
        if (!this.limits.vwc) fail(Sct.Generic, GenericSc.InvalidField, "no volatile write cache");
        this.writeCacheEnabled = (cdw11 & 1) === 1;
        return 0;
      case Fid.PowerManagement:
        if ((cdw11 & 0x1f) > this.limits.npss)
          fail(Sct.Generic, GenericSc.InvalidField, "power state above NPSS");
        break;
      case Fid.HostIdentifier: {
        const len = cdw11 & 1 ? 16 : 8;
        this.hostId = Uint8Array.from((data ?? new Uint8Array(len)).subarray(0, len));
        return 0;
      }
    }
    this.values.set(fid, cdw11 >>> 0);
    return 0;
  }

  private check(fid: number): void {
    const known =
      RAW_DEFAULTS.has(fid) ||
      fid === Fid.TemperatureThreshold ||
      fid === Fid.VolatileWriteCache ||
      fid === Fid.NumberOfQueues ||
      fid === Fid.HostIdentifier;
    if (!known) fail(Sct.Generic, GenericSc.InvalidField, `feature 0x${fid.toString(16)} not supported`);
  }
}
