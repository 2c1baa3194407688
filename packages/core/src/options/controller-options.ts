/**
 * Controller options, as in SPDK's spdk_nvme_ctrlr_opts: requested in the probe callback, negotiated
 * with the controller during initialisation, and reported back as actually used in the attach callback.
 * @module
 */
import { ArbitrationMechanism } from "../nvme-spec/registers.js";
import { defaultHostIdentity } from "./host-identity.js";

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
  };
}
