/**
 * One typed error family for everything nvmekit reports. Every error has a stable `code` a program
 * can switch on; messages say what went wrong and what to do about it.
 * @module
 */
import { isRetryableStatus, statusName } from "./spec/status.js";

/** Base class of every error nvmekit throws or delivers. */
export class NvmeError extends Error {
  /** Stable machine-readable code, e.g. `ERR_NVME_STATUS`. */
  readonly code: string;

  /** @param code stable machine-readable code  @param message human-readable explanation */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A command completed with a non-zero NVMe status. */
export class NvmeStatusError extends NvmeError {
  /** Status Code Type (0 generic, 1 command specific, 2 media/data integrity, 3 path, 7 vendor). */
  readonly sct: number;
  /** Status Code within its type. */
  readonly sc: number;
  /** The specification's name for this status, e.g. "Invalid Field in Command". */
  readonly statusName: string;
  /** Do Not Retry: the controller says the same command will fail again. */
  readonly dnr: boolean;
  /** Command Retry Delay index (0 = none), selecting CRDT1..3 of Identify Controller. */
  readonly crd: number;
  /** More: further information is in the Error Information log page. */
  readonly more: boolean;
  /** Whether SPDK's rules would retry a command that ended with this status. */
  readonly retryable: boolean;

  /**
   * @param status the 15-bit status field of a completion (bits 17..31 of DW3, shifted down)
   * @param what a short description of the failed command for the message, e.g. "Read nsid 1 lba 8"
   */
  constructor(status: number, what: string) {
    const sc = status & 0xff;
    const sct = (status >> 8) & 0x7;
    const crd = (status >> 11) & 0x3;
    const more = ((status >> 13) & 1) === 1;
    const dnr = ((status >> 14) & 1) === 1;
    const name = statusName(sct, sc);
    super(
      "ERR_NVME_STATUS",
      `${what} failed: ${name} (SCT 0x${sct.toString(16)}, SC 0x${sc.toString(16).padStart(2, "0")}` +
        `${dnr ? ", DNR" : ""}${more ? ", More" : ""}${crd ? `, CRD ${crd}` : ""})`,
    );
    this.sct = sct;
    this.sc = sc;
    this.statusName = name;
    this.dnr = dnr;
    this.crd = crd;
    this.more = more;
    this.retryable = isRetryableStatus(sct, sc, dnr);
  }
}

/** Bad input, rejected before anything was submitted to the device. */
export class InvalidArgumentError extends NvmeError {
  /** Name of the offending argument, e.g. "lba" or "buffer". */
  readonly argument: string;

  /** @param argument offending argument  @param message what is wrong and how to fix it */
  constructor(argument: string, message: string) {
    super("ERR_NVME_INVALID_ARGUMENT", `${argument}: ${message}`);
    this.argument = argument;
  }
}

/** A transport ID string that cannot be parsed; `token` is the offending `key:value` pair. */
export class TransportIdError extends NvmeError {
  /** The offending token of the input string. */
  readonly token: string;

  /** @param token offending token  @param message why it was rejected */
  constructor(token: string, message: string) {
    super("ERR_NVME_TRID", `transport ID: ${message} in "${token}"`);
    this.token = token;
  }
}

/** An operation that the object's current state forbids: a closed qpair, a detached or failed controller. */
export class StateError extends NvmeError {
  /** @param message what state forbids the operation, and what to do instead */
  constructor(message: string) {
    super("ERR_NVME_STATE", message);
  }
}

/** A wait that ran out of time: controller readiness, a command, a queue drain. */
export class NvmeTimeoutError extends NvmeError {
  /** @param message what did not finish in time */
  constructor(message: string) {
    super("ERR_NVME_TIMEOUT", message);
  }
}

/** A transport could not do what was asked: not available here, connection refused, device gone. */
export class TransportError extends NvmeError {
  /** @param message what failed and how to fix it */
  constructor(message: string, options?: ErrorOptions) {
    super("ERR_NVME_TRANSPORT", message, options);
  }
}
