/**
 * Namespace discovery: the active namespace list (or 1..NN before NVMe 1.1), then Identify
 * Namespace for each (and the zone geometry of zoned ones), updating the controller's namespace map in place so handles stay valid.
 * @module
 */
import { Namespace } from "../ns/namespace.js";
import { identify } from "../nvme-spec/commands.js";
import { Cns, IDENTIFY_DATA_SIZE } from "../nvme-spec/identify-controller.js";
import {
  decodeActiveNamespaceList,
  decodeIdentifyNamespace,
  type IdentifyNamespace,
} from "../nvme-spec/identify-namespace.js";
import type { Controller } from "./controller.js";
import { identifyZoned } from "./zoned-namespaces.js";

/** Re-reads which namespaces are active and their Identify Namespace data. */
export async function identifyNamespaces(c: Controller): Promise<void> {
  const active = await activeNamespaceIds(c);
  for (const nsid of [...c.namespaces.keys()]) if (!active.includes(nsid)) c.namespaces.delete(nsid);
  for (const nsid of active) {
    const data = await c.withBuffer(IDENTIFY_DATA_SIZE, async (buf) => {
      const cmd = c.adminCommand();
      identify(cmd, Cns.Namespace, nsid);
      await c.adminRaw(cmd, buf.bytes, `Identify Namespace ${nsid}`);
      return decodeIdentifyNamespace(buf.bytes.slice());
    });
    if (data.nsze === 0n || !plausible(data)) {
      c.namespaces.delete(nsid);
      continue;
    }
    const zns = await identifyZoned(c, nsid, data);
    const ns = c.namespaces.get(nsid);
    if (ns === undefined) c.namespaces.set(nsid, new Namespace(c, nsid, data, zns));
    else {
      ns.data = data;
      ns.znsData = zns;
      ns.geometry();
    }
  }
}

/** Smallest and largest LBA data size (LBADS) taken: 512 bytes to 1 MiB. */
const MIN_LBADS = 9;
const MAX_LBADS = 20;

/**
 * Whether identify data describes a namespace the core can address: its LBA format in the list it
 * gives, a data size of 512 bytes to 1 MiB, and a size in bytes (metadata included) JavaScript
 * numbers count exactly. Others are left out, as inactive (a device's bad data makes the namespace
 * unusable, not the process fail).
 */
function plausible(data: IdentifyNamespace): boolean {
  const format = data.lbaf[data.formattedLbaIndex];
  return (
    format !== undefined &&
    format.lbads >= MIN_LBADS &&
    format.lbads <= MAX_LBADS &&
    data.nsze * BigInt((1 << format.lbads) + format.ms) <= BigInt(Number.MAX_SAFE_INTEGER)
  );
}

/**
 * Namespaces the core takes from one controller at most (four list pages; Linux's nvmet allows 1024
 * per subsystem): an absurd NN with a list that never ends stops here instead of paging on.
 */
const MAX_NAMESPACES = 4096;
/** IDs in one page of the active namespace list. */
const IDS_PER_PAGE = IDENTIFY_DATA_SIZE / 4;
/** Largest valid namespace ID (0xffffffff means every namespace). */
const MAX_NSID = 0xffff_fffe;

/**
 * The active namespace IDs, trusting the device only within bounds: IDs in 1..NN and increasing
 * (the list's order), at most ceil(min(NN, 4096) / 1024) pages; anything else ends the list there.
 */
async function activeNamespaceIds(c: Controller): Promise<number[]> {
  const nn = Math.min(c.data.nn, MAX_NSID);
  if (c.vs.major === 1 && c.vs.minor === 0) {
    return Array.from({ length: Math.min(nn, MAX_NAMESPACES) }, (_, i) => i + 1);
  }
  const ids: number[] = [];
  const maxPages = Math.ceil(Math.min(nn, MAX_NAMESPACES) / IDS_PER_PAGE);
  // The list holds up to 1024 IDs greater than the NSID given; continue from the last one until short.
  for (let after = 0, pages = 0; pages < maxPages; pages++) {
    const page = await c.withBuffer(IDENTIFY_DATA_SIZE, async (buf) => {
      const cmd = c.adminCommand();
      identify(cmd, Cns.ActiveNamespaceList, after);
      await c.adminRaw(cmd, buf.bytes, "Identify Active Namespace List");
      return decodeActiveNamespaceList(buf.bytes.slice());
    });
    for (const nsid of page) {
      if (nsid <= after || nsid > nn) return ids; // out of order or out of range: the list ends here
      ids.push(nsid);
      after = nsid;
    }
    if (page.length < IDS_PER_PAGE) return ids;
  }
  return ids;
}
