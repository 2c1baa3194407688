/**
 * The shortest way to a controller for a test: an inversify container with the core and an
 * {@link InThreadTransport} hosting one software controller at `soft0`, attached.
 * @module
 */
import "reflect-metadata";
import { type Controller, type ControllerOptions, coreModule, NvmeDriver } from "@nvmekit/core";
import { Container } from "inversify";
import type { InThreadController, InThreadControllerOptions } from "./in-thread-controller.js";
import { InThreadTransport, inThreadTransportModule } from "./in-thread-transport.js";

/** A driver over one in-thread software controller at traddr "soft0". */
export interface InThreadRig {
  /** The driver, from a container with the core and the in-thread transport loaded. */
  driver: NvmeDriver;
  /** The transport, to add, remove or look up hosted controllers. */
  transport: InThreadTransport;
  /** The controller at "soft0": its command and register logs, fault injection. */
  device: InThreadController;
}

/** An {@link InThreadRig} with its controller attached. */
export interface AttachedInThreadRig extends InThreadRig {
  /** The controller at "soft0", attached and ready. */
  ctrlr: Controller;
}

/** Builds a container with the core and an in-thread transport hosting one controller at "soft0". */
export function inThreadRig(device: InThreadControllerOptions = {}): InThreadRig {
  const transport = new InThreadTransport({ controllers: { soft0: device } });
  const container = new Container();
  container.load(coreModule, inThreadTransportModule(transport));
  return { driver: container.get(NvmeDriver), transport, device: transport.controller("soft0") };
}

/**
 * Builds an {@link inThreadRig} and attaches its controller.
 * @param device the controller model's options
 * @param options controller options for the connect
 * @throws what {@link NvmeDriver.connect} throws
 */
export async function attachInThread(
  device: InThreadControllerOptions = {},
  options: Partial<ControllerOptions> = {},
): Promise<AttachedInThreadRig> {
  const rig = inThreadRig(device);
  const ctrlr = await rig.driver.connect("trtype:SOFT traddr:soft0", options);
  return { ...rig, ctrlr };
}

let embedded: InThreadRig | undefined;

/**
 * The process's built-in software controller for libraries that open devices by path and have been
 * given no driver (the compat packages): one {@link inThreadRig} with the default namespaces, created
 * on first use and shared by every caller, so that what one open writes the next one reads. Its
 * transport ID is {@link EMBEDDED_SOFT_TRID}. Threading: the driver belongs to the main thread.
 */
export function embeddedSoftRig(): InThreadRig {
  embedded ??= inThreadRig();
  return embedded;
}

/** The transport ID of {@link embeddedSoftRig}'s controller. */
export const EMBEDDED_SOFT_TRID = "trtype:SOFT traddr:soft0";
