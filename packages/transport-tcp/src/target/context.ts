/**
 * What the target's parts need from the target itself: the backend, the settings in force, the
 * backend queue pool, the controllers by ID and the event stream. The target implements it; the
 * handlers and controllers see only this, so each part can be tested on its own.
 * @module
 */
import type { Controller } from "@nvmekit/core";
import type { BackendQueues } from "./backend-queues.js";
import type { TargetEvent } from "./events.js";
import type { VirtualController } from "./virtual-controller.js";

/** The settings a target runs with, resolved. */
export interface TargetSettings {
  /** The I/O subsystem's NQN. */
  readonly subnqn: string;
  /** In-capsule data an I/O queue accepts, bytes (a multiple of 16). */
  readonly inCapsuleDataSize: number;
  /** MAXH2CDATA announced in ICResp. */
  readonly maxH2CData: number;
  /** Largest queue a host may connect, entries (CAP.MQES + 1). */
  readonly maxQueueEntries: number;
  /** I/O queues granted per controller at most. */
  readonly maxIoQueues: number;
}

/** The target as its parts see it. */
export interface TargetContext {
  readonly backend: Controller;
  readonly settings: TargetSettings;
  readonly queues: BackendQueues;
  /** Whether `hostnqn` may connect to the I/O subsystem. */
  hostAllowed(hostnqn: string): boolean;
  /** The live controller `cntlid`, if any. */
  controller(cntlid: number): VirtualController | undefined;
  /** Creates a controller for an admin Connect (a fresh controller ID). */
  createController(init: {
    discovery: boolean;
    subnqn: string;
    hostnqn: string;
    hostid: Uint8Array;
    katoMs: number;
  }): VirtualController;
  /** Keeps `p` in the set of backend commands in flight that `close()` waits for. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Emits an event. */
  emit(event: TargetEvent): void;
}
