/**
 * Controller options, as in SPDK's spdk_nvme_ctrlr_opts: requested in the probe callback, negotiated
 * with the controller during initialisation, and reported back as actually used in the attach callback.
 * @module
 */
import { randomUUID } from "node:crypto";
import { ArbitrationMechanism } from "../nvme-spec/registers.js";

/** Options for attaching a controller. Every field has a default; see {@link defaultControllerOptions}. */
export interface ControllerOptions {
  /** Number of I/O queues to request with the Number of Queues feature. */
  numIoQueues: number;
  /** Entries in each I/O queue ring (capped by CAP.MQES + 1). */
  ioQueueSize: number;
  /**
   * Requests allocated per I/O queue pair; at least `ioQueueSize`. Requests beyond the ring's
   * capacity wait in software, as split I/O may need several ring entries each.
   */
  ioQueueRequests: number;
  /** Entries in the admin queue ring. */
  adminQueueSize: number;
  /** Keep Alive Timeout in milliseconds (0 disables keep-alive). */
  keepAliveTimeoutMs: number;
  /** How many times a command that failed with a retryable status is retried. */
  transportRetryCount: number;
  /** Arbitration mechanism to enable in CC.AMS (must be offered by CAP.AMS). */
  arbitrationMechanism: ArbitrationMechanism;
  /** Put I/O submission queues in the controller memory buffer when one exists. */
  useCmbSqs: boolean;
  /**
   * Use shadow doorbells (Doorbell Buffer Config) when the controller offers them and the transport
   * has doorbells: the host writes queue tails and heads to memory and writes the doorbell registers
   * only when the controller's EventIdx asks for it, which spares emulated controllers most traps.
   */
  useShadowDoorbells: boolean;
  /** Host NQN presented to fabrics controllers (unused by PCIe). */
  hostnqn: string;
  /** Time limit for admin commands issued by the core during initialisation, in milliseconds. */
  adminTimeoutMs: number;
}

/** A host NQN in the NVMe-defined UUID form, one per process (as SPDK generates one). */
const PROCESS_HOSTNQN = `nqn.2014-08.org.nvmexpress:uuid:${randomUUID()}`;

/** The defaults, as SPDK chooses them; the host NQN is a UUID-based one made once per process. */
export function defaultControllerOptions(): ControllerOptions {
  return {
    numIoQueues: 1024,
    ioQueueSize: 256,
    ioQueueRequests: 512,
    adminQueueSize: 32,
    keepAliveTimeoutMs: 10_000,
    transportRetryCount: 4,
    arbitrationMechanism: ArbitrationMechanism.RoundRobin,
    useCmbSqs: false,
    useShadowDoorbells: true,
    hostnqn: PROCESS_HOSTNQN,
    adminTimeoutMs: 10_000,
  };
}
