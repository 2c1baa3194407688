/**
 * A completion's non-zero status as a thrown error: the status field decoded into SCT/SC, the
 * specification's name for it, DNR, CRD and More.
 * @module
 */
import { NvmeError } from "../errors/errors.js";
import { isRetryableStatus, statusName } from "./status.js";

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
