/**
 * @nvmekit/cli: the `nvmekit` command line ({@link run}, also for running its commands in-process)
 * and the perf workload engine it runs.
 * @module
 */
export { run } from "./main.js";
export * from "./perf/block-stamp.js";
export * from "./perf/latency-recorder.js";
export * from "./perf/verify-model.js";
export * from "./perf/workload.js";
export * from "./perf/workload-spec.js";
export * from "./perf/yield-pacer.js";
