/**
 * NVMe-oF RDMA queue pairs driven from worker threads (the SPDK model: one queue pair per thread).
 * Verbs objects are the process's, but the connection manager delivers a queue's events on the
 * channel that made it, so a worker owns its queue outright: its own event channel, cm id, completion
 * queue and queue pair, made on the controller's adapter and protection domain, over a range of the
 * controller's registered memory. It Connects the queue ID with the controller ID in a shared word
 * (updated by the controller's thread after a reset) and, after a reset, re-opens and re-Connects
 * itself ({@link RdmaQueuePort.resume}).
 * @module
 */
import {
  type AttachedQueuePair,
  attachQueuePair,
  connectWorkerQueue,
  type WorkerConnectIdentity,
  type WorkerQueuePairHandle,
  whileQueueIdBusy,
} from "@nvmekit/core/transport";
import { CmEventChannel } from "../native/cm-channel.js";
import { DataPath } from "../native/data-path.js";
import { NativeBlock } from "../native/native-block.js";
import type { DeviceLimits } from "../native/verbs.js";
import { socketAddress } from "./cm-connect.js";
import { connectRdmaQueue, type QueueEndpoint } from "./rdma-queue.js";
import { RdmaQueuePort } from "./rdma-queue-port.js";
import { RegisteredRange, type RegisteredRangeHandle } from "./registered-memory.js";

/** The RDMA transport's part of a {@link WorkerQueuePairHandle}: how to reach and Connect the queue. */
export interface RdmaQueueHandle extends WorkerConnectIdentity {
  /** The target's address. */
  readonly host: string;
  /** The target's port. */
  readonly port: number;
  /** Entries. */
  readonly depth: number;
  /** Largest write carried in-capsule. */
  readonly inCapsuleBytes: number;
  /** The controller's adapter context (ibv_context pointer). */
  readonly context: bigint;
  /** The controller's protection domain (ibv_pd pointer). */
  readonly pd: bigint;
  /** The adapter's limits. */
  readonly limits: DeviceLimits;
  /** The worker's range of the controller's registered memory: its buffers, capsules and responses. */
  readonly memory: RegisteredRangeHandle;
}

/** Registered bytes a worker's queue of `depth` entries needs besides its buffers: capsules and responses. */
export function workerQueueBytes(depth: number): number {
  const page = 4096;
  return Math.ceil((depth * 64) / page) * page + Math.ceil((depth * 16) / page) * page;
}

/**
 * Opens, in this (worker) thread, the queue pair the controller's thread exported with
 * `Controller.allocIoQpairForWorker` over RDMA: its own connection, Connected for the queue ID.
 * `close()` disconnects it, after which the controller's thread may release the queue.
 * Threading: call in the worker that will own the queue pair.
 * @throws TransportError, NativeError or ConnectRejectedError (as a rejection) when the target cannot
 *   be reached or refuses
 */
export async function attachRdmaWorkerQueuePair(handle: WorkerQueuePairHandle): Promise<AttachedQueuePair> {
  const t = handle.transport as RdmaQueueHandle;
  const range = RegisteredRange.open(t.memory);
  const endpoint: QueueEndpoint = {
    channel: new CmEventChannel(),
    address: await socketAddress(t.host, t.port),
    where: `${t.host}:${t.port}`,
    context: t.context,
    pd: t.pd,
    dataPath: new DataPath(t.context),
    limits: t.limits,
    scratch: new NativeBlock(4096),
    timeoutMs: t.timeoutMs,
  };
  // The queue's capsules and responses come from the range first; the worker's buffers from the rest.
  const port = new RdmaQueuePort(
    { qid: t.qid, depth: t.depth, inCapsuleBytes: t.inCapsuleBytes },
    range,
    // A lost connection answers this queue's outstanding commands itself; the controller's thread,
    // which loses the target too, then fails or resets the queue through the link.
    () => undefined,
    () => undefined,
  );
  try {
    await openAndConnect(endpoint, t, port, range);
  } catch (e) {
    await port.release();
    endpoint.channel.close();
    throw e;
  }
  port.resume = () => openAndConnect(endpoint, t, port, range);
  const attached = attachQueuePair(handle, port, range);
  return {
    ...attached,
    close() {
      attached.close();
      void port.release().then(() => endpoint.channel.close());
    },
  };
}

/** Connects the queue and sends its NVMe-oF Connect, again while the target still tears the queue ID down. */
function openAndConnect(
  endpoint: QueueEndpoint,
  t: RdmaQueueHandle,
  port: RdmaQueuePort,
  range: RegisteredRange,
): Promise<void> {
  return whileQueueIdBusy(async () => {
    await connectRdmaQueue(endpoint, port);
    try {
      await connectWorkerQueue(port, range, t);
    } catch (e) {
      port.detach();
      throw e;
    }
  });
}
