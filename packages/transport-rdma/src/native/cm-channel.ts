/**
 * librdmacm's connection manager without blocking the event loop: one event channel per controller,
 * its fd non-blocking and watched from the thread pool (`poll`), every event copied, acknowledged at
 * once and handed to the {@link CmId} it belongs to. Queues wait for the events of their connection
 * steps with a time limit; once connected, an id's later events (a disconnect) go to its listener.
 * @module
 */
import { NativeError, TransportError } from "@nvmekit/core";
import koffi from "koffi";
import { CmEventType, RDMA_PS_TCP, RdmaCmEvent, RdmaEventChannel } from "./layouts.js";
import { rdmaLibraries } from "./libraries.js";

const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
const EFD_NONBLOCK_CLOEXEC = 0o4000 | 0o2000000;
const POLLIN = 1;
const EAGAIN = 11;

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

  /** @param id the rdma_cm_id pointer */
  constructor(readonly id: bigint) {}

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
    return new Promise<CmEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new TransportError(`RDMA ${step}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (event) => {
        clearTimeout(timer);
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

/** An rdma_event_channel serving several ids, pumped from the thread pool. */
export class CmEventChannel {
  private readonly channel: bigint;
  private readonly fd: number;
  private readonly wakeFd: number;
  private readonly ids = new Map<bigint, CmId>();
  private readonly eventOut = new BigUint64Array(1);
  private readonly idOut = new BigUint64Array(1);
  private closed = false;
  private readonly pumping: Promise<void>;

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
    this.fd = new DataView(koffi.view(this.channel, 4)).getInt32(RdmaEventChannel.fd, true);
    if (lib.fcntl(this.fd, F_SETFL, O_NONBLOCK) < 0)
      throw new NativeError("fcntl(O_NONBLOCK)", koffi.errno());
    this.wakeFd = lib.eventfd(0, EFD_NONBLOCK_CLOEXEC) as number;
    if (this.wakeFd < 0) throw new NativeError("eventfd", koffi.errno());
    this.pumping = this.pump();
  }

  /**
   * A new rdma_cm_id on this channel (port space TCP, as NVMe-oF uses).
   * @throws NativeError when rdma_create_id fails
   */
  createId(): CmId {
    if (rdmaLibraries().rdma_create_id(this.channel, this.idOut, null, RDMA_PS_TCP) !== 0)
      throw new NativeError("rdma_create_id", koffi.errno());
    const id = new CmId(this.idOut[0]!);
    this.ids.set(id.id, id);
    return id;
  }

  /** Destroys `id` (its QP must be gone); its events are no longer delivered. */
  destroyId(id: CmId): void {
    if (!this.ids.delete(id.id)) return;
    id.cancel();
    rdmaLibraries().rdma_destroy_id(id.id);
  }

  /** Stops the pump and destroys the channel; every id must be destroyed first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of this.ids.values()) id.cancel();
    rdmaLibraries().write(this.wakeFd, new BigUint64Array([1n]), 8);
    await this.pumping;
    const lib = rdmaLibraries();
    lib.close(this.wakeFd);
    lib.rdma_destroy_event_channel(this.channel);
  }

  private async pump(): Promise<void> {
    // struct pollfd[2] { int fd; short events; short revents; }: the channel, then the wake-up fd.
    const fds = new Int32Array([this.fd, POLLIN, this.wakeFd, POLLIN]);
    const poll = rdmaLibraries().poll;
    while (!this.closed) {
      fds[1] = POLLIN;
      fds[3] = POLLIN;
      await new Promise<void>((resolve) => poll.async(fds, 2, -1, () => resolve()));
      if (this.closed) break;
      try {
        this.drain();
      } catch {
        // The channel itself failed: nothing more will arrive; whoever waits hears it now.
        for (const id of this.ids.values()) id.cancel();
        return;
      }
    }
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
