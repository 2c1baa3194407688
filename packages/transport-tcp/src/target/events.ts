/**
 * What an {@link NvmeTcpTarget} reports on its `events$` stream: connections opening and closing,
 * controllers created and gone (with why), and protocol errors the target answered with a
 * C2HTermReq. Plain data, emitted on the target's thread.
 * @module
 */

/** A TCP connection was accepted. */
export interface ConnectionOpenedEvent {
  /** Discriminator. */
  type: "connection-opened";
  /** The peer, "address:port". */
  peer: string;
}

/** A TCP connection ended. */
export interface ConnectionClosedEvent {
  /** Discriminator. */
  type: "connection-closed";
  /** The peer, "address:port". */
  peer: string;
  /** Why: "peer closed", "H2CTermReq", "C2HTermReq sent", "controller gone", "target closed", ... */
  reason: string;
}

/** A host's admin Connect created a controller. */
export interface ControllerCreatedEvent {
  /** Discriminator. */
  type: "controller-created";
  /** The controller ID. */
  cntlid: number;
  /** The subsystem connected to. */
  subnqn: string;
  /** The host. */
  hostnqn: string;
}

/** A controller went away and its connections were closed. */
export interface ControllerDestroyedEvent {
  /** Discriminator. */
  type: "controller-destroyed";
  /** The controller ID. */
  cntlid: number;
  /** "keep-alive timeout", "admin queue closed", "target closed". */
  reason: string;
}

/** A queue connected (admin: qid 0). */
export interface QueueConnectedEvent {
  /** Discriminator. */
  type: "queue-connected";
  /** The controller ID. */
  cntlid: number;
  /** The queue ID. */
  qid: number;
  /** Entries (SQSIZE + 1). */
  size: number;
}

/** A Connect was refused. */
export interface ConnectRejectedEvent {
  /** Discriminator. */
  type: "connect-rejected";
  /** The peer, "address:port". */
  peer: string;
  /** What was wrong, e.g. "host nqn.x is not allowed". */
  reason: string;
}

/** The peer broke the protocol; the target sent a C2HTermReq and closed the connection. */
export interface ProtocolErrorEvent {
  /** Discriminator. */
  type: "protocol-error";
  /** The peer, "address:port". */
  peer: string;
  /** The Fatal Error Status sent. */
  fes: number;
  /** What was wrong. */
  message: string;
}

/** Something failed inside the target (a socket error, a backend failure). */
export interface TargetErrorEvent {
  /** Discriminator. */
  type: "error";
  /** The error. */
  error: Error;
}

/** Everything `events$` emits. */
export type TargetEvent =
  | ConnectionOpenedEvent
  | ConnectionClosedEvent
  | ControllerCreatedEvent
  | ControllerDestroyedEvent
  | QueueConnectedEvent
  | ConnectRejectedEvent
  | ProtocolErrorEvent
  | TargetErrorEvent;
