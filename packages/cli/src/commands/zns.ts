/**
 * `nvmekit zns ...`: the Zoned Namespace commands as nvme-cli's `nvme zns` has them: `id-ns`,
 * `report-zones`, `reset-zone`, `open-zone`, `close-zone`, `finish-zone`, `offline-zone` and
 * `zone-append`, on the namespace `-n` names (default: the controller's first zoned one). A zone is
 * named by its first LBA (`-s`), or every zone by `-a`; the namespace, LBAs and sizes are checked
 * against the zone geometry before anything is sent.
 * @module
 */
import type { Controller, Namespace, QueuePair } from "@nvmekit/core";
import {
  Cns,
  CommandSetIdentifier,
  commands,
  decodeZnsIdentifyNamespace,
  IDENTIFY_DATA_SIZE,
  NvmeCommand,
  type ZnsIdentifyNamespace,
  type ZoneDescriptor,
  ZoneReportFilter,
} from "@nvmekit/core/nvme-spec";
import { type Command, InvalidArgumentError } from "commander";
import {
  cHex,
  decodeZrwaFields,
  type ZoneListing,
  type ZrwaFields,
  znsIdNsJson,
  znsIdNsLines,
  zoneReportJson,
  zoneReportLines,
} from "../format/zones.js";
import { fitInput, type Input, readSource } from "../io/data-stream.js";
import { type IoTarget, withQueue } from "../io/namespace-queue.js";
import {
  nsOption,
  type OutputFormatFlags,
  outputFormatOption,
  type TargetFlags,
  tridOption,
  wantsJson,
} from "../options/common.js";
import { byteSize, integer } from "../options/numbers.js";
import { CliError, UsageError } from "../runtime/cli-error.js";
import { notice, print, printJson } from "../runtime/output.js";
import { activeNamespace, withController } from "../runtime/session.js";

interface ZnsFlags extends TargetFlags, OutputFormatFlags {
  /** `-n`: undefined for the controller's first zoned namespace. */
  ns?: number;
}

/**
 * The zoned namespace `nsid` names, or the controller's first one.
 * @throws UsageError for a namespace that is not zoned, CliError when the controller has none
 */
export function zonedNamespace(ctrlr: Controller, nsid: number | undefined): Namespace {
  const zoned = ctrlr.activeNamespaceIds().filter((id) => ctrlr.getNamespace(id)!.isZoned);
  if (nsid === undefined) {
    if (zoned.length > 0) return ctrlr.getNamespace(zoned[0]!)!;
    const why = ctrlr.allIoCommandSets ? "" : " (it does not offer the Zoned Namespace command set)";
    throw new CliError(`this controller has no zoned namespace${why}`);
  }
  const ns = activeNamespace(ctrlr, nsid);
  if (!ns.isZoned) {
    const others = zoned.length > 0 ? `its zoned namespaces are ${zoned.join(", ")}` : "it has none";
    throw new UsageError(`namespace ${nsid} is not zoned; ${others} (--ns)`);
  }
  return ns;
}

/** Runs `fn` with the zoned namespace of `flags` and a queue pair. */
function withZonedQueue<T>(flags: ZnsFlags, fn: (target: IoTarget) => Promise<T>): Promise<T> {
  return withQueue(flags, (ctrlr) => zonedNamespace(ctrlr, flags.ns), fn);
}

const lbaText = (lba: number) => `${cHex(lba)} (${lba})`;

/** Refuses an LBA that no zone of `ns` holds (a namespace may end in blocks beyond its last zone). */
function checkInZones(ns: Namespace, lba: number, flag: string): void {
  const end = ns.zoneCount * ns.zoneSize;
  if (lba >= end) {
    throw new UsageError(
      `${flag} ${lbaText(lba)} is past the zones of namespace ${ns.id}: ` +
        `${ns.zoneCount} zones of ${cHex(ns.zoneSize)} blocks end at LBA ${cHex(end - 1)}`,
    );
  }
}

