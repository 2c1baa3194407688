/**
 * librdmacm's connection manager without blocking the event loop: one event channel per thread that
 * connects queues, its fd non-blocking and read from a timer (every millisecond while a connection
 * step waits for its event, every {@link IDLE_CHECK_MS} otherwise, unref'd), every event copied,
 * acknowledged at once and handed to the {@link CmId} it belongs to. Queues wait for the events of
 * their connection steps with a time limit; once connected, an id's later events (a disconnect) go to
 * its listener. A timer rather than a thread-pool wait: connection events are rare, and a wait that
 * never ends would hold one of libuv's four pool threads for good (one per worker thread, too).
 * @module
 */
import { NativeError, TransportError } from "@nvmekit/core";
import koffi from "koffi";
import { CmEventType, F_SETFL, O_NONBLOCK, RDMA_PS_TCP, RdmaCmEvent, RdmaEventChannel } from "./layouts.js";
import { rdmaLibraries } from "./libraries.js";

const EAGAIN = 11;
/** How often an idle channel is read: how soon a disconnect without I/O in flight is noticed. */
export const IDLE_CHECK_MS = 200;

/** One connection-manager event, copied out of librdmacm's memory. */
export interface CmEvent {
  /** What happened. */
  readonly type: CmEventType;
  /** The event's status (an errno, negated, for errors; the reject reason's transport code for REJECTED). */
  readonly status: number;
  /** The peer's private data (accept or reject), empty when none. */
  readonly privateData: Uint8Array;
}

/** The name librdmacm gives an event type, e.g. `RDMA_CM_EVENT_REJECTED`. */
export function cmEventName(type: CmEventType): string {
  return rdmaLibraries().rdma_event_str(type) as string;
}

/** One rdma_cm_id and the events it received. */
export class CmId {
  private readonly pending: CmEvent[] = [];
  private waiter: ((event: CmEvent | null) => void) | null = null;
  /** Receives the events nobody waits for once the connection is up (a disconnect); set by the owner. */
  onEvent: ((event: CmEvent) => void) | null = null;

  /**
   * @param id the rdma_cm_id pointer
   * @param waits told when a {@link next} starts and ends waiting, so the channel reads often meanwhile
   */
  constructor(
    readonly id: bigint,
    private readonly waits: { started(): void; ended(): void },
  ) {}

  /** Called by the channel for each of this id's events. */
  deliver(event: CmEvent): void {
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter(event);
    } else if (this.onEvent !== null) this.onEvent(event);
    else this.pending.push(event);
  }

  /**
   * The next event, in order.
   * @throws TransportError naming `step` when none comes within `timeoutMs`
   */
  next(step: string, timeoutMs: number): Promise<CmEvent> {
    const queued = this.pending.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    this.waits.started();
    return new Promise<CmEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        this.waits.ended();
        reject(new TransportError(`RDMA ${step}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (event) => {
        clearTimeout(timer);
        this.waits.ended();
        if (event === null) reject(new TransportError(`RDMA ${step}: the connection manager closed`));
        else resolve(event);
      };
    });
  }

  /** Fails a pending {@link next} (the channel is closing). */
  cancel(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(null);
  }
}

/** An rdma_event_channel serving several ids, read from a timer. */
export class CmEventChannel {
  private readonly channel: bigint;
  private readonly ids = new Map<bigint, CmId>();
  private readonly eventOut = new BigUint64Array(1);
  private readonly idOut = new BigUint64Array(1);
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private timerFast = false;
  /** {@link CmId.next} calls waiting for an event. */
  private waiting = 0;
  private readonly waits = {
    started: (): void => {
      this.waiting++;
      this.schedule();
    },
    ended: (): void => {
      this.waiting--;
    },
  };
  private readonly tick = (): void => {
    this.timer = null;
    if (this.closed) return;
    try {
      this.drain();
    } catch {
      // The channel itself failed: nothing more will arrive; whoever waits hears it now.
      for (const id of this.ids.values()) id.cancel();
      return;
    }
    this.schedule();
  };

  /** @throws NativeError when the channel cannot be created (no rdma_cm: `modprobe rdma_ucm`) */
  constructor() {
    const lib = rdmaLibraries();
    const channel = lib.rdma_create_event_channel();
    if (!channel)
      throw new NativeError(
        "rdma_create_event_channel",
        koffi.errno(),
        "is the rdma_ucm module loaded (/dev/infiniband/rdma_cm)?",
      );
    this.channel = BigInt(channel);
    const fd = new DataView(koffi.view(this.channel, 4)).getInt32(RdmaEventChannel.fd, true);
    if (lib.fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
      const errno = koffi.errno();
      lib.rdma_destroy_event_channel(this.channel);
      throw new NativeError("fcntl(O_NONBLOCK)", errno);
    }
    this.schedule();
  }

  /**
   * A new rdma_cm_id on this channel (port space TCP, as NVMe-oF uses).
   * @throws NativeError when rdma_create_id fails
   */
  createId(): CmId {
    if (rdmaLibraries().rdma_create_id(this.channel, this.idOut, null, RDMA_PS_TCP) !== 0)
      throw new NativeError("rdma_create_id", koffi.errno());
    const id = new CmId(this.idOut[0]!, this.waits);
    this.ids.set(id.id, id);
    return id;
  }

  /** Destroys `id` (its QP must be gone); its events are no longer delivered. */
  destroyId(id: CmId): void {
    if (!this.ids.delete(id.id)) return;
    id.cancel();
    rdmaLibraries().rdma_destroy_id(id.id);
  }

  /** Stops reading and destroys the channel; every id must be destroyed first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const id of this.ids.values()) id.cancel();
    rdmaLibraries().rdma_destroy_event_channel(this.channel);
  }

  /** The next read: in a millisecond while someone waits for an event, else idly (not keeping the process alive). */
  private schedule(): void {
    if (this.closed) return;
    const fast = this.waiting > 0;
    if (this.timer !== null) {
      if (this.timerFast || !fast) return;
      clearTimeout(this.timer);
    }
    this.timerFast = fast;
    this.timer = setTimeout(this.tick, fast ? 1 : IDLE_CHECK_MS);
    if (!fast) this.timer.unref();
  }

  /** Takes every event waiting on the channel. */
  private drain(): void {
    const lib = rdmaLibraries();
    for (;;) {
      if (lib.rdma_get_cm_event(this.channel, this.eventOut) !== 0) {
        const errno = koffi.errno();
        if (errno === EAGAIN) return;
        throw new NativeError("rdma_get_cm_event", errno);
      }
      const pointer = this.eventOut[0]!;
      const raw = new DataView(koffi.view(pointer, 40));
      const idPointer = raw.getBigUint64(RdmaCmEvent.id, true);
      const type = raw.getInt32(RdmaCmEvent.event, true) as CmEventType;
      const status = raw.getInt32(RdmaCmEvent.status, true);
      const dataPointer = raw.getBigUint64(RdmaCmEvent.privateData, true);
      const dataLength = raw.getUint8(RdmaCmEvent.privateDataLen);
      const carriesData = type === CmEventType.Established || type === CmEventType.Rejected;
      const privateData =
        carriesData && dataPointer !== 0n && dataLength > 0
          ? new Uint8Array(koffi.view(dataPointer, dataLength)).slice()
          : new Uint8Array(0);
      lib.rdma_ack_cm_event(pointer);
      this.ids.get(idPointer)?.deliver({ type, status, privateData });
    }
  }
}
