/**
 * Zoned Namespace output as nvme-cli 2.3 prints it: `nvme zns report-zones` (an `nr_zones:` line,
 * then one line per zone with the raw state and type bytes, or with `-v` their names and the
 * attributes spelled out; as JSON `nr_zones` and `zone_list` with state and type names) and `nvme
 * zns id-ns` (`field : value` lines and an `lbafe` line per LBA format; JSON with the same keys).
 * @module
 */
import {
  type ZnsIdentifyNamespace,
  ZoneAttributes,
  type ZoneDescriptor,
  ZoneState,
  ZoneType,
} from "@nvmekit/core/nvme-spec";
import { ExactUint64 } from "../runtime/output.js";

/** nvme-cli's names of the zone states (its JSON `state`, and `-v`). */
const STATE_NAMES: Readonly<Record<number, string>> = {
  [ZoneState.Empty]: "EMPTY",
  [ZoneState.ImplicitlyOpened]: "IMP_OPENED",
  [ZoneState.ExplicitlyOpened]: "EXP_OPENED",
  [ZoneState.Closed]: "CLOSED",
  [ZoneState.ReadOnly]: "READONLY",
  [ZoneState.Full]: "FULL",
  [ZoneState.Offline]: "OFFLINE",
};

/** nvme-cli's name of zone state `state`. */
export function zoneStateName(state: number): string {
  return STATE_NAMES[state] ?? "Unknown";
}

function zoneTypeName(type: number): string {
  return type === ZoneType.SequentialWriteRequired ? "SEQWRITE_REQ" : "Unknown";
}

/** An LBA field as a 64-bit value: core reads all ones (no valid write pointer) as -1. */
function lba64(lba: number): bigint {
  return lba === -1 ? 0xffff_ffff_ffff_ffffn : BigInt(lba);
}

/** C's `%#x`: `0x` and hex digits, but a bare `0` for zero. */
export function cHex(value: number | bigint): string {
  return value === 0 || value === 0n ? "0" : `0x${value.toString(16)}`;
}

/** The zones a report found, and how many zones match its filter in the whole namespace. */
export interface ZoneListing {
  /** nvme-cli's `nr_zones`: the zones that match the state filter in the namespace. */
  nrZones: number;
  /** The zone descriptors, in LBA order. */
  zones: ZoneDescriptor[];
}

/** `report-zones -o json`: nvme-cli's keys, the write pointer of a full zone all ones. */
export function zoneReportJson(r: ZoneListing): Record<string, unknown> {
  return {
    nr_zones: r.nrZones,
    zone_list: r.zones.map((z) => ({
      slba: z.startLba,
      wp: new ExactUint64(lba64(z.writePointer)),
      cap: z.capacity,
      state: zoneStateName(z.state),
      type: zoneTypeName(z.type),
      attrs: z.attributes,
    })),
  };
}

const LBA = (v: number) => cHex(lba64(v)).padEnd(10);

/** The attributes line of `report-zones -v`, then one line per recommendation the zone carries. */
function attributeLines(z: ZoneDescriptor): string[] {
  const valid = (z.attributes & ZoneAttributes.DescriptorExtensionValid) !== 0;
  const lines = [`Attrs: Zone Descriptor Extension is ${valid ? "" : "Not "}Valid`];
  // ZAI: bits 3:2 name the Reset Recommended Limit, bits 1:0 the Finish Recommended Limit in force.
  if (z.attributes & ZoneAttributes.ResetRecommended)
    lines.push(`       Reset Zone Recommended (Reset Recommended Limit ${(z.attributesInfo >> 2) & 3})`);
  if (z.attributes & ZoneAttributes.FinishRecommended)
    lines.push(`       Finish Zone Recommended (Finish Recommended Limit ${z.attributesInfo & 3})`);
  if (z.attributes & ZoneAttributes.FinishedByController) lines.push("       Zone Finished by Controller");
  return lines;
}