/** Refuses an LBA that is not the first LBA of a zone of `ns`. */
function checkZoneStart(ns: Namespace, lba: number, flag: string): void {
  checkInZones(ns, lba, flag);
  if (lba % ns.zoneSize !== 0) {
    throw new UsageError(
      `${flag} ${lbaText(lba)} is not the first LBA of a zone: the zones of namespace ${ns.id} start ` +
        `every ${cHex(ns.zoneSize)} blocks (this LBA is in the zone at ${cHex(lba - (lba % ns.zoneSize))})`,
    );
  }
}

/** Adds `-r` and `-n` (default: the first zoned namespace) to a `zns` subcommand. */
function zoneCommand(zns: Command, name: string, description: string): Command {
  const cmd = zns.command(name).description(description);
  return nsOption(
    tridOption(cmd),
    undefined,
    "namespace ID (default: the controller's first zoned namespace)",
  );
}

// Report Zones filters (ZRASF) by nvme-cli's state names; the index is the filter's value.
const STATE_FILTERS = [
  "all",
  "empty",
  "imp-opened",
  "exp-opened",
  "closed",
  "full",
  "read-only",
  "offline",
] as const;

/** Parses `--state`: a filter's name (`imp_opened` and `readonly` too) or its number 0 to 7. */
function stateFilter(value: string): ZoneReportFilter {
  const text = value
    .trim()
    .toLowerCase()
    .replace(/_/g, "-")
    .replace(/^readonly$/, "read-only");
  const i = /^\d$/.test(text) ? Number(text) : STATE_FILTERS.indexOf(text as (typeof STATE_FILTERS)[number]);
  if (!(i >= 0 && i < STATE_FILTERS.length)) {
    throw new InvalidArgumentError(`give one of ${STATE_FILTERS.join(", ")}, or its number 0 to 7.`);
  }
  return i as ZoneReportFilter;
}

/** Where a report starts, how many zones it lists at most, and which. */
export interface ReportOptions {
  /** An LBA of the first zone to list. */
  from: number;
  /** Most zones to list (default: all). */
  most?: number;
  /** Which zones (default: all). */
  filter?: ZoneReportFilter;
}

/**
 * Up to `most` zones matching `filter` from the zone holding `from`, and nvme-cli's `nr_zones`: the
 * matching zones of the whole namespace. A report holds what one transfer fits, so this asks again
 * after the last zone received until it has them all.
 * @throws UsageError for an LBA no zone holds, before anything is sent
 */
export async function reportZones({ ns, qp }: IoTarget, o: ReportOptions): Promise<ZoneListing> {
  checkInZones(ns, o.from, "--start-lba");
  const filter = o.filter ?? ZoneReportFilter.All;
  const most = o.most ?? ns.zoneCount;
  const { nrZones } = await ns.reportZones(qp, 0, { filter, maxZones: 1 });
  const zones: ZoneDescriptor[] = [];
  let lba = o.from;
  while (zones.length < most) {
    const r = await ns.reportZones(qp, lba, { filter, maxZones: most - zones.length });
    zones.push(...r.zones.slice(0, most - zones.length));
    const last = r.zones.at(-1);
    // Without Partial Report the header counts every match from `lba`: all of them came back.
    if (last === undefined || r.zones.length >= r.nrZones) break;
    lba = last.startLba + ns.zoneSize;
  }
  return { nrZones, zones };
}

function registerReportZones(zns: Command): void {
  const cmd = zoneCommand(
    zns,
    "report-zones",
    "list zones: start, write pointer, capacity, state (nvme zns report-zones)",
  )
    .option("-s, --start-lba <lba>", "list from the zone holding this LBA", integer(0), 0)
    .option("-d, --descs <n>", "list at most this many zones (default: all)", integer(1))
    .option("-S, --state <state>", `only zones in this state: ${STATE_FILTERS.join(", ")}`, stateFilter)
    .option("-v, --verbose", "state and type by name, attributes spelled out");
  outputFormatOption(cmd).action(
    (flags: ZnsFlags & { startLba: number; descs?: number; state?: ZoneReportFilter; verbose?: boolean }) =>
      withZonedQueue(flags, async (target) => {
        const listing = await reportZones(target, {
          from: flags.startLba,
          most: flags.descs,
          filter: flags.state,
        });
        if (wantsJson(flags)) printJson(zoneReportJson(listing));
        else for (const line of zoneReportLines(listing, flags.verbose === true)) print(line);
      }),
  );
}

