/**
 * The Zoned Namespace command set of the soft controller: Zone Management Send (the zone actions,
 * one zone or Select All), Zone Management Receive (Report Zones with state filters and partial
 * reports) and Zone Append (the LBA written returned in DW0/DW1). The zone state machine is
 * {@link ZoneSet}'s; this file decodes commands and lays out reports.
 * @module
 */
import type { CommandContext } from "./command-context.js";
import { fail } from "./command-failure.js";
import { put8, put64 } from "./le-bytes.js";
import type { SoftNamespace } from "./namespace.js";
import { GenericSc, NvmOpc, Sct } from "./nvme-raw.js";
import { sqeSlba } from "./sqe.js";
import { type Zone, type ZoneSet, ZoneState } from "./zones.js";

/** Zone Type "Sequential Write Required". */
const ZONE_TYPE_SWR = 0x2;
/** Report header and descriptor size. */
const ENTRY = 64;
/** A 64-bit field with no valid value. */
const ALL_ONES = 0xffff_ffff_ffff_ffffn;

const hasWritePointer = (z: Zone) =>
  z.state !== ZoneState.Full && z.state !== ZoneState.ReadOnly && z.state !== ZoneState.Offline;

/** Whether `opcode` belongs to the Zoned Namespace command set. */
export function isZoneOpcode(opcode: number): boolean {
  return (
    opcode === NvmOpc.ZoneManagementSend ||
    opcode === NvmOpc.ZoneManagementReceive ||
    opcode === NvmOpc.ZoneAppend
  );
}

// The zones of a namespace that must be zoned, and an SLBA that must lie in it.
function zonesAt(ns: SoftNamespace, slba: number): ZoneSet {
  if (ns.zones === undefined) {
    fail(Sct.Generic, GenericSc.InvalidOpcode, `namespace ${ns.nsid} is not zoned`);
  }
  if (slba >= ns.blocks) fail(Sct.Generic, GenericSc.LbaOutOfRange, `SLBA ${slba} past the namespace end`);
  return ns.zones;
}

/** Zone Management Send: SLBA CDW10/11, ZSA CDW13 7:0, Select All bit 8. Returns DW0 (0). */
export function zoneManagementSend(ctx: CommandContext, ns: SoftNamespace): number {
  const selectAll = ((ctx.sqe[13]! >>> 8) & 1) === 1;
  const zones = zonesAt(ns, selectAll ? 0 : sqeSlba(ctx.sqe));
  const action = ctx.sqe[13]! & 0xff;
  try {
    zones.act(action, sqeSlba(ctx.sqe), selectAll, (start, blocks) => ns.zeroBlocks(start, blocks));
  } finally {
    ns.saveZones(); // a failing Select All may have acted on some zones already
  }
  return 0;
}

// ZRASF filter value -> the zone states it selects (0: all).
const FILTER_STATES: Record<number, number | undefined> = {
  1: ZoneState.Empty,
  2: ZoneState.ImplicitlyOpened,
  3: ZoneState.ExplicitlyOpened,
  4: ZoneState.Closed,
  5: ZoneState.Full,
  6: ZoneState.ReadOnly,
  7: ZoneState.Offline,
};

/**
 * Zone Management Receive: SLBA CDW10/11, NUMD CDW12 (0-based dwords), ZRA CDW13 7:0 (0 report; the
 * extended report needs descriptor extensions, which are not offered), ZRASF 15:8, Partial bit 16.
 */
export function zoneManagementReceive(ctx: CommandContext, ns: SoftNamespace): number {
  const zones = zonesAt(ns, sqeSlba(ctx.sqe));
  const bytes = (ctx.sqe[12]! + 1) * 4;
  const zra = ctx.sqe[13]! & 0xff;
  const zrasf = (ctx.sqe[13]! >>> 8) & 0xff;
  const partial = ((ctx.sqe[13]! >>> 16) & 1) === 1;
  if (zra !== 0) fail(Sct.Generic, GenericSc.InvalidField, `ZRA ${zra}: only Report Zones is offered`);
  if (zrasf > 7) fail(Sct.Generic, GenericSc.InvalidField, `ZRASF ${zrasf}`);
  if (bytes < ENTRY)
    fail(Sct.Generic, GenericSc.InvalidField, `${bytes}-byte report buffer, below the header`);
  const state = FILTER_STATES[zrasf];
  const first = zones.zoneOf(sqeSlba(ctx.sqe));
  const matching = zones.zones
    .slice(zones.zones.indexOf(first))
    .filter((z) => state === undefined || z.state === state);
  const fit = Math.floor((bytes - ENTRY) / ENTRY);
  const returned = matching.slice(0, fit);
  const out = new Uint8Array(bytes);
  put64(out, 0, partial ? returned.length : matching.length);
  for (const [i, z] of returned.entries()) writeDescriptor(out, ENTRY * (i + 1), z);
  ctx.dataOut(out);
  return 0;
}

// One zone descriptor: ZT byte 0, ZS byte 1 bits 7:4, ZA byte 2, ZCAP 8, ZSLBA 16, WP 24.
function writeDescriptor(b: Uint8Array, at: number, z: Zone): void {
  put8(b, at, ZONE_TYPE_SWR);
  put8(b, at + 1, z.state << 4);
  put64(b, at + 8, z.capacity);
  put64(b, at + 16, z.start);
  // The write pointer is not valid in the Full, Read Only and Offline states (ZNS, Zone Descriptor);
  // QEMU then reports all ones, and so do we.
  put64(b, at + 24, hasWritePointer(z) ? z.wp : ALL_ONES);
}
