/**
 * Features by name or number: the names are the core's {@link FeatureId} members in kebab case
 * (`number-of-queues`, `volatile-write-cache`), and the value of a feature the core can decode is
 * shown decoded beside the raw dword.
 * @module
 */
import {
  decodeArbitration,
  decodeAsyncEventConfiguration,
  decodeErrorRecovery,
  decodeInterruptCoalescing,
  decodeInterruptVectorConfiguration,
  decodeKeepAliveTimer,
  decodeNumberOfQueues,
  decodePowerManagement,
  decodeTemperatureThreshold,
  decodeVolatileWriteCache,
  FeatureId,
} from "@nvmekit/core/nvme-spec";
import { UsageError } from "../runtime/cli-error.js";

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

/** Every named feature: kebab-case name to feature identifier. */
export const FEATURE_NAMES: ReadonlyMap<string, number> = new Map(
  Object.entries(FeatureId)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [kebab(k), v as number]),
);

// Features whose value travels in a data buffer, which `features` does not carry.
const WITH_DATA = new Set<number>([
  FeatureId.LbaRangeType,
  FeatureId.AutonomousPowerStateTransition,
  FeatureId.HostMemoryBuffer,
  FeatureId.Timestamp,
  FeatureId.HostIdentifier,
]);

const DECODERS: ReadonlyMap<number, (v: number) => unknown> = new Map<number, (v: number) => unknown>([
  [FeatureId.Arbitration, decodeArbitration],
  [FeatureId.PowerManagement, decodePowerManagement],
  [FeatureId.TemperatureThreshold, decodeTemperatureThreshold],
  [FeatureId.ErrorRecovery, decodeErrorRecovery],
  [FeatureId.VolatileWriteCache, (v) => ({ wce: decodeVolatileWriteCache(v) })],
  [FeatureId.NumberOfQueues, decodeNumberOfQueues],
  [FeatureId.InterruptCoalescing, decodeInterruptCoalescing],
  [FeatureId.InterruptVectorConfiguration, decodeInterruptVectorConfiguration],
  [FeatureId.AsyncEventConfiguration, decodeAsyncEventConfiguration],
  [FeatureId.KeepAliveTimer, (v) => ({ katoMs: decodeKeepAliveTimer(v) })],
]);

/** The feature identifier `text` names (a name, or a number such as 7 or 0x07). */
export function featureId(text: string): number {
  const t = text.trim().toLowerCase();
  const n =
    FEATURE_NAMES.get(t) ??
    (/^0x[0-9a-f]{1,2}$/.test(t) ? Number.parseInt(t, 16) : /^\d{1,3}$/.test(t) ? Number(t) : NaN);
  if (!(n >= 1 && n <= 0xff)) {
    throw new UsageError(
      `unknown feature "${text}": give a number from 1 to 0xff or a name such as ${[...FEATURE_NAMES.keys()].slice(0, 8).join(", ")}, ...`,
    );
  }
  if (WITH_DATA.has(n)) {
    throw new UsageError(
      `feature 0x${n.toString(16)} carries its value in a data buffer, which \`features\` does not support yet`,
    );
  }
  return n;
}

/** The name of feature `fid`, or "unnamed". */
export function featureName(fid: number): string {
  for (const [name, id] of FEATURE_NAMES) if (id === fid) return name;
  return "unnamed";
}

/** The decoded value of feature `fid`, or undefined when the core has no decoder for it. */
export function decodeFeature(fid: number, value: number): unknown {
  return DECODERS.get(fid)?.(value);
}
