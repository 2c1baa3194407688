/**
 * Watching a PCIe controller's health while it runs: CSTS read at most every so often, when polling
 * keeps finding nothing while commands wait (or a completion of all ones arrives, or the admin
 * queue's idle tick comes round), so a controller fatal status or a vanished device is noticed
 * instead of leaving every command waiting forever. Nothing here is on the per-I/O path.
 * @module
 */
import { Register } from "../nvme-spec/registers.js";
import type { RegisterAccess } from "../transport/contract.js";

/** What a CSTS read says about the device. */
export enum Health {
  /** Neither of the below. */
  Ok = 0,
  /** CSTS.CFS: the controller hit a fatal error; it must be reset. */
  Fatal = 1,
  /** The register reads all ones: the device is gone from the bus. */
  Gone = 2,
}

/** Classifies a CSTS value. */
export function healthOf(csts: number): Health {
  if (csts >>> 0 === 0xffff_ffff) return Health.Gone;
  return (csts & 2) !== 0 ? Health.Fatal : Health.Ok;
}

/**
 * Reads CSTS on request, at most once per interval and one read at a time, and reports anything
 * but {@link Health.Ok}. Threading: the controller's thread.
 */
export class HealthWatch {
  private last = Number.NEGATIVE_INFINITY;
  private reading = false;

  /**
   * @param registers the controller's registers
   * @param intervalMs shortest time between two reads
   * @param report called with what a read found when it is not Ok
   */
  constructor(
    private readonly registers: RegisterAccess,
    private readonly intervalMs: number,
    private readonly report: (health: Health) => void,
  ) {}

  /** A reason to look: reads CSTS unless it was read less than the interval ago (a bound function). */
  readonly check = (): void => {
    const now = performance.now();
    if (this.reading || now - this.last < this.intervalMs) return;
    this.last = now;
    this.reading = true;
    this.registers.read32(Register.CSTS).then(
      (csts) => {
        this.reading = false;
        const health = healthOf(csts);
        if (health !== Health.Ok) this.report(health);
      },
      () => {
        this.reading = false;
      },
    );
  };
}
