/**
 * Test harness: an inversify container with the core and the in-thread transport, and helpers to attach
 * a controller and look at what the in-thread software controller saw.
 * @module
 */
import "reflect-metadata";
import { coreModule, NvmeDriver } from "@nvmekit/core";
import { Container } from "inversify";
import { InThreadTransport, inThreadTransportModule } from "../../../../softnvme/src/in-thread/index.js";
/** Builds a container with the core and a in-thread transport hosting one controller. */
export function makeRig(device = {}) {
  const transport = new InThreadTransport({ controllers: { soft0: device } });
  const container = new Container();
  container.load(coreModule, inThreadTransportModule(transport));
  return { driver: container.get(NvmeDriver), transport, device: transport.controller("soft0") };
}
/** Attaches the in-thread software controller with the given options. */
export async function attach(device = {}, options = {}) {
  const rig = makeRig(device);
  const ctrlr = await rig.driver.connect("trtype:SOFT traddr:soft0", options);
  return { ...rig, ctrlr };
}
/** Low 32 bits of an IOVA. */
export const lo = (iova) => (iova % 0x1_0000_0000) >>> 0;
/** High 32 bits of an IOVA. */
export const hi = (iova) => Math.floor(iova / 0x1_0000_0000);
/** Fills a buffer with a pattern that differs per byte and per seed. */
export function pattern(bytes, seed) {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 17 + (i >> 9)) & 0xff;
}
/** Asserts that `fn` rejects with an error whose message matches `pattern`; returns the error. */
export async function rejects(fn, pattern) {
  try {
    await fn();
  } catch (e) {
    const err = e;
    if (!pattern.test(err.message)) throw new Error(`rejected with "${err.message}", expected ${pattern}`);
    return err;
  }
  throw new Error(`did not reject; expected ${pattern}`);
}
//# sourceMappingURL=harness.js.map
