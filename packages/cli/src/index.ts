/**
 * @nvmekit/cli: the `nvmekit` command line and the perf workload engine it runs.
 * @module
 */
export * from "./perf/latency-recorder.js";
export * from "./perf/pattern-data.js";
export * from "./perf/workload.js";
export * from "./perf/workload-spec.js";
