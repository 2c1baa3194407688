/**
 * What the soft controller saw: every command exactly as the core encoded it, the data it moved,
 * how it completed, and every register write. Tests assert on these bytes.
 * @module
 */
import { sqeCid, sqeNsid, sqeOpcode } from "./sqe.js";

/** One command the soft controller fetched from a submission queue. */
export interface CommandRecord {
  /** Submission queue it came from (0: admin). */
  readonly qid: number;
  /** The 16 dwords of the submission entry, copied when fetched. */
  readonly dwords: Uint32Array;
  /** Opcode (CDW0 bits 7:0), decoded by the controller for convenience. */
  readonly opcode: number;
  /** Command identifier (CDW0 bits 31:16). */
  readonly cid: number;
  /** Namespace identifier (dword 1). */
  readonly nsid: number;
  /** Copy of the data the command moved: host → device for writes, device → host for reads. */
  data?: Uint8Array;
  /** Direction of `data`. */
  direction?: "toDevice" | "toHost";
  /** Copy of the separate metadata the command moved, if any. */
  metadata?: Uint8Array;
  /** IOVAs of the PRP list pages or SGL segments the controller walked to find the data. */
  listIovas?: readonly number[];
  /** Set once the controller has produced a completion (even if held or dropped later). */
  completion?: {
    /** Completion DW0 (command specific). */
    dw0: number;
    /** 15-bit status field. */
    status: number;
  };
  /** Why the command failed, when the soft controller knows (for test failure messages). */
  error?: string;
  /** What happened to the completion when not simply posted. */
  fate?: "held" | "dropped" | "aborted" | "pending" | "delayed";
}

/** One write to a controller register through the connection's RegisterAccess. */
export interface RegisterWrite {
  /** Register byte offset. */
  readonly offset: number;
  /** Value written. */
  readonly value: bigint;
  /** Access width in bits. */
  readonly width: 32 | 64;
}

/** Makes the record of a command just fetched. */
export function recordCommand(qid: number, sqe: Uint32Array): CommandRecord {
  const dwords = Uint32Array.from(sqe);
  return { qid, dwords, opcode: sqeOpcode(dwords), cid: sqeCid(dwords), nsid: sqeNsid(dwords) };
}
