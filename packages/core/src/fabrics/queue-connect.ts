/**
 * The Fabrics Connect handshake of one queue, sent on the transport queue itself before a queue pair
 * takes it over (so nothing a queue pair holds back can overtake it): the admin queue with the
 * dynamic controller ID, I/O queues with the controller ID the admin Connect returned.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DataPointerLists } from "../dataptr/payload.js";
import { Payload } from "../dataptr/payload.js";
import type { DmaAllocator } from "../dma/dma-memory.js";
import { NvmeError, NvmeTimeoutError, TransportError } from "../errors/errors.js";
import { NvmeCommand } from "../nvme-spec/command.js";
import { Completion } from "../nvme-spec/completion.js";
import {
  CONNECT_DATA_SIZE,
  connectCommand,
  decodeConnectResponse,
  describeConnectFailure,
  encodeConnectData,
} from "../nvme-spec/fabrics.js";
import { GenericStatus, StatusCodeType } from "../nvme-spec/status.js";
import { parseHostId } from "../options/host-identity.js";
import type { QueuePort } from "../transport/contract.js";

/** What a Connect names. */
export interface ConnectParams {
  /** Queue ID: 0 for the admin queue. */
  qid: number;
  /** Controller ID: 0xFFFF on the admin queue, the returned one on I/O queues. */
  cntlid: number;
  /** Host identifier (16 bytes), the same on every queue and every connect of this host. */
  hostid: Uint8Array;
  /** Host NQN. */
  hostnqn: string;
  /** Subsystem NQN. */
  subnqn: string;
  /** Keep-alive timeout in milliseconds (admin queue; 0: none). */
  katoMs: number;
}

/** A Connect the target refused: the message says why and what to change. */
export class ConnectRejectedError extends NvmeError {
  /**
   * @param message the decoded reason
   * @param sct status code type of the completion
   * @param sc status code of the completion
   */
  constructor(
    message: string,
    readonly sct: number,
    readonly sc: number,
  ) {
    super("ERR_NVME_CONNECT_REJECTED", message);
  }
}

const NO_LISTS: DataPointerLists = {
  prpPages: { pages: [], iovas: [] },
  sglSegment: { entries: new Uint32Array(0), iova: 0, capacity: 0 },
};

/**
 * Sends Connect on `port` and waits for its completion (polling the port, yielding to the event loop).
 * @returns the controller ID the target assigned (admin queue) or confirmed (I/O queue)
 * @throws {@link ConnectRejectedError} when the target refuses, {@link NvmeTimeoutError} after
 *   `timeoutMs` without an answer, {@link TransportError} when the port builds no data pointers
 */
export async function connectQueue(
  port: QueuePort,
  dma: DmaAllocator,
  params: ConnectParams,
  timeoutMs: number,
): Promise<number> {
  const dataPointer = port.dataPointer;
  if (dataPointer === undefined)
    throw new TransportError(
      `queue ${port.qid} cannot carry Connect data: the transport builds no data pointers`,
    );
  const cmd = new NvmeCommand();
  connectCommand(cmd, params.qid, port.depth - 1, 0, params.katoMs);
  cmd.cid = 0;
  const data = dma.alloc(CONNECT_DATA_SIZE, 4);
  try {
    encodeConnectData(data.bytes, params);
    const payload = new Payload();
    payload.setContiguous(data.bytes, data.iova, CONNECT_DATA_SIZE);
    const failed = dataPointer.build(cmd, payload, NO_LISTS);
    if (failed !== 0)
      throw new TransportError(
        `queue ${port.qid}: Connect data rejected by the transport (status ${failed})`,
      );
    port.post(cmd.dw);
    port.ringSubmission();
    const cpl = await pollOne(port, timeoutMs, `Connect on queue ${port.qid}`);
    if (cpl.sct === StatusCodeType.Generic && cpl.sc === GenericStatus.AbortedSqDeletion) {
      // What a transport answers for a command its lost connection could not carry.
      throw new TransportError(`queue ${port.qid}: the connection closed during Connect`);
    }
    if (cpl.isError) {
      throw new ConnectRejectedError(
        describeConnectFailure(cpl.sct, cpl.sc, cpl.cdw0, { ...params, sqsize: port.depth - 1 }),
        cpl.sct,
        cpl.sc,
      );
    }
    return decodeConnectResponse(cpl.cdw0).cntlid;
  } finally {
    dma.free(data);
  }
}

/**
 * What a fabric transport's worker-queue handle carries so the worker can Connect its own queue
 * (structured-clonable: it crosses to the worker in `postMessage`).
 */
export interface WorkerConnectIdentity {
  /** Queue identifier. */
  readonly qid: number;
  /** Host NQN. */
  readonly hostnqn: string;
  /** Host ID as UUID text. */
  readonly hostid: string;
  /** Subsystem NQN. */
  readonly subnqn: string;
  /** Time limit of each connect step, in milliseconds. */
  readonly timeoutMs: number;
  /** One Int32: the controller ID to Connect with (the controller's thread updates it after a reset). */
  readonly controllerId: SharedArrayBuffer;
}

/**
 * {@link connectQueue} for a worker's I/O queue: the controller ID the controller's thread last
 * published in `identity.controllerId`, no keep-alive (the admin queue has it). Threading: the worker's.
 * @throws what {@link connectQueue} throws
 */
export function connectWorkerQueue(
  port: QueuePort,
  dma: DmaAllocator,
  identity: WorkerConnectIdentity,
): Promise<number> {
  return connectQueue(
    port,
    dma,
    {
      qid: identity.qid,
      cntlid: Atomics.load(new Int32Array(identity.controllerId), 0),
      hostid: parseHostId(identity.hostid),
      hostnqn: identity.hostnqn,
      subnqn: identity.subnqn,
      katoMs: 0,
    },
    identity.timeoutMs,
  );
}

/** Connects tried on an I/O queue whose ID the target still holds (about 1 s in all). */
const QUEUE_ID_BUSY_ATTEMPTS = 10;

/**
 * Runs `open` (which creates a queue's link, Connects it, and releases the link if that fails) again
 * while the target refuses the Connect with Command Sequence Error: it tears a closed queue down in
 * the background (after a reset, or a queue ID freed and handed out again) and holds the ID meanwhile.
 * @throws what the last attempt threw
 */
export async function whileQueueIdBusy<T>(open: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (e) {
      const busy =
        e instanceof ConnectRejectedError &&
        e.sct === StatusCodeType.Generic &&
        e.sc === GenericStatus.CommandSequenceError;
      if (!busy || attempt === QUEUE_ID_BUSY_ATTEMPTS) throw e;
      await sleep(20 * attempt);
    }
  }
}

/** Polls `port` until one completion arrives; immediate retries first, then 1 ms sleeps. */
async function pollOne(port: QueuePort, timeoutMs: number, what: string): Promise<Completion> {
  const cpl = new Completion();
  const deadline = performance.now() + timeoutMs;
  for (let spins = 0; !port.poll(cpl.dw); spins++) {
    if (performance.now() > deadline) throw new NvmeTimeoutError(`${what}: no answer within ${timeoutMs} ms`);
    if (spins < 100) await new Promise<void>((r) => setImmediate(r));
    else await sleep(1);
  }
  port.ringCompletion();
  return cpl;
}
