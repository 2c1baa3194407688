/**
 * How the soft controller's command handlers end a command with an error status: they throw a
 * {@link CommandFailure}, and the dispatcher turns it into the completion's status field.
 * @module
 */
import { nvmeStatus } from "./nvme-raw.js";

/** Thrown by a command handler to complete its command with `status` instead of success. */
export class CommandFailure extends Error {
  /** The 15-bit completion status field (SC, SCT, CRD, More, DNR). */
  readonly status: number;

  /** @param status 15-bit status field  @param why a diagnostic for test output */
  constructor(status: number, why: string) {
    super(why);
    this.name = "CommandFailure";
    this.status = status;
  }
}

/** Throws a {@link CommandFailure} with SCT/SC and, as the default for errors it detects, DNR set. */
export function fail(sct: number, sc: number, why: string): never {
  throw new CommandFailure(nvmeStatus(sct, sc, { dnr: true }), why);
}
