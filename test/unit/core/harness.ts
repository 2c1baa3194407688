/**
 * Test harness: an inversify container with the core and the fake transport, and helpers to attach
 * a controller and look at what the fake controller saw.
 * @module
 */
import "reflect-metadata";
import { type Controller, type ControllerOptions, coreModule, NvmeDriver } from "@nvmekit/core";
import { Container } from "inversify";
import {
  type FakeController,
  type FakeControllerOptions,
  FakeTransport,
  fakeTransportModule,
} from "../../src/fake/index.js";

/** A driver over one fake controller at traddr "fake0". */
export interface Rig {
  driver: NvmeDriver;
  transport: FakeTransport;
  device: FakeController;
}

/** Builds a container with the core and a fake transport hosting one controller. */
export function makeRig(device: FakeControllerOptions = {}): Rig {
  const transport = new FakeTransport({ controllers: { fake0: device } });
  const container = new Container();
  container.load(coreModule, fakeTransportModule(transport));
  return { driver: container.get(NvmeDriver), transport, device: transport.controller("fake0") };
}

/** Attaches the fake controller with the given options. */
export async function attach(
  device: FakeControllerOptions = {},
  options: Partial<ControllerOptions> = {},
): Promise<Rig & { ctrlr: Controller }> {
  const rig = makeRig(device);
  const ctrlr = await rig.driver.connect("trtype:FAKE traddr:fake0", options);
  return { ...rig, ctrlr };
}

/** Low 32 bits of an IOVA. */
export const lo = (iova: number): number => (iova % 0x1_0000_0000) >>> 0;
/** High 32 bits of an IOVA. */
export const hi = (iova: number): number => Math.floor(iova / 0x1_0000_0000);

/** Fills a buffer with a pattern that differs per byte and per seed. */
export function pattern(bytes: Uint8Array, seed: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
}

/** Asserts that `fn` rejects with an error whose message matches `pattern`; returns the error. */
export async function rejects(fn: () => Promise<unknown>, pattern: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    const err = e as Error;
    if (!pattern.test(err.message)) throw new Error(`rejected with "${err.message}", expected ${pattern}`);
    return err;
  }
  throw new Error(`did not reject; expected ${pattern}`);
}
