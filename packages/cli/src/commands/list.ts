/**
 * `nvmekit list`: every NVMe controller the PCIe transport's providers can open (real functions on
 * vfio-pci, the built-in software controller), attached one at a time for its identity and
 * namespaces, as `nvme list` prints them; then the NVMe functions present but not usable, each
 * with the exact commands that make it usable. With `-r`, the controllers that transport ID reaches
 * instead: for a fabric discovery service (an address without subnqn), every subsystem it lists.
 * @module
 */
import { type Controller, formatTransportId, type NvmeDriver, type TransportId } from "@nvmekit/core";
import { SOFT_PCI_DOMAIN } from "@nvmekit/softnvme";
import type { UnusableFunction } from "@nvmekit/transport-pcie";
import type { Command } from "commander";
import { table } from "../format/table.js";
import { formatBytes } from "../format/units.js";
import { jsonOption } from "../options/common.js";
import { composeRuntime } from "../runtime/container.js";
import { print, printJson } from "../runtime/output.js";

/** One namespace in the listing. */
export interface ListedNamespace {
  /** Namespace ID. */
  nsid: number;
  /** Size in logical blocks. */
  blocks: number;
  /** Size in bytes. */
  bytes: number;
  /** Data bytes per block. */
  sectorSize: number;
  /** Metadata bytes per block. */
  metadataSize: number;
  /** Index of the LBA format in use. */
  lbaf: number;
  /** Whether it is a zoned namespace (see `nvmekit zns report-zones`). */
  zoned: boolean;
}

/** One controller in the listing: attached and identified, or the error that stopped it. */
export interface ListedController {
  /** Transport ID string, usable as `-r`. */
  trid: string;
  /** Whether it is a built-in software controller. */
  software: boolean;
  /** Model number (MN). */
  model?: string;
  /** Serial number (SN). */
  serial?: string;
  /** Firmware revision (FR). */
  firmware?: string;
  /** Active namespaces. */
  namespaces?: ListedNamespace[];
  /** Why it could not be attached. */
  error?: string;
}

/** What `list` found. */
export interface Listing {
  /** Usable controllers. */
  controllers: ListedController[];
  /** NVMe functions present but not usable. */
  unusable: UnusableFunction[];
}

function describe(ctrlr: Controller): Omit<ListedController, "trid" | "software"> {
  const namespaces = ctrlr.activeNamespaceIds().map((nsid) => {
    const ns = ctrlr.getNamespace(nsid)!;
    return {
      nsid,
      blocks: ns.numSectors,
      bytes: ns.size,
      sectorSize: ns.sectorSize,
      metadataSize: ns.metadataSize,
      lbaf: ns.data.formattedLbaIndex,
      zoned: ns.isZoned,
    };
  });
  return { model: ctrlr.data.mn, serial: ctrlr.data.sn, firmware: ctrlr.data.fr, namespaces };
}

const isSoft = (trid: TransportId) => trid.traddr.startsWith(`${SOFT_PCI_DOMAIN.toString(16)}:`);

/**
 * Scans, attaches each usable controller in turn, and returns what was found; with `tridText`,
 * lists what it reaches (a fabric discovery service: each subsystem it lists) instead of the scan.
 */
export async function listControllers(tridText?: string): Promise<Listing> {
  const { driver, pcie } = composeRuntime();
  if (tridText !== undefined) return { controllers: await listReached(driver, tridText), unusable: [] };
  const scan = await pcie.scan();
  const controllers: ListedController[] = [];
  for (const trid of scan.usable) {
    const entry: ListedController = { trid: formatTransportId(trid), software: isSoft(trid) };
    try {
      const ctrlr = await driver.connect(trid);
      try {
        Object.assign(entry, describe(ctrlr));
      } finally {
        await driver.detach(ctrlr);
      }
    } catch (e) {
      entry.error = e instanceof Error ? e.message : String(e);
    }
    controllers.push(entry);
  }
  return { controllers, unusable: scan.unusable };
}

/** The controllers one transport ID reaches, each attached in turn (detached before the next). */
async function listReached(driver: NvmeDriver, tridText: string): Promise<ListedController[]> {
  const listed: ListedController[] = [];
  const trid = driver.parseTransportId(tridText, { strict: true }); // as every command's -r
  await driver.probe(trid, {
    attach: (found, ctrlr) =>
      listed.push({ trid: formatTransportId(found), software: false, ...describe(ctrlr) }),
    attachFail: (found, error) =>
      listed.push({ trid: formatTransportId(found), software: false, error: error.message }),
  });
  await driver.detachAll();
  return listed;
}

function printListing(listing: Listing): void {
  const rows: string[][] = [];
  for (const c of listing.controllers) {
    const label = c.software ? `${c.trid} (software)` : c.trid;
    if (c.error !== undefined) {
      rows.push([label, `cannot attach: ${c.error}`]);
      continue;
    }
    const namespaces = c.namespaces!.length > 0 ? c.namespaces! : [undefined];
    namespaces.forEach((ns, i) => {
      const head = i === 0 ? [label, c.model!, c.serial!, c.firmware!] : ["", "", "", ""];
      const tail = ns
        ? [
            String(ns.nsid),
            formatBytes(ns.bytes),
            `${formatBytes(ns.sectorSize)} + ${ns.metadataSize} B${ns.zoned ? ", zoned" : ""}`,
          ]
        : ["-", "", ""];
      rows.push([...head, ...tail]);
    });
  }
  const columns = ["Transport ID", "Model", "Serial", "FW Rev", "NSID", "Size", "Format"].map((title) => ({
    title,
    right: title === "NSID" || title === "Size",
  }));
  for (const line of table(columns, rows)) print(line);
  if (listing.controllers.length === 0) print("(no usable NVMe controllers)");
  if (listing.unusable.length > 0) {
    print();
    print("NVMe functions present but not usable:");
    for (const u of listing.unusable) print(`  ${u.reason.replace(/\n/g, "\n  ")}`);
    print("(`sudo nvmekit setup` binds them all to vfio-pci)");
  }
}

/** Registers `list`. */
export function registerList(program: Command): void {
  jsonOption(
    program
      .command("list")
      .description("list NVMe controllers and namespaces (like nvme list), and functions not usable yet")
      .option(
        "-r, --trid <TRID>",
        "list what this transport ID reaches instead, e.g. a fabric discovery service 'trtype:TCP traddr:127.0.0.1 trsvcid:8009'",
      ),
  ).action(async (flags: { json?: boolean; trid?: string }) => {
    const listing = await listControllers(flags.trid);
    if (flags.json) printJson(listing);
    else printListing(listing);
  });
}
