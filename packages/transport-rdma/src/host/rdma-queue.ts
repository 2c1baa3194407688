/**
 * Connecting one NVMe-oF RDMA queue, wherever it runs (the controller's thread, or a worker that
 * drives its own queue pair): resolve the route, create the completion queue and queue pair, post the
 * receives, connect with the NVMe-oF private data, and watch the connection for a disconnect. The
 * port's detach disconnects (the target deletes the queue) and destroys the queue pair.
 * @module
 */
import { TransportError } from "@nvmekit/core/transport";
import koffi from "koffi";
import { type CmEvent, type CmEventChannel, type CmId, cmEventName } from "../native/cm-channel.js";
import type { DataPath } from "../native/data-path.js";
import { CmEventType, RdmaCmId } from "../native/layouts.js";
import { rdmaLibraries } from "../native/libraries.js";
import type { NativeBlock } from "../native/native-block.js";
import type { DeviceLimits } from "../native/verbs.js";
import { establish, resolveRoute } from "./cm-connect.js";
import { QueueVerbs } from "./queue-verbs.js";
import type { RdmaQueuePort } from "./rdma-queue-port.js";

/** Where queues connect to and with what: shared by the queues of one thread. */
export interface QueueEndpoint {
  /** The thread's connection-manager channel. */
  readonly channel: CmEventChannel;
  /** The target's sockaddr. */
  readonly address: Uint8Array;
  /** The target as people write it, for messages. */
  readonly where: string;
  /** The adapter's context (every queue of a controller uses the same adapter). */
  readonly context: bigint;
  /** The protection domain the controller's memory is registered in. */
  readonly pd: bigint;
  /** The context's data-path verbs. */
  readonly dataPath: DataPath;
  /** The adapter's limits. */
  readonly limits: DeviceLimits;
  /** Native memory for connection parameters. */
  readonly scratch: NativeBlock;
  /** Time limit of the connect step, in milliseconds. */
  readonly timeoutMs: number;
}

/** The device context a resolved cm id is bound to (`id->verbs`). */
export function contextOf(id: CmId): bigint {
  return new DataView(koffi.view(id.id, 8)).getBigUint64(RdmaCmId.verbs, true);
}

/**
 * Connects `port` to the target: a new connection for its queue ID (the core, or the worker's attach,
 * sends the NVMe-oF Connect next). The port may be new or have been detached from an earlier one.
 * @param resolved a cm id whose route is already resolved, to use instead of a new one
 * @throws TransportError or NativeError naming the step that failed; the port is left detached
 */
export async function connectRdmaQueue(
  endpoint: QueueEndpoint,
  port: RdmaQueuePort,
  resolved: CmId | null = null,
): Promise<void> {
  const { channel, where } = endpoint;
  const id = resolved ?? channel.createId();
  let verbs: QueueVerbs | null = null;
  try {
    if (resolved === null) await resolveRoute(id, endpoint.address, where);
    if (contextOf(id) !== endpoint.context)
      throw new TransportError(
        `RDMA queue ${port.qid} to ${where} resolved to another adapter than the controller's`,
      );
    verbs = new QueueVerbs(id, endpoint.context, endpoint.pd, endpoint.dataPath, port.depth);
  } catch (e) {
    verbs?.destroy();
    channel.destroyId(id);
    throw e;
  }
  const queueVerbs = verbs;
  port.attach(verbs, () => {
    rdmaLibraries().rdma_disconnect(id.id);
    queueVerbs.destroy();
    channel.destroyId(id);
  });
  try {
    await establish(
      id,
      endpoint.scratch,
      {
        qid: port.qid,
        depth: port.depth,
        responderResources: endpoint.limits.maxQpRdAtom,
        initiatorDepth: endpoint.limits.maxQpInitRdAtom,
      },
      where,
      endpoint.timeoutMs,
    );
  } catch (e) {
    port.detach();
    throw e;
  }
  id.onEvent = (event: CmEvent) => {
    if (event.type === CmEventType.Disconnected || event.type === CmEventType.DeviceRemoval)
      port.lose(new TransportError(`RDMA queue ${port.qid} to ${where}: ${cmEventName(event.type)}`));
  };
}
