/**
 * The zones of a zoned soft namespace: each zone's state, write pointer and capacity, the open and
 * active resource limits, and the state machine of the Zoned Namespace command set as QEMU's model
 * runs it (an open beyond the open limit first closes an implicitly opened zone; Select All acts on
 * the zones its action applies to). Handlers call these and throw the specification's statuses.
 * @module
 */
import { fail } from "./command-failure.js";
import { GenericSc, Sct, SpecificSc } from "./nvme-raw.js";

/** How a soft namespace is zoned. */
export interface ZonedOptions {
  /** Zone size in blocks (ZSZE); the namespace holds `floor(blocks / zoneSize)` zones. */
  zoneSize: number;
  /** Writable blocks per zone (ZCAP, at most the zone size; default the zone size). */
  zoneCapacity?: number;
  /** Zones open at once at most (MOR + 1; default 0, no limit). */
  maxOpen?: number;
  /** Zones active (open or closed) at once at most (MAR + 1; default 0, no limit). */
  maxActive?: number;
}

/** Zone states (zone descriptor byte 1 bits 7:4). */
export const ZoneState = {
  /** Empty (1h). */
  Empty: 0x1,
  /** Implicitly Opened (2h). */
  ImplicitlyOpened: 0x2,
  /** Explicitly Opened (3h). */
  ExplicitlyOpened: 0x3,
  /** Closed (4h). */
  Closed: 0x4,
  /** Read Only (Dh). */
  ReadOnly: 0xd,
  /** Full (Eh). */
  Full: 0xe,
  /** Offline (Fh). */
  Offline: 0xf,
} as const;

/** Zone Send Action values (Zone Management Send CDW13 7:0). */
export const ZoneAction = {
  /** Close (1h). */
  Close: 0x1,
  /** Finish (2h). */
  Finish: 0x2,
  /** Open (3h). */
  Open: 0x3,
  /** Reset (4h). */
  Reset: 0x4,
  /** Offline (5h). */
  Offline: 0x5,
} as const;

/** One zone. */
export interface Zone {
  /** First LBA. */
  readonly start: number;
  /** Writable blocks (ZCAP). */
  readonly capacity: number;
  /** State (see {@link ZoneState}). */
  state: number;
  /** Write pointer: the next LBA a write must start at. */
  wp: number;
}

const isOpenState = (s: number) => s === ZoneState.ImplicitlyOpened || s === ZoneState.ExplicitlyOpened;
const isOpen = (z: Zone) => isOpenState(z.state);
const isActive = (z: Zone) => isOpen(z) || z.state === ZoneState.Closed;

function specific(sc: number, why: string): never {
  return fail(Sct.CommandSpecific, sc, why);
}

/** The zones of one namespace and their resource limits. */
export class ZoneSet {
  /** Zone size in blocks. */
  readonly zoneSize: number;
  /** Zone capacity in blocks. */
  readonly zoneCapacity: number;
  /** Open zones allowed (0: no limit). */
  readonly maxOpen: number;
  /** Active zones allowed (0: no limit). */
  readonly maxActive: number;
  /** The zones, by index. */
  readonly zones: Zone[] = [];
  /**
   * Called before a zone's state or write pointer changes (before the data of a write is stored), so
   * that a saved copy of the zone state can be marked stale first.
   */
  beforeChange: (() => void) | undefined;
  // Implicitly opened zones in the order they opened: the oldest is closed first at the open limit.
  private readonly implicitOrder: Zone[] = [];

  /**
   * @param blocks namespace size in blocks
   * @param o zone geometry and limits
   * @throws RangeError for a geometry that does not fit
   */
  constructor(blocks: number, o: ZonedOptions) {
    this.zoneSize = o.zoneSize;
    this.zoneCapacity = o.zoneCapacity ?? o.zoneSize;
    this.maxActive = o.maxActive ?? 0;
    this.maxOpen = o.maxOpen ?? this.maxActive; // QEMU: an unset open limit follows the active one
    if (!(this.zoneSize >= 1) || this.zoneCapacity < 1 || this.zoneCapacity > this.zoneSize) {
      throw new RangeError(
        `zone size ${this.zoneSize}, capacity ${this.zoneCapacity}: need 1 <= capacity <= size`,
      );
    }
    if (this.maxActive > 0 && this.maxOpen > this.maxActive) {
      throw new RangeError(`max open ${this.maxOpen} above max active ${this.maxActive}`);
    }
    const count = Math.floor(blocks / this.zoneSize);
    if (count < 1) throw new RangeError(`${blocks} blocks hold no ${this.zoneSize}-block zone`);
    for (let i = 0; i < count; i++) {
      const start = i * this.zoneSize;
      this.zones.push({ start, capacity: this.zoneCapacity, state: ZoneState.Empty, wp: start });
    }
  }

