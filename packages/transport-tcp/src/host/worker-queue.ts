/**
 * NVMe/TCP queue pairs driven from worker threads (the SPDK model: one queue pair per thread). A TCP
 * queue is a socket, which cannot move between threads, so the controller's thread hands over how
 * to reach the queue instead: the worker opens its own connection and sends Connect for the queue ID
 * with the controller ID in a shared word, which the controller's thread updates after a reset;
 * after a reset the worker's queue re-opens and re-Connects itself ({@link TcpQueuePort.resume}).
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
import { PlainMemory } from "./plain-memory.js";
import { openSocket } from "./socket.js";
import { TcpQueuePort } from "./tcp-queue-port.js";

/** The NVMe/TCP transport's part of a {@link WorkerQueuePairHandle}: how to reach and Connect the queue. */
export interface TcpQueueHandle extends WorkerConnectIdentity {
  /** The target's address. */
  readonly host: string;
  /** The target's TCP port. */
  readonly port: number;
  /** Entries. */
  readonly depth: number;
  /** Largest write carried in-capsule. */
  readonly inCapsuleBytes: number;
  /** Digests to ask for. */
  readonly digests: number;
}

/**
 * Opens, in this (worker) thread, the queue pair the controller's thread exported with
 * `Controller.allocIoQpairForWorker` over NVMe/TCP: its own connection, Connected for the queue ID.
 * `close()` closes the connection, after which the controller's thread may release the queue.
 * @throws TransportError or ConnectRejectedError (as a rejection) when the target cannot be reached or refuses
 */
export async function attachTcpWorkerQueuePair(handle: WorkerQueuePairHandle): Promise<AttachedQueuePair> {
  const t = handle.transport as TcpQueueHandle;
  // A lost connection answers this queue's outstanding commands itself; the controller's thread,
  // which loses the target too, then fails or resets the queue through the link.
  const port = new TcpQueuePort(
    { qid: t.qid, depth: t.depth, inCapsuleBytes: t.inCapsuleBytes, digests: t.digests },
    () => undefined,
  );
  const dma = new PlainMemory();
  await openAndConnect(port, t, dma);
  port.resume = () => openAndConnect(port, t, dma);
  const attached = attachQueuePair(handle, port, dma);
  return {
    ...attached,
    close() {
      attached.close();
      void port.release();
    },
  };
}

/** Opens a connection for `port`, exchanges ICReq/ICResp and Connects the queue, again while its ID is busy. */
function openAndConnect(port: TcpQueuePort, t: TcpQueueHandle, dma: PlainMemory): Promise<void> {
  return whileQueueIdBusy(async () => {
    port.attach(await openSocket(t.host, t.port, t.timeoutMs, (bytes) => port.receive(bytes)));
    try {
      await port.initialize(t.timeoutMs);
      await connectWorkerQueue(port, dma, t);
    } catch (e) {
      await port.release();
      throw e;
    }
  });
}
