/**
 * Opening the controller a command works on: the one `-r` names, or the embedded software
 * controller (saying so on stderr), and detaching it afterwards whatever happens.
 * @module
 */
import type { Controller, ControllerOptions, Namespace } from "@nvmekit/core";
import { CliError } from "./cli-error.js";
import { composeRuntime, type Runtime } from "./container.js";
import { explainConnectFailure } from "./diagnose.js";
import { notice } from "./output.js";
import { SOFT_DEFAULT_TRID, softDefaultNotice } from "./soft-default.js";

/** An attached controller and where it came from. */
export interface Session {
  /** The container's driver and PCIe transport. */
  readonly runtime: Runtime;
  /** The attached controller. */
  readonly ctrlr: Controller;
  /** Whether it is the embedded software controller (no `-r` given). */
  readonly embedded: boolean;
}

/**
 * Attaches the controller `trid` names (undefined: the embedded software controller), runs `fn`
 * with it and detaches it, also when `fn` fails.
 */
export async function withController<T>(
  trid: string | undefined,
  fn: (session: Session) => Promise<T>,
  options: Partial<ControllerOptions> = {},
): Promise<T> {
  const runtime = composeRuntime();
  const embedded = trid === undefined;
  // Strict: a typed trid with a misspelt key or transport is refused (exit 2), not skipped.
  const id = runtime.driver.parseTransportId(trid ?? SOFT_DEFAULT_TRID, { strict: true });
  if (embedded) notice(softDefaultNotice());
  let ctrlr: Controller;
  try {
    ctrlr = await runtime.driver.connect(id, options);
  } catch (e) {
    throw await explainConnectFailure(id, e);
  }
  try {
    return await fn({ runtime, ctrlr, embedded });
  } finally {
    await runtime.driver.detachAll();
  }
}

/** Namespace `nsid` of `ctrlr`, or an error listing the active ones. */
export function activeNamespace(ctrlr: Controller, nsid: number): Namespace {
  const ns = ctrlr.getNamespace(nsid);
  if (ns === undefined || !ns.isActive) {
    const ids = ctrlr.activeNamespaceIds();
    throw new CliError(
      `namespace ${nsid} is not active on this controller; its namespaces are ${ids.join(", ") || "none"} (--ns)`,
    );
  }
  return ns;
}
