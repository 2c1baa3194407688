/**
 * Controller options, as in SPDK's spdk_nvme_ctrlr_opts: requested in the probe callback, negotiated
 * with the controller during initialisation, and reported back as actually used in the attach callback.
 * @module
 */
import { ArbitrationMechanism } from "../nvme-spec/registers.js";
import { defaultHostIdentity } from "./host-identity.js";

/**
 * What the controller does when a command outlives the limit given to
 * `Controller.registerTimeoutCallback`, after the callback and `timeout$` were told (SPDK's nvme
 * bdev `action_on_timeout`).
 */
export enum TimeoutAction {
  /** Nothing more: the application decides (e.g. sends Abort itself, as SPDK applications do). */
  None = "none",
  /** Send Abort for the command. */
  Abort = "abort",
  /**
   * Send Abort; reset the controller when the Abort fails, the controller declines it, or the
   * command is still outstanding at twice its limit.
   */
  Reset = "reset",
}

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
  /**
   * Host NQN presented to fabrics controllers in Connect (unused by PCIe). Default: the machine's
   * (/etc/nvme/hostnqn, as nvme-cli keeps it), else one generated once and kept (see defaultHostIdentity).
   */
  hostnqn: string;
  /**
   * Host identifier (a UUID) sent with the host NQN in Connect; keep the pair together, as targets
   * (Linux nvmet) warn about one host ID under two NQNs. Default: /etc/nvme/hostid, or the UUID of a
   * generated host NQN.
   */
  hostid: string;
  /**
   * Fabrics: after the connection to the controller is lost, how long to wait before each attempt to
   * reconnect (nvme-cli's reconnect-delay), in milliseconds.
   */
  reconnectDelayMs: number;
  /**
   * Fabrics: how long to keep trying to reconnect after the connection is lost before the controller
   * stays failed (nvme-cli's ctrl-loss-tmo), in milliseconds; 0 gives up at once.
   */
  ctrlLossTimeoutMs: number;
  /** NVMe/TCP: ask for header digests (CRC32C over each PDU header), as SPDK's header_digest. */
  headerDigest: boolean;
  /** NVMe/TCP: ask for data digests (CRC32C over each PDU's data), as SPDK's data_digest. */
  dataDigest: boolean;
  /** Time limit for admin commands issued by the core during initialisation, in milliseconds. */
  adminTimeoutMs: number;
  /**
   * Time limit of each Promise-face I/O command, in milliseconds (0: none), unless the queue pair or
   * the call gives its own. Past it the command is aborted, and if that does not end it the
   * controller is reset (Linux's order); the Promise rejects with NvmeTimeoutError once the command
   * has ended, so every Promise-face I/O settles with its buffers free.
   */
  ioTimeoutMs: number;
  /** What follows a command outliving the limit of `registerTimeoutCallback` (see {@link TimeoutAction}). */
  timeoutAction: TimeoutAction;
  /**
   * PCIe: while commands are outstanding and nothing completes, read CSTS at most this often (ms; 0:
   * never) to notice a controller fatal status (the controller fails) or a device that reads all
   * ones (it was removed).
   */
  healthCheckIntervalMs: number;
  /** Reset the controller automatically once it failed with a controller fatal status. */
  autoReset: boolean;
}

/** The defaults, as SPDK and nvme-cli choose them; the host identity is the machine's (see {@link defaultHostIdentity}). */
export function defaultControllerOptions(): ControllerOptions {
  const host = defaultHostIdentity();
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
    hostnqn: host.hostnqn,
    hostid: host.hostidText,
    reconnectDelayMs: 10_000,
    ctrlLossTimeoutMs: 600_000,
    headerDigest: false,
    dataDigest: false,
    adminTimeoutMs: 10_000,
    ioTimeoutMs: 30_000,
    timeoutAction: TimeoutAction.None,
    healthCheckIntervalMs: 100,
    autoReset: false,
  };
}