  /** Blocks the zones cover (NSZE of a zoned namespace: whole zones only). */
  get blocks(): number {
    return this.zones.length * this.zoneSize;
  }

  /** Zones open now. */
  get openCount(): number {
    return this.zones.filter(isOpen).length;
  }

  /** Zones active (open or closed) now. */
  get activeCount(): number {
    return this.zones.filter(isActive).length;
  }

  /** The zone holding `lba` (the caller has checked the range). */
  zoneOf(lba: number): Zone {
    return this.zones[Math.floor(lba / this.zoneSize)]!;
  }

  /** Puts zone `index` in the Read Only state, as a device's media wear would (a test hook). */
  makeReadOnly(index: number): void {
    this.beforeChange?.();
    this.setState(this.zones[index]!, ZoneState.ReadOnly);
  }

  /** Controller shutdown: every implicitly or explicitly opened zone becomes Closed. */
  closeOpenZones(): void {
    const open = this.zones.filter(isOpen);
    if (open.length > 0) this.beforeChange?.();
    for (const z of open) this.setState(z, ZoneState.Closed);
  }

  /**
   * Sets zone `index` to a state saved earlier (the caller has checked it); an opened zone comes back
   * Closed, as a shutdown leaves it. The limits are not checked: the zones reached this state within them.
   */
  restore(index: number, state: number, wp: number): void {
    const z = this.zones[index]!;
    z.wp = state === ZoneState.Full ? z.start + z.capacity : wp;
    this.setState(z, isOpenState(state) ? ZoneState.Closed : state);
  }

  /**
   * Checks a write (or Write Zeroes) of `nlb` blocks at `slba`, or with `append` a Zone Append to the
   * zone starting at `slba`, opens the zone implicitly if needed, and returns the LBA the data goes to.
   * Call {@link advance} once the data is stored.
   */
  prepareWrite(slba: number, nlb: number, append: boolean): number {
    const z = this.zoneOf(slba);
    if (z.state === ZoneState.Full) specific(SpecificSc.ZoneIsFull, `zone at ${z.start} is full`);
    if (z.state === ZoneState.ReadOnly)
      specific(SpecificSc.ZoneIsReadOnly, `zone at ${z.start} is read only`);
    if (z.state === ZoneState.Offline) specific(SpecificSc.ZoneIsOffline, `zone at ${z.start} is offline`);
    if (append && slba !== z.start) {
      fail(Sct.Generic, GenericSc.InvalidField, `append at ${slba}, not the zone start ${z.start}`);
    }
    const at = append ? z.wp : slba;
    if (!append && slba !== z.wp) {
      specific(SpecificSc.ZoneInvalidWrite, `write at ${slba}, the zone's write pointer is ${z.wp}`);
    }
    if (at + nlb > z.start + z.capacity) {
      specific(
        SpecificSc.ZoneBoundaryError,
        `${nlb} blocks at ${at} pass the zone's capacity end ${z.start + z.capacity}`,
      );
    }
    this.beforeChange?.();
    if (!isOpen(z)) this.open(z, ZoneState.ImplicitlyOpened);
    return at;
  }

  /** Moves the write pointer of the zone holding `lba` by `nlb`; a zone written to capacity is Full. */
  advance(lba: number, nlb: number): void {
    const z = this.zoneOf(lba);
    z.wp += nlb;
    if (z.wp === z.start + z.capacity) this.setState(z, ZoneState.Full);
  }

  /**
   * Checks a read of `nlb` blocks at `slba`: it may not cross a zone boundary (OZCS read across zone
   * boundaries is not offered) nor touch an offline zone.
   */
  checkRead(slba: number, nlb: number): void {
    const z = this.zoneOf(slba);
    if (slba + nlb > z.start + this.zoneSize) {
      specific(SpecificSc.ZoneBoundaryError, `read of ${nlb} blocks at ${slba} crosses the zone end`);
    }
    if (z.state === ZoneState.Offline) specific(SpecificSc.ZoneIsOffline, `zone at ${z.start} is offline`);
  }

