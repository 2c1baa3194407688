/**
 * What a scenario suite is run against: how it attaches a controller (the software controller behind
 * the PCI port in the unit tier, QEMU's through VFIO in the rig) and what it checks after a detach.
 * Scenario modules take one of these and register their uvu tests; they load neither the unit harness
 * nor the rig's helpers, so each entry brings its own.
 * @module
 */
import type { Controller, ControllerOptions, NvmeDriver } from "@nvmekit/core";

/** A driver and the controller it attached. */
export interface Attached {
  /** The driver holding the controller. */
  driver: NvmeDriver;
  /** The attached controller: namespace 1 has 512-byte blocks, namespace 2 4096-byte blocks. */
  ctrlr: Controller;
}

/** How a scenario reaches its controller. */
export interface ScenarioTarget {
  /** Attaches a fresh controller with the given controller options. */
  attach(options?: Partial<ControllerOptions>): Promise<Attached>;
  /** Run after a test has detached its controller, e.g. the rig's check that no DMAR fault happened. */
  afterDetach?(): void;
}
