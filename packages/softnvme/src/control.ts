/**
 * What the host thread can ask of a controller running in a worker thread — fault injection,
 * surprise removal, inspection — and the messages that carry those requests and their replies.
 * Matches are plain data here (no `where` function), since they cross threads by postMessage.
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import type { CommandRecord } from "./command-log.js";
import type { SoftControllerOptions } from "./controller-options.js";
import type { DmaRegionShare } from "./dma-region.js";
import type { FaultMatch } from "./faults.js";
import type { PollStats, PollTiming } from "./worker-loop.js";

/** A fault match that can cross threads. */
export type PlainFaultMatch = Omit<FaultMatch, "where">;

/** A DMA fault as the host sees it. */
export interface DmaFaultReport {
  /** First IOVA of the faulting access. */
  iova: number;
  /** Its length in bytes. */
  length: number;
  /** The controller's description. */
  message: string;
}

/** A snapshot of a worker-thread controller. */
export interface SoftControllerStatus {
  /** CSTS.RDY. */
  ready: boolean;
  /** A controller fatal status stopped processing. */
  halted: boolean;
  /** Surprise-removed. */
  removed: boolean;
  /** Commands fetched so far. */
  commandCount: number;
  /** Keep Alive commands received. */
  keepAlives: number;
  /** Asynchronous Event Requests outstanding. */
  outstandingAsyncEventRequests: number;
  /** Host mistakes the controller noticed. */
  diagnostics: string[];
  /** DMA faults: commands that pointed outside live DMA memory. */
  dmaFaults: DmaFaultReport[];
  /** The poll loop's counters. */
  loop: PollStats;
}

/** The requests; each runs in the controller's thread. */
export interface SoftControl {
  /** Fails I/O covering `lba` of `nsid` with `status` (15-bit field), `times` times (default: always). */
  failLba(nsid: number, lba: number, status: number, times?: number): void;
  /** Fails matching commands with `status`, `times` times (default: always). */
  failCommands(match: PlainFaultMatch, status: number, times?: number): void;
  /** Executes matching commands but never posts their completions, `times` times (default 1). */
  dropCompletions(match: PlainFaultMatch, times?: number): void;
  /** Executes matching commands but posts their completions `ms` later, `times` times (default 1). */
  delayCompletions(match: PlainFaultMatch, ms: number, times?: number): void;
  /** Holds every completion of SQ `qid` until {@link releaseCompletions}. */
  holdCompletions(qid: number): void;
  /** Posts the held completions of SQ `qid` (at most `count`); returns how many. */
  releaseCompletions(qid: number, count?: number): number;
  /** Disarms every fault rule. */
  clearFaults(): void;
  /** Controller fatal status: CSTS.CFS set, nothing processed until a controller reset. */
  fatal(reason: string): void;
  /** Surprise removal: every BAR word reads all ones and nothing completes any more. */
  surpriseRemove(): void;
  /** Raises an asynchronous event (type 2:0, info 15:8, log page 23:16 of the AER completion). */
  raiseAsyncEvent(type: number, info: number, logPage: number): void;
  /** Function-level reset: the controller at its power-on state. */
  functionReset(): void;
  /** A snapshot of the controller's state and counters. */
  status(): SoftControllerStatus;
  /** The commands recorded so far (only with `recordCommands`). */
  commands(): CommandRecord[];
  /** Empties the command, register-write, diagnostic and DMA fault logs. */
  clearLogs(): void;
  /** Closes namespace files; the worker ends after replying. */
  shutdown(): void;
}

/** {@link SoftControl} as the host calls it: every request resolves with its reply. */
export type RemoteSoftControl = {
  [K in keyof SoftControl]: (...args: Parameters<SoftControl[K]>) => Promise<ReturnType<SoftControl[K]>>;
};

/** A request on the control channel. */
export interface ControlRequest {
  /** Matches the reply to the request. */
  id: number;
  /** Which request. */
  op: keyof SoftControl;
  /** Its arguments. */
  args: unknown[];
}

/** A reply on the control channel. */
export interface ControlReply {
  /** The request's id. */
  id: number;
  /** The result, when the request succeeded. */
  value?: unknown;
  /** The error message, when it failed. */
  error?: string;
}

/** Everything a controller's thread starts from (the worker's workerData). */
export interface WorkerInit {
  /** BAR0's memory. */
  bar: SharedArrayBuffer;
  /** Interrupt words (see interrupts.ts). */
  interrupts: SharedArrayBuffer;
  /** MSI-X vectors. */
  vectors: number;
  /** Word 0: the loop's sleep word, notified by the host to wake the controller. */
  wake: SharedArrayBuffer;
  /** DMA regions known at start. */
  regions: DmaRegionShare[];
  /** Where regions created later are announced. */
  regionPort: MessagePort;
  /** The controller model's options. */
  controller: SoftControllerOptions;
  /** Highest I/O queue identifier the controller grants. */
  maxQueues: number;
  /** Poll loop tuning. */
  timing: PollTiming;
}
