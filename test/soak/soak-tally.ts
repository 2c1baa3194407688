/**
 * The soak's account: verified I/Os, resets, faults, removals, findings, and the last line
 * `soak: N verified I/Os, R resets, F faults injected, H hot removals, L lost, C corrupted`, whose
 * lost and corrupted figures are the verify model's counts, never constants.
 * @module
 */
import {
  corruptedReads,
  lostReads,
  type VerifyCounts,
  type VerifyModel,
  type WorkloadResult,
} from "@nvmekit/cli";

/** What a soak did and found. */
export class SoakTally {
  /** @param model the verify model every phase shares: its counts are the soak's */
  constructor(private readonly model: VerifyModel) {}

  /** The verify counts of every phase so far. */
  get counts(): VerifyCounts {
    return this.model.counts;
  }
  /** Controller resets that completed. */
  resets = 0;
  /** Faults armed (each matches the next I/Os, so it applies within its phase). */
  faults = 0;
  /** Hot (surprise) removals. */
  removals = 0;
  /** I/Os that completed with an error status (failed and aborted ones: every one reported). */
  errors = 0;
  /** Completions of I/Os not in flight: a command completed twice. */
  duplicates = 0;
  /** Things the soak saw the driver do wrong or not do (a stall, an unnoticed fatal status). */
  readonly findings: string[] = [];

  /** Adds a phase's figures (its verify counts are the shared model's). */
  add(r: WorkloadResult): void {
    this.errors += r.errors;
    this.duplicates += r.duplicateCompletions;
  }

  /** I/Os the model held to account: reads checked against it and writes it recorded as acknowledged. */
  get verified(): number {
    return this.counts.checked + this.counts.acknowledged;
  }

  /** The report: details, findings, then the last line. */
  lines(): string[] {
    const c = this.counts;
    return [
      `reads checked ${c.checked}, writes acknowledged ${c.acknowledged}, writes failed or aborted ${c.failedWrites}, ` +
        `I/O errors reported ${this.errors}, duplicate completions ${this.duplicates}`,
      `verify: ${c.lost} lost, ${c.stale} stale, ${c.torn} torn, ${c.misdirected} misdirected, ` +
        `${c.phantom} phantom, ${c.unfilled} unfilled, ${c.garbled} garbled`,
      ...(this.model.firstFailure === undefined ? [] : [`first verify failure: ${this.model.firstFailure}`]),
      ...this.findings.map((f) => `finding: ${f}`),
      `soak: ${this.verified} verified I/Os, ${this.resets} resets, ${this.faults} faults injected, ` +
        `${this.removals} hot removals, ${lostReads(c)} lost, ${corruptedReads(c)} corrupted`,
    ];
  }

  /** Whether the soak passed: nothing lost or corrupted, no duplicate completion, no finding. */
  get passed(): boolean {
    return (
      lostReads(this.counts) + corruptedReads(this.counts) === 0 &&
      this.duplicates === 0 &&
      this.findings.length === 0
    );
  }
}
