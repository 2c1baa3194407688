/**
 * Which namespaces are zoned, and their zone geometry: the Namespace Identification Descriptor list
 * (CNS 03h) names a namespace's command set; for the Zoned Namespace command set (CSI 2) the command
 * set specific Identify Namespace (CNS 05h) and, once per controller, Identify Controller (CNS 06h)
 * follow. Only asked when the controller was enabled with all its I/O command sets.
 * @module
 */
import { CommandSetIdentifier } from "../nvme-spec/command-set.js";
import { identify } from "../nvme-spec/commands.js";
import { Cns, IDENTIFY_DATA_SIZE } from "../nvme-spec/identify-controller.js";
import { decodeNamespaceDescriptors, type IdentifyNamespace, Nidt } from "../nvme-spec/identify-namespace.js";
import { NvmeStatusError } from "../nvme-spec/status-error.js";
import {
  decodeZnsIdentifyController,
  decodeZnsIdentifyNamespace,
  type ZnsIdentifyNamespace,
} from "../nvme-spec/zns.js";
import type { Controller } from "./controller.js";

/**
 * The ZNS Identify Namespace of `nsid` when it is zoned, else undefined. A controller that refuses the
 * descriptor list (NVMe before 1.3) has no zoned namespaces.
 * @throws NvmeStatusError when a zoned namespace's command set specific Identify fails
 */
export async function identifyZoned(
  c: Controller,
  nsid: number,
  data: IdentifyNamespace,
): Promise<ZnsIdentifyNamespace | undefined> {
  if (!c.allIoCommandSets) return undefined;
  if ((await commandSetOf(c, nsid)) !== CommandSetIdentifier.Zoned) return undefined;
  if (c.znsData === undefined) {
    c.znsData = await c.withBuffer(IDENTIFY_DATA_SIZE, async (buf) => {
      const cmd = c.adminCommand();
      identify(cmd, Cns.IoCommandSetController, 0, 0, CommandSetIdentifier.Zoned);
      await c.adminRaw(cmd, buf.bytes, "Identify Controller (Zoned Namespace command set)");
      return decodeZnsIdentifyController(buf.bytes.slice());
    });
  }
  return c.withBuffer(IDENTIFY_DATA_SIZE, async (buf) => {
    const cmd = c.adminCommand();
    identify(cmd, Cns.IoCommandSetNamespace, nsid, 0, CommandSetIdentifier.Zoned);
    await c.adminRaw(cmd, buf.bytes, `Identify Namespace ${nsid} (Zoned Namespace command set)`);
    return decodeZnsIdentifyNamespace(buf.bytes.slice(), data.nlbaf + 1);
  });
}

/** The CSI descriptor of `nsid`'s identification list; NVM when absent or the list is refused. */
async function commandSetOf(c: Controller, nsid: number): Promise<number> {
  try {
    return await c.withBuffer(IDENTIFY_DATA_SIZE, async (buf) => {
      const cmd = c.adminCommand();
      identify(cmd, Cns.NamespaceDescriptorList, nsid);
      await c.adminRaw(cmd, buf.bytes, `Identify Namespace ${nsid} descriptors`);
      const csi = decodeNamespaceDescriptors(buf.bytes.slice()).find((d) => d.nidt === Nidt.Csi);
      return csi === undefined ? CommandSetIdentifier.Nvm : Number(csi.value);
    });
  } catch (error) {
    if (error instanceof NvmeStatusError) return CommandSetIdentifier.Nvm;
    throw error;
  }
}
