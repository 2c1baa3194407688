/**
 * What the target's connection hands a command handler and gets back: one received command with
 * its data, and its result. Shared by the connection, the Connect, admin and I/O handlers. Runs on
 * the thread that owns the target's sockets.
 * @module
 */
import { encodeStatus, GenericStatus, type NvmeCommand, StatusCodeType } from "@nvmekit/core/nvme-spec";

/** Data direction of a command: none, host to controller, controller to host (bits 1:0 of the opcode). */
export enum Direction {
  None = 0,
  HostToController = 1,
  ControllerToHost = 2,
  Bidirectional = 3,
}

/** One command as a handler sees it. */
export interface TargetRequest {
  /** The command, a private copy of the received SQE. */
  readonly cmd: NvmeCommand;
  /** Its command identifier. */
  readonly cid: number;
  /** Bytes of data its SGL describes (0: none). */
  readonly length: number;
  /** Which way the data moves. */
  readonly direction: Direction;
  /**
   * `length` bytes: the host's data once it has arrived (writes), or where the handler puts the data
   * for the host (reads). A handler's `prepare` may set it (to DMA memory of the backend); otherwise
   * the connection gives a plain array.
   */
  data: Uint8Array | null;
  /** Frees `data` once the command is done (set by whoever allocated it from the backend). */
  release: (() => void) | null;
}

/** How a command ended. */
export interface CommandResult {
  /** The 15-bit status field (0: success); see {@link status}. */
  status: number;
  /** Completion DW0. */
  dw0?: number;
  /** Completion DW1. */
  dw1?: number;
  /** Read commands: how many bytes of `data` go to the host (default: the request's `length`). */
  dataLength?: number;
}

/** Handles the commands of one queue. */
export interface CommandHandler {
  /** The most in-capsule data this queue accepts, in bytes. */
  readonly inCapsuleSize: number;
  /**
   * Checks a command before any of its data moves (no R2T is sent for a command that fails here).
   * @returns 0, or the status to complete the command with
   */
  prepare(req: TargetRequest): number;
  /** Runs a command whose data (if any) has arrived. */
  execute(req: TargetRequest): Promise<CommandResult> | CommandResult;
}

/** A status field with DNR set: what the target's own checks return. */
export function status(sct: StatusCodeType, sc: number, dnr = true): number {
  return encodeStatus(sct, sc, { dnr });
}

/** A generic status with DNR. */
export function generic(sc: GenericStatus): number {
  return status(StatusCodeType.Generic, sc);
}

/** A command specific status with DNR. */
export function specific(sc: number): number {
  return status(StatusCodeType.CommandSpecific, sc);
}

/** Success without data. */
export const SUCCESS: CommandResult = { status: 0 };

/** A result carrying only a status. */
export function fail(statusField: number, dw0 = 0): CommandResult {
  return { status: statusField, dw0 };
}

/** Invalid Command Opcode. */
export const INVALID_OPCODE = generic(GenericStatus.InvalidOpcode);
/** Invalid Field in Command. */
export const INVALID_FIELD = generic(GenericStatus.InvalidField);
/** Command Sequence Error. */
export const SEQUENCE_ERROR = generic(GenericStatus.CommandSequenceError);
/** Internal Error (no DNR: a later try may work). */
export const INTERNAL_ERROR = status(StatusCodeType.Generic, GenericStatus.InternalError, false);
