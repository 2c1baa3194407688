/**
 * Test harness: an inversify container with the core and the in-thread transport, and helpers to attach
 * a controller and look at what the in-thread software controller saw.
 * @module
 */
import "reflect-metadata";
import { type Controller, type ControllerOptions, NvmeDriver } from "@nvmekit/core";
import {
  type InThreadController,
  type InThreadControllerOptions,
  InThreadTransport,
} from "@nvmekit/softnvme";
/** A driver over one in-thread software controller at traddr "soft0". */
export interface Rig {
  driver: NvmeDriver;
  transport: InThreadTransport;
  device: InThreadController;
}
/** Builds a container with the core and a in-thread transport hosting one controller. */
export declare function makeRig(device?: InThreadControllerOptions): Rig;
/** Attaches the in-thread software controller with the given options. */
export declare function attach(
  device?: InThreadControllerOptions,
  options?: Partial<ControllerOptions>,
): Promise<
  Rig & {
    ctrlr: Controller;
  }
>;
/** Low 32 bits of an IOVA. */
export declare const lo: (iova: number) => number;
/** High 32 bits of an IOVA. */
export declare const hi: (iova: number) => number;
/** Fills a buffer with a pattern that differs per byte and per seed. */
export declare function pattern(bytes: Uint8Array, seed: number): void;
/** Asserts that `fn` rejects with an error whose message matches `pattern`; returns the error. */
export declare function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<Error>;
//# sourceMappingURL=harness.d.ts.map