/** The Zone Management Send actions, by nvme-cli's command names. */
const ACTIONS = {
  "reset-zone": {
    done: "reset",
    description: "reset a zone: write pointer back to its start, data gone, state Empty",
    run: (ns: Namespace, qp: QueuePair, lba: number, all: boolean) => ns.resetZone(qp, lba, all),
  },
  "open-zone": {
    done: "opened",
    description: "open a zone explicitly (counts against the open and active limits)",
    run: (ns: Namespace, qp: QueuePair, lba: number, all: boolean) => ns.openZone(qp, lba, all),
  },
  "close-zone": {
    done: "closed",
    description: "close an open zone (it stays active)",
    run: (ns: Namespace, qp: QueuePair, lba: number, all: boolean) => ns.closeZone(qp, lba, all),
  },
  "finish-zone": {
    done: "finished",
    description: "finish a zone: state Full, no more writes until a reset",
    run: (ns: Namespace, qp: QueuePair, lba: number, all: boolean) => ns.finishZone(qp, lba, all),
  },
  "offline-zone": {
    done: "took offline",
    description: "take a read-only zone offline",
    run: (ns: Namespace, qp: QueuePair, lba: number, all: boolean) => ns.offlineZone(qp, lba, all),
  },
} as const;

/** A `zns` subcommand that sends a zone action. */
export type ZoneActionName = keyof typeof ACTIONS;

/**
 * Sends `action` to the zone starting at `zone`, or to every zone it applies to (`"all"`).
 * @throws UsageError for an LBA that is not a zone's first, before anything is sent
 */
export async function sendZoneAction(
  { ns, qp }: IoTarget,
  action: ZoneActionName,
  zone: number | "all",
): Promise<void> {
  if (zone !== "all") checkZoneStart(ns, zone, "--start-lba");
  await ACTIONS[action].run(ns, qp, zone === "all" ? 0 : zone, zone === "all");
}

function registerZoneActions(zns: Command): void {
  for (const [name, action] of Object.entries(ACTIONS) as [
    ZoneActionName,
    (typeof ACTIONS)[ZoneActionName],
  ][]) {
    zoneCommand(zns, name, `${action.description} (nvme zns ${name})`)
      .option("-s, --start-lba <lba>", "the zone, by its first LBA", integer(0))
      .option("-a, --select-all", "every zone the action applies to")
      .action((flags: ZnsFlags & { startLba?: number; selectAll?: boolean }) => {
        if ((flags.selectAll === true) === (flags.startLba !== undefined)) {
          throw new UsageError(
            `${name}: give the zone's first LBA with -s/--start-lba, or -a/--select-all for every zone (not both)`,
          );
        }
        const zone = flags.startLba ?? "all";
        return withZonedQueue(flags, async (target) => {
          await sendZoneAction(target, name, zone);
          const which = zone === "all" ? "all zones" : `the zone at LBA ${cHex(zone)}`;
          notice(`${action.done} ${which} of namespace ${target.ns.id}`);
        });
      });
  }
}

/** Where a Zone Append went. */
export interface Appended {
  /** The LBA the device wrote the first block at. */
  lba: number;
  /** Blocks appended. */
  blocks: number;
}

/**
 * Appends `input` to the zone starting at `zslba`: `dataSize` bytes (default: the input padded to
 * whole blocks), in one command.
 * @throws UsageError for an LBA that is not a zone's first, a size in part blocks, above what one
 *   Zone Append carries or below the input, before anything is sent
 */
export async function appendToZone(
  { ctrlr, ns, qp }: IoTarget,
  zslba: number,
  input: Input,
  dataSize?: number,
): Promise<Appended> {
  checkZoneStart(ns, zslba, "--zslba");
  const block = ns.extendedBlockSize;
  const bytes = dataSize ?? Math.max(1, Math.ceil(input.data.length / block)) * block;
  if (bytes % block !== 0) {
    throw new UsageError(`--data-size ${bytes}: give whole ${block}-byte blocks of namespace ${ns.id}`);
  }
  const blocks = bytes / block;
  if (blocks > ns.zoneAppendMaxBlocks) {
    throw new UsageError(
      `--data-size ${bytes} is more than one Zone Append carries on namespace ${ns.id} ` +
        `(${ns.zoneAppendMaxBlocks} blocks, ${ns.zoneAppendMaxBlocks * block} bytes): append in pieces`,
    );
  }
  const data = fitInput(input, bytes, "--data-size");
  const buffer = ctrlr.allocBuffer(bytes);
  try {
    buffer.bytes.set(data);
    return { lba: await ns.zoneAppend(qp, buffer.bytes.subarray(0, bytes), zslba, blocks), blocks };
  } finally {
    ctrlr.freeBuffer(buffer);
  }
}

