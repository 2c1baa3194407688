/**
 * The Commands Supported and Effects log page (LID 05h): one dword per admin and I/O opcode.
 * @module
 */
import { bit, bits, requireBytes, u32 } from "./bytes.js";

/** Size in bytes of the Commands Supported and Effects log page. */
export const COMMAND_EFFECTS_LOG_SIZE = 4096;

/** Command Submission and Execution values (effect bits 18:16). */
export enum CommandSubmissionExecution {
  /** No restriction. */
  None = 0,
  /** No other command to the same namespace may be outstanding. */
  SingleNamespace = 1,
  /** No other command to any namespace may be outstanding. */
  SingleController = 2,
}

/** Decoded Commands Supported and Effects entry. */
export interface CommandEffects {
  /** The raw dword. */
  raw: number;
  /** Command Supported. */
  csupp: boolean;
  /** Logical Block Content Change. */
  lbcc: boolean;
  /** Namespace Capability Change. */
  ncc: boolean;
  /** Namespace Inventory Change. */
  nic: boolean;
  /** Controller Capability Change. */
  ccc: boolean;
  /** Command Submission and Execution (see {@link CommandSubmissionExecution}). */
  cse: number;
  /** UUID Selection Supported. */
  uss: boolean;
}

/** Decode one effects dword. */
export function decodeCommandEffects(v: number): CommandEffects {
  return {
    raw: v,
    csupp: bit(v, 0),
    lbcc: bit(v, 1),
    ncc: bit(v, 2),
    nic: bit(v, 3),
    ccc: bit(v, 4),
    cse: bits(v, 16, 3),
    uss: bit(v, 19),
  };
}

/** The Commands Supported and Effects log page, indexed by opcode. */
export interface CommandEffectsLog {
  /** Admin Command Supported entries, 256 (bytes 0..1023). */
  admin: CommandEffects[];
  /** I/O Command Supported entries, 256 (bytes 1024..2047). */
  io: CommandEffects[];
}

/** Decode a Commands Supported and Effects log page. */
export function decodeCommandEffectsLog(bytes: Uint8Array): CommandEffectsLog {
  requireBytes(bytes, 2048, "Commands Supported and Effects log");
  const admin: CommandEffects[] = [];
  const io: CommandEffects[] = [];
  for (let op = 0; op < 256; op++) {
    admin.push(decodeCommandEffects(u32(bytes, op * 4)));
    io.push(decodeCommandEffects(u32(bytes, 1024 + op * 4)));
  }
  return { admin, io };
}
