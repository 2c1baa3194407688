/**
 * Controller states: the initialisation state machine's steps (as SPDK's nvme_ctrlr_state names
 * them) and the life after it. Published as an Observable by the controller.
 * @module
 */

/** Where a controller is in its life. */
export enum ControllerState {
  /** Connected by the transport, nothing done yet. */
  Init = "init",
  /** Fabrics: sending Connect on the admin queue, which creates the controller on the target. */
  ConnectAdminQueue = "connect-admin-queue",
  /** CC.EN was 1 and CSTS.RDY 0: waiting for RDY=1 before the controller may be disabled. */
  DisableWaitForReady1 = "disable-wait-for-ready-1",
  /** Writing CC.EN = 0. */
  SetEn0 = "set-en-0",
  /** Waiting for CSTS.RDY = 0, at most CAP.TO. */
  DisableWaitForReady0 = "disable-wait-for-ready-0",
  /** Creating the admin queue and programming AQA/ASQ/ACQ. */
  EnableAdminQueue = "enable-admin-queue",
  /** Writing CC with EN = 1. */
  Enable = "enable",
  /** Waiting for CSTS.RDY = 1, at most CAP.TO. */
  EnableWaitForReady1 = "enable-wait-for-ready-1",
  /** Identify Controller. */
  Identify = "identify",
  /** Set Features: Number of Queues. */
  SetNumQueues = "set-num-queues",
  /** Identify: active namespace list, then each namespace. */
  IdentifyNamespaces = "identify-namespaces",
  /** Async Event Configuration and the outstanding Asynchronous Event Requests. */
  ConfigureAer = "configure-aer",
  /** Doorbell Buffer Config, when the controller offers it and the transport uses doorbells. */
  SetDoorbellBufferConfig = "set-doorbell-buffer-config",
  /** Set Features: Keep Alive Timer. */
  SetKeepAliveTimeout = "set-keep-alive-timeout",
  /** Initialised: commands and I/O queue pairs are allowed. */
  Ready = "ready",
  /** A reset is in progress; I/O waits. */
  Resetting = "resetting",
  /** Initialisation or a reset failed, or the controller reported fatal status. */
  Failed = "failed",
  /** The device went away (hot removal). */
  Removed = "removed",
  /** Shut down and detached; the object is no longer usable. */
  Detached = "detached",
}
