/**
 * The queue a perf job gets: at least the controller's default size, so a shallow job still has a
 * ring with room beyond its depth (a ring sized to the depth is full after every submission batch),
 * and the core's defaults otherwise (delayed doorbells, request count): perf measures what an
 * application allocating a queue pair with no options gets.
 * @module
 */
import type { Controller, IoQueuePairOptions } from "@nvmekit/core";

/** Queue pair options for a job keeping `depth` I/Os in flight on `ctrlr`. */
export function perfQueueOptions(ctrlr: Controller, depth: number): IoQueuePairOptions {
  return { ioQueueSize: Math.max(depth + 1, ctrlr.options.ioQueueSize) };
}
