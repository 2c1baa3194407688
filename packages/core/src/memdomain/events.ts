/**
 * Domain creation and destruction as a stream (SPDK's update-notification subscribers, as RxJS).
 * @module
 */
import { type Observable, Subject } from "rxjs";
import type { MemoryDomain } from "./domain.js";

/** A domain was registered ("created") or removed from the registry ("destroyed"). */
export interface MemoryDomainEvent {
  /** What happened. */
  readonly type: "created" | "destroyed";
  /** The domain it happened to. */
  readonly domain: MemoryDomain;
}

const events = new Subject<MemoryDomainEvent>();

/**
 * Every domain created or destroyed from now on (hot; no replay: the domains that already exist are
 * found with `getFirstMemoryDomain`/`getNextMemoryDomain`). Emitted after the registry changed.
 */
export const memoryDomainEvents$: Observable<MemoryDomainEvent> = events.asObservable();

/** Announces a registry change (used by the registry only). */
export function emitMemoryDomainEvent(type: MemoryDomainEvent["type"], domain: MemoryDomain): void {
  // Nobody listening is the common case: skip building the event object.
  if (events.observed) events.next({ type, domain });
}