function registerZoneAppend(zns: Command): void {
  const cmd = zoneCommand(
    zns,
    "zone-append",
    "write data at a zone's write pointer; prints where it went (nvme zns zone-append)",
  )
    .requiredOption("-s, --zslba <lba>", "the zone, by its first LBA", integer(0))
    .option("-d, --data <file>", "the data (default: stdin)")
    .option(
      "-z, --data-size <bytes>",
      "bytes to append, whole blocks (default: the data, padded to a block)",
      byteSize(),
    );
  outputFormatOption(cmd).action((flags: ZnsFlags & { zslba: number; data?: string; dataSize?: number }) =>
    withZonedQueue(flags, async (target) => {
      const { lba, blocks } = await appendToZone(
        target,
        flags.zslba,
        await readSource(flags.data),
        flags.dataSize,
      );
      const { id } = target.ns;
      if (wantsJson(flags)) printJson({ nsid: id, zslba: flags.zslba, lba, blocks });
      else
        print(
          `appended ${blocks} block${blocks === 1 ? "" : "s"} at LBA ${cHex(lba)} (zone ${cHex(flags.zslba)}, namespace ${id})`,
        );
    }),
  );
}

/** The ZNS Identify Namespace of a zoned namespace, with the fields core's decoder leaves out. */
export interface ZnsIdentity {
  /** As core decodes it. */
  id: ZnsIdentifyNamespace;
  /** The Zone Random Write Area fields. */
  zrwa: ZrwaFields;
}

/**
 * Sends Identify (CNS 05h, CSI 2) for `ns` rather than taking `ns.znsData`: core's copy leaves out
 * the Zone Random Write Area fields nvme-cli prints.
 */
export async function identifyZoned(ctrlr: Controller, ns: Namespace): Promise<ZnsIdentity> {
  const buffer = ctrlr.allocBuffer(IDENTIFY_DATA_SIZE);
  try {
    const bytes = buffer.bytes.subarray(0, IDENTIFY_DATA_SIZE);
    const cmd = commands.identify(
      new NvmeCommand(),
      Cns.IoCommandSetNamespace,
      ns.id,
      0,
      CommandSetIdentifier.Zoned,
    );
    await ctrlr.adminRaw(cmd, bytes, `Identify Namespace ${ns.id} (Zoned Namespace command set)`);
    return { id: decodeZnsIdentifyNamespace(bytes, ns.data.nlbaf + 1), zrwa: decodeZrwaFields(bytes) };
  } finally {
    ctrlr.freeBuffer(buffer);
  }
}

function registerIdNs(zns: Command): void {
  outputFormatOption(
    zoneCommand(zns, "id-ns", "Identify Namespace of the Zoned Namespace command set (nvme zns id-ns)"),
  ).action((flags: ZnsFlags) =>
    withController(flags.trid, async ({ ctrlr }) => {
      const ns = zonedNamespace(ctrlr, flags.ns);
      const { id, zrwa } = await identifyZoned(ctrlr, ns);
      if (wantsJson(flags)) printJson(znsIdNsJson(id, zrwa));
      else for (const line of znsIdNsLines(id, zrwa, ns.data.formattedLbaIndex)) print(line);
    }),
  );
}

/** Registers `zns` and its subcommands. */
export function registerZns(program: Command): void {
  const zns = program
    .command("zns")
    .description("Zoned Namespace commands, like nvme zns: report-zones, zone-append, reset-zone, ...");
  registerIdNs(zns);
  registerReportZones(zns);
  registerZoneActions(zns);
  registerZoneAppend(zns);
}
