/**
 * What follows a command outliving its time limit, in SPDK's order (nvme bdev's timeout handling):
 * the report (timeout callback, `timeout$`), then Abort for its CID, then, when the Abort fails, the
 * controller declines it, or the command is still outstanding at twice its limit, a controller
 * reset. Nothing here is on the per-I/O path.
 * @module
 */
import * as cmds from "../nvme-spec/commands.js";
import type { Completion } from "../nvme-spec/completion.js";
import { TimeoutAction } from "../options/controller-options.js";
import type { QueuePair } from "../qpair/queue-pair.js";
import { TimeoutStage } from "../qpair/queue-pair.js";

/** What the escalation needs from its controller. */
export interface EscalationTarget {
  /** The admin queue pair, where Abort goes. */
  readonly admin: QueuePair;
  /** Whether the controller takes commands now (Ready): nothing escalates otherwise. */
  readonly escalates: boolean;
  /** Starts a reset in the background (its outcome shows in the controller's state). */
  resetSoon(): void;
}

/** The argument of an escalation's Abort: one object per timed-out command (not the per-I/O path). */
interface AbortSent {
  target: EscalationTarget;
  action: TimeoutAction;
}

/** Abort's completion: DW0 bit 0 set means the controller did not abort the command. */
function abortAnswered(sent: AbortSent, cpl: Completion): void {
  if (sent.action !== TimeoutAction.Reset) return;
  if (cpl.isError || (cpl.cdw0 & 1) === 1) sent.target.resetSoon();
}

/**
 * Escalates a command past its time limit with `action`: at {@link TimeoutStage.Expired} Abort
 * (Abort and Reset), at {@link TimeoutStage.StillOutstanding} a reset (Reset only). The Abort is
 * submitted on the admin queue with a callback of its own (no application polling needed: the
 * admin queue's idle tick completes it); no free admin request counts as a failed Abort.
 */
export function escalateTimeout(
  target: EscalationTarget,
  qpair: QueuePair,
  cid: number,
  stage: TimeoutStage,
  action: TimeoutAction,
): void {
  if (action === TimeoutAction.None || !target.escalates) return;
  if (stage === TimeoutStage.StillOutstanding) {
    if (action === TimeoutAction.Reset) target.resetSoon();
    return;
  }
  const req = target.admin.takeRequest();
  if (req === null) {
    if (action === TimeoutAction.Reset) target.resetSoon();
    return;
  }
  cmds.abort(req.cmd, qpair.id, cid);
  req.cb = abortAnswered as never;
  req.cbArg = { target, action } satisfies AbortSent;
  target.admin.submit(req, null);
}
