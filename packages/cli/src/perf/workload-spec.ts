/**
 * What a perf run does, with SPDK perf's meaning for each setting: queue depth, I/O size, access
 * pattern (-w) and read percentage (-M) for the mixed ones, and a time limit.
 * @module
 */
import { InvalidArgumentError, type Namespace } from "@nvmekit/core";

/** Access patterns of SPDK perf's -w. */
export const PATTERNS = ["read", "write", "randread", "randwrite", "rw", "randrw"] as const;
/** One of {@link PATTERNS}. */
export type Pattern = (typeof PATTERNS)[number];

/** A perf workload on one namespace. */
export interface WorkloadSpec {
  /** Access pattern. */
  pattern: Pattern;
  /** Percentage of reads for rw/randrw (SPDK's -M); 100 for read patterns, 0 for write patterns. */
  readPercent: number;
  /** Bytes per I/O (a multiple of the sector size). */
  ioSize: number;
  /** I/Os kept outstanding. */
  queueDepth: number;
  /** Run time in seconds. */
  seconds: number;
  /**
   * Seconds of I/O before the figures start (SPDK perf's -a, default 0): not counted in IOPS,
   * latencies or CPU time, while V8 compiles the I/O path. Errors and verification failures during
   * it still count.
   */
  warmupSeconds?: number;
  /** Stop after this many I/Os even if time remains (0: no limit). */
  maxIos?: number;
  /**
   * Stamp every written block (LBA, write sequence, CRC) after pre-filling the range, and check every
   * read against a model of what each block must hold.
   */
  verify: boolean;
  /**
   * Run on part `index` of `count` equal parts of the namespace (whole I/Os; default the whole
   * namespace): jobs that verify the same namespace at once each need their own part.
   */
  part?: WorkloadPart;
}

/** Part `index` of `count` equal parts of a namespace. */
export interface WorkloadPart {
  /** Which part, from 0. */
  index: number;
  /** How many parts. */
  count: number;
}

/** A range of I/O-sized units. */
export interface UnitRange {
  /** The first unit. */
  first: number;
  /** How many. */
  count: number;
}

/** The I/O-sized units of `ns` a job with `spec` runs on: [first, first + count). */
export function unitsOf(spec: WorkloadSpec, ns: Namespace): UnitRange {
  const total = Math.floor(ns.numSectors / (spec.ioSize / ns.extendedBlockSize));
  const { index, count } = spec.part ?? { index: 0, count: 1 };
  const first = Math.floor((total * index) / count);
  return { first, count: Math.floor((total * (index + 1)) / count) - first };
}

/**
 * Fills in the read percentage a pattern implies and rejects settings that cannot work on `ns`
 * (writes on a zoned namespace among them).
 */
export function checkWorkload(spec: WorkloadSpec, ns: Namespace): WorkloadSpec {
  if (!PATTERNS.includes(spec.pattern)) {
    throw new InvalidArgumentError("pattern", `"${spec.pattern}": use one of ${PATTERNS.join(", ")}`);
  }
  const mixed = spec.pattern === "rw" || spec.pattern === "randrw";
  const readPercent = mixed ? spec.readPercent : spec.pattern.endsWith("read") ? 100 : 0;
  if (!Number.isInteger(readPercent) || readPercent < 0 || readPercent > 100) {
    throw new InvalidArgumentError("readPercent", `${spec.readPercent}: give 0 to 100`);
  }
  if (!Number.isInteger(spec.ioSize) || spec.ioSize <= 0 || spec.ioSize % ns.extendedBlockSize !== 0) {
    throw new InvalidArgumentError(
      "ioSize",
      `${spec.ioSize}: give a multiple of the ${ns.extendedBlockSize}-byte block`,
    );
  }
  if (spec.ioSize / ns.extendedBlockSize > ns.numSectors) {
    throw new InvalidArgumentError("ioSize", `${spec.ioSize} bytes is larger than namespace ${ns.id}`);
  }
  // perf writes wherever its pattern says; a zone takes writes only at its write pointer.
  if (ns.isZoned && (readPercent < 100 || spec.verify)) {
    throw new InvalidArgumentError(
      "pattern",
      `namespace ${ns.id} is zoned and writes only at each zone's write pointer: ` +
        `perf runs reads on it (-w read or randread, without --verify)`,
    );
  }
  if (!Number.isInteger(spec.queueDepth) || spec.queueDepth < 1) {
    throw new InvalidArgumentError("queueDepth", `${spec.queueDepth}: give a positive integer`);
  }
  const part = spec.part;
  if (part !== undefined && !(Number.isInteger(part.index) && part.index >= 0 && part.index < part.count)) {
    throw new InvalidArgumentError("part", `${part.index} of ${part.count}: give 0 <= index < count`);
  }
  // Verify keeps every I/O in flight on a range of its own.
  if (spec.verify && unitsOf(spec, ns).count < spec.queueDepth) {
    throw new InvalidArgumentError(
      "queueDepth",
      `${spec.queueDepth} verified I/Os in flight need as many ${spec.ioSize}-byte ranges; ` +
        `namespace ${ns.id}${part === undefined ? "" : ` (part ${part.index} of ${part.count})`} has ${unitsOf(spec, ns).count}`,
    );
  }
  if (!(spec.seconds > 0)) throw new InvalidArgumentError("seconds", `${spec.seconds}: give a positive time`);
  const warmup = spec.warmupSeconds ?? 0;
  if (!(warmup >= 0 && Number.isFinite(warmup))) {
    throw new InvalidArgumentError("warmupSeconds", `${spec.warmupSeconds}: give 0 or a positive time`);
  }
  return { ...spec, readPercent };
}