  /**
   * Runs a Zone Send Action on the zone holding `lba`, or on every zone it applies to when
   * `selectAll`; `zero(start, blocks)` erases a reset zone's data. Returns nothing; throws the status.
   */
  act(action: number, lba: number, selectAll: boolean, zero: (start: number, blocks: number) => void): void {
    this.beforeChange?.();
    if (!selectAll) {
      this.actOn(this.zoneOf(lba), action, zero);
      return;
    }
    // Select All acts on the zones in the states the action applies to, and skips the rest.
    const applies: Record<number, readonly number[]> = {
      [ZoneAction.Close]: [ZoneState.ImplicitlyOpened, ZoneState.ExplicitlyOpened],
      [ZoneAction.Finish]: [ZoneState.ImplicitlyOpened, ZoneState.ExplicitlyOpened, ZoneState.Closed],
      [ZoneAction.Open]: [ZoneState.Closed],
      [ZoneAction.Reset]: [
        ZoneState.ImplicitlyOpened,
        ZoneState.ExplicitlyOpened,
        ZoneState.Closed,
        ZoneState.Full,
      ],
      [ZoneAction.Offline]: [ZoneState.ReadOnly],
    };
    const states = applies[action];
    if (states === undefined)
      fail(Sct.Generic, GenericSc.InvalidField, `zone send action 0x${action.toString(16)}`);
    for (const z of this.zones) if (states.includes(z.state)) this.actOn(z, action, zero);
  }

  private actOn(z: Zone, action: number, zero: (start: number, blocks: number) => void): void {
    const s = z.state;
    const invalid = (): never =>
      specific(
        SpecificSc.InvalidZoneStateTransition,
        `action ${action} on zone at ${z.start} in state 0x${s.toString(16)}`,
      );
    switch (action) {
      case ZoneAction.Open:
        if (s === ZoneState.ImplicitlyOpened) this.setState(z, ZoneState.ExplicitlyOpened);
        else if (s === ZoneState.Empty || s === ZoneState.Closed) this.open(z, ZoneState.ExplicitlyOpened);
        else if (s !== ZoneState.ExplicitlyOpened) invalid();
        break;
      case ZoneAction.Close:
        if (isOpen(z)) this.setState(z, ZoneState.Closed);
        else if (s !== ZoneState.Closed) invalid();
        break;
      case ZoneAction.Finish:
        if (s === ZoneState.Full) break;
        if (s !== ZoneState.Empty && !isActive(z)) invalid();
        z.wp = z.start + z.capacity;
        this.setState(z, ZoneState.Full);
        break;
      case ZoneAction.Reset:
        if (s === ZoneState.ReadOnly || s === ZoneState.Offline) invalid();
        zero(z.start, this.zoneSize);
        z.wp = z.start;
        this.setState(z, ZoneState.Empty);
        break;
      case ZoneAction.Offline:
        if (s === ZoneState.ReadOnly) this.setState(z, ZoneState.Offline);
        else if (s !== ZoneState.Offline) invalid();
        break;
      default:
        fail(Sct.Generic, GenericSc.InvalidField, `zone send action 0x${action.toString(16)}`);
    }
  }

  // Opens `z` (Empty or Closed) into `to`, within the active and open limits.
  private open(z: Zone, to: number): void {
    if (z.state === ZoneState.Empty && this.maxActive > 0 && this.activeCount >= this.maxActive) {
      specific(
        SpecificSc.TooManyActiveZones,
        `${this.activeCount} zones are active (limit ${this.maxActive})`,
      );
    }
    if (this.maxOpen > 0 && this.openCount >= this.maxOpen) {
      // As QEMU's auto transition: make room by closing the oldest implicitly opened zone.
      const victim = this.implicitOrder[0];
      if (victim === undefined) {
        specific(SpecificSc.TooManyOpenZones, `${this.openCount} zones are open (limit ${this.maxOpen})`);
      }
      this.setState(victim, ZoneState.Closed);
    }
    this.setState(z, to);
  }

  private setState(z: Zone, state: number): void {
    const i = this.implicitOrder.indexOf(z);
    if (i >= 0) this.implicitOrder.splice(i, 1);
    if (state === ZoneState.ImplicitlyOpened) this.implicitOrder.push(z);
    z.state = state;
  }
}
