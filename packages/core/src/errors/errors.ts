/**
 * One typed error family for everything nvmekit reports. Every error has a stable `code` a program
 * can switch on; messages say what went wrong and what to do about it.
 * @module
 */
import { errnoName } from "./errno.js";

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

/**
 * A native call (libc, libibverbs, librdmacm) failed; `errno` says why. Transports that bind C
 * libraries throw it so callers can switch on `errnoName` and messages say what to do.
 */
export class NativeError extends TransportError {
  /** The errno value the call left behind (0 when the call reports failure without one). */
  readonly errno: number;
  /** Symbolic errno, e.g. `EPERM`. */
  readonly errnoName: string;
  /** The failed call, e.g. `ioctl(VFIO_IOMMU_MAP_DMA)`. */
  readonly syscall: string;

  /**
   * @param syscall the failed call
   * @param errno the errno it left
   * @param hint what the caller can do about it (appended to the message)
   */
  constructor(syscall: string, errno: number, hint?: string) {
    const name = errnoName(errno);
    super(`${syscall} failed: ${name}${hint ? `: ${hint}` : ""}`);
    this.errno = errno;
    this.errnoName = name;
    this.syscall = syscall;
  }
}