/** `report-zones` as text: raw bytes as nvme-cli prints them, or with `verbose` the names. */
export function zoneReportLines(r: ZoneListing, verbose: boolean): string[] {
  const lines = [`nr_zones: ${r.nrZones}`];
  for (const z of r.zones) {
    const where = `SLBA: ${LBA(z.startLba)} WP: ${LBA(z.writePointer)} Cap: ${LBA(z.capacity)}`;
    if (verbose) {
      lines.push(
        `${where} State: ${zoneStateName(z.state).padEnd(12)} Type: ${zoneTypeName(z.type).padEnd(14)}`,
      );
      lines.push(...attributeLines(z));
    } else {
      // The state byte as the descriptor holds it: the state in bits 7:4.
      const bytes = [z.state << 4, z.type, z.attributes, z.attributesInfo].map((b) => cHex(b).padEnd(4));
      lines.push(`${where} State: ${bytes[0]} Type: ${bytes[1]} Attrs: ${bytes[2]} AttrsInfo: ${bytes[3]}`);
    }
  }
  return lines;
}

/**
 * The Zone Random Write Area fields of the ZNS Identify Namespace, which core's decoder leaves out:
 * NUMZRWA (bytes 47:44), ZRWAFG (49:48), ZRWASZ (51:50), ZRWACAP (52).
 */
export interface ZrwaFields {
  /** Number of zones that can have a ZRWA, 0-based. */
  numzrwa: number;
  /** ZRWA flush granularity, logical blocks. */
  zrwafg: number;
  /** ZRWA size, logical blocks. */
  zrwasz: number;
  /** ZRWA capability bits. */
  zrwacap: number;
}

/** Reads {@link ZrwaFields} from a raw ZNS Identify Namespace. */
export function decodeZrwaFields(raw: Uint8Array): ZrwaFields {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return {
    numzrwa: v.getUint32(44, true),
    zrwafg: v.getUint16(48, true),
    zrwasz: v.getUint16(50, true),
    zrwacap: v.getUint8(52),
  };
}

/** The scalar fields of `zns id-ns`, nvme-cli's keys in its order. */
function znsIdNsFields(z: ZnsIdentifyNamespace, zrwa: ZrwaFields): Record<string, number> {
  const { zoc, ozcs, mar, mor, rrl, frl, rrl1, rrl2, rrl3, frl1, frl2, frl3 } = z;
  return { zoc, ozcs, mar, mor, rrl, frl, rrl1, rrl2, rrl3, frl1, frl2, frl3, ...zrwa };
}

/** `zns id-ns -o json`: nvme-cli's keys, an `lbafe` entry per LBA format. */
export function znsIdNsJson(z: ZnsIdentifyNamespace, zrwa: ZrwaFields): Record<string, unknown> {
  return {
    ...znsIdNsFields(z, zrwa),
    lbafe: z.lbafe.map((f) => ({ zsze: Number(f.zsze), zdes: f.zdes })),
  };
}

/** `zns id-ns` as text; `inUse` is the LBA format the namespace is formatted with. */
export function znsIdNsLines(z: ZnsIdentifyNamespace, zrwa: ZrwaFields, inUse: number): string[] {
  // nvme-cli prints the resource limits in hex, the rest in decimal.
  const hex = new Set(["mar", "mor"]);
  const lines = ["ZNS Command Set Identify Namespace:"];
  for (const [k, v] of Object.entries(znsIdNsFields(z, zrwa))) {
    lines.push(`${k.padEnd(8)}: ${hex.has(k) ? cHex(v) : v}`);
  }
  z.lbafe.forEach((f, i) => {
    const note = i === inUse ? " (in use)" : "";
    lines.push(`lbafe ${String(i).padStart(2)}: zsze:0x${f.zsze.toString(16)} zdes:${f.zdes}${note}`);
  });
  return lines;
}
