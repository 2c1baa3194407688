/**
 * Fault injection rules for the soft controller: end matching commands with an error status, drop
 * their completion, delay it, hold it until the test releases it, or perform the whole command
 * (its data transfer included) late.
 * @module
 */
import { NvmOpc } from "./nvme-raw.js";
import { sqeNlb, sqeNsid, sqeOpcode, sqeSlba } from "./sqe.js";

/** Which commands a fault applies to; every given field must match. */
export interface FaultMatch {
  /** Submission queue identifier (0: admin). */
  qid?: number;
  /** Opcode (CDW0 bits 7:0). */
  opcode?: number;
  /** Namespace identifier. */
  nsid?: number;
  /** An LBA the command's range [SLBA, SLBA + NLB) must cover (read, write, compare, write zeroes). */
  lba?: number;
  /** Any further test of the raw 16 dwords. */
  where?: (dwords: Uint32Array, qid: number) => boolean;
}

/** What a fault does to a matching command. */
export type FaultAction =
  /** Complete with this 15-bit status without executing the command. */
  | {
      /** Fail. */
      kind: "fail";
      /** The 15-bit status field to complete with. */
      status: number;
    }
  /** Execute the command but never post its completion. */
  | {
      /** Drop. */
      kind: "drop";
    }
  /** Execute the command but keep its completion until `releaseCompletions` for its queue. */
  | {
      /** Hold. */
      kind: "hold";
    }
  /** Execute the command but post its completion `ms` milliseconds later. */
  | {
      /** Delay. */
      kind: "delay";
      /** Milliseconds. */
      ms: number;
    }
  /**
   * Fetch the command but execute it, data transfer and completion, only at `releaseLateTransfers`;
   * a controller disabled or reset, a deleted queue or a removal meanwhile drops it untransferred, as
   * a real device stops its DMA when disabled.
   */
  | {
      /** Late. */
      kind: "late";
    };

/** A live fault rule; `remove()` disarms it. */
export interface FaultHandle {
  /** Commands this rule has applied to so far. */
  readonly hits: number;
  /** Applications left before the rule disarms itself (Infinity: until removed). */
  readonly remaining: number;
  /** Disarms the rule. */
  remove(): void;
}

/** A fault rule as the controller keeps it. */
export interface FaultRule extends FaultHandle {
  /** The match. */
  readonly match: FaultMatch;
  /** The action. */
  readonly action: FaultAction;
}

// Commands whose CDW10-12 are SLBA/NLB and so can be matched by LBA.
const LBA_OPCODES: ReadonlySet<number> = new Set([
  NvmOpc.Read,
  NvmOpc.Write,
  NvmOpc.Compare,
  NvmOpc.WriteZeroes,
]);

/** Whether `match` selects the command `dwords` on queue `qid`. */
export function faultMatches(match: FaultMatch, qid: number, dwords: Uint32Array): boolean {
  if (match.qid !== undefined && match.qid !== qid) return false;
  const opcode = sqeOpcode(dwords);
  if (match.opcode !== undefined && match.opcode !== opcode) return false;
  if (match.nsid !== undefined && match.nsid !== sqeNsid(dwords)) return false;
  if (match.lba !== undefined) {
    if (qid === 0 || !LBA_OPCODES.has(opcode)) return false;
    const slba = sqeSlba(dwords);
    if (match.lba < slba || match.lba >= slba + sqeNlb(dwords)) return false;
  }
  return match.where === undefined || match.where(dwords, qid);
}

/** The controller's set of armed fault rules. */
export class FaultTable {
  private rules: (FaultRule & { hits: number; remaining: number })[] = [];

  /** Arms a rule for `times` applications (default: until removed). */
  add(match: FaultMatch, action: FaultAction, times = Number.POSITIVE_INFINITY): FaultHandle {
    const rule = {
      match,
      action,
      hits: 0,
      remaining: times,
      remove: () => {
        this.rules = this.rules.filter((r) => r !== rule);
      },
    };
    this.rules.push(rule);
    return rule;
  }

  /** The first armed rule matching the command, counted as applied; undefined if none. */
  take(qid: number, dwords: Uint32Array): FaultAction | undefined {
    for (const rule of this.rules) {
      if (!faultMatches(rule.match, qid, dwords)) continue;
      rule.hits++;
      rule.remaining--;
      if (rule.remaining <= 0) rule.remove();
      return rule.action;
    }
    return undefined;
  }

  /** Disarms every rule. */
  clear(): void {
    this.rules = [];
  }
}
