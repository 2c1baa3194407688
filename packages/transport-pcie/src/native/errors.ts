/**
 * Errors from libc calls: a {@link TransportError} that carries the errno, its symbolic name and the
 * call that failed, so callers can switch on `errnoName` and messages say what to do.
 * @module
 */
import { constants } from "node:os";
import { TransportError } from "@nvmekit/core";

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The symbolic name of an errno value, e.g. `ENOMEM`, or `errno N` when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** A system call failed; `errno` says why. */
export class NativeError extends TransportError {
  /** The errno value the call left behind. */
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
