/**
 * One typed error family for everything nvmekit reports. Every error has a stable `code` a program
 * can switch on; messages say what went wrong and what to do about it.
 * @module
 */

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
