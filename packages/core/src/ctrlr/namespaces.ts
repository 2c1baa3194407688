/**
 * Namespace discovery: the active namespace list (or 1..NN before NVMe 1.1), then Identify
 * Namespace for each (and the zone geometry of zoned ones), updating the controller's namespace map in place so handles stay valid.
 * @module
 */
import { Namespace } from "../ns/namespace.js";
import { identify } from "../nvme-spec/commands.js";
import { Cns, IDENTIFY_DATA_SIZE } from "../nvme-spec/identify-controller.js";
import { decodeActiveNamespaceList, decodeIdentifyNamespace } from "../nvme-spec/identify-namespace.js";
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
    if (data.nsze === 0n) {
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

async function activeNamespaceIds(c: Controller): Promise<number[]> {
  const nn = c.data.nn;
  if (c.vs.major === 1 && c.vs.minor === 0) return Array.from({ length: nn }, (_, i) => i + 1);
  const ids: number[] = [];
  // The list holds up to 1024 IDs greater than the NSID given; continue from the last one until short.
  for (let after = 0; ; ) {
    const page = await c.withBuffer(IDENTIFY_DATA_SIZE, async (buf) => {
      const cmd = c.adminCommand();
      identify(cmd, Cns.ActiveNamespaceList, after);
      await c.adminRaw(cmd, buf.bytes, "Identify Active Namespace List");
      return decodeActiveNamespaceList(buf.bytes.slice());
    });
    ids.push(...page);
    if (page.length < IDENTIFY_DATA_SIZE / 4) return ids;
    after = page[page.length - 1]!;
  }
}
