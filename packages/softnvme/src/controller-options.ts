/**
 * How to build a {@link SoftController}, and the hooks through which it tells the device around it
 * (interrupts, queue doorbells starting over).
 * @module
 */
import type { ChaosOptions } from "./chaos.js";
import type { SoftController } from "./controller.js";
import type { SoftNamespaceOptions } from "./namespace.js";

/** How to build a {@link SoftController}; every field has a default. */
export interface SoftControllerOptions {
  /** Serial number (default "SOFT0000000000000001"). */
  serial?: string;
  /** Model number (default "nvmekit soft controller"). */
  model?: string;
  /** Firmware revision in slot 1 (default "1.0"). */
  firmware?: string;
  /** Subsystem NQN (default "nqn.2024-01.io.nvmekit:soft:<serial>"). */
  subnqn?: string;
  /** Controller ID (default 1). */
  cntlid?: number;
  /** CAP.MQES: largest queue size, 0-based (default 1023). */
  mqes?: number;
  /** CAP.TO in 500 ms units (default 2 = 1 s). */
  timeoutUnits?: number;
  /** Identify MDTS, power of two of 4 KiB pages (default 5 = 128 KiB; 0 = unlimited). */
  mdts?: number;
  /** Most I/O queues granted by Number of Queues (default 4). */
  maxIoQueues?: number;
  /** Identify NN: the largest NSID (default 16). */
  maxNamespaces?: number;
  /** Namespaces at power-on (default {@link DEFAULT_NAMESPACES}: 512-byte, 4 KiB and zoned 4 KiB blocks). */
  namespaces?: readonly SoftNamespaceOptions[];
  /** Total NVM capacity in bytes, bounding Namespace Management (default 256 MiB). */
  capacity?: number;
  /** Milliseconds from a CC.EN change until CSTS.RDY follows (default 5). */
  readyDelayMs?: number;
  /** Milliseconds from CC.SHN until CSTS.SHST reports complete (default 5). */
  shutdownDelayMs?: number;
  /** Start with CC.EN and CSTS.RDY set, as a controller left enabled by a previous owner (default false). */
  initiallyEnabled?: boolean;
  /** Whether SGLs are supported (Identify SGLS; default true). */
  sgl?: boolean;
  /** Whether a volatile write cache is present (default true). */
  vwc?: boolean;
  /** Composite temperature in Kelvin reported by the SMART log (default 310). */
  temperature?: number;
  /** Keep a record of every command in {@link SoftController.commands} (default true). */
  recordCommands?: boolean;
  /** Copy the data of every command into its record (default true). */
  recordData?: boolean;
  /** MSI-X vectors the function offers: Create I/O CQ checks IV against it (default 8). */
  interruptVectors?: number;
  /**
   * Offer every I/O command set (CAP.CSS bit 6, so the host may set CC.CSS = 110b and use the Zoned
   * Namespace command set). Default: true when a namespace is zoned, else only the NVM command set.
   */
  allIoCommandSets?: boolean;
  /** Zone Append Size Limit (Zoned Namespace Identify Controller ZASL): 2^n 4 KiB pages, 0 = MDTS (default 0). */
  zasl?: number;
  /** Misbehave on purpose, for fuzzing a host (see {@link ChaosOptions}; default: behave). */
  chaos?: ChaosOptions;
}

/**
 * What the controller tells the device around it (the PCI glue of a SoftPciDevice); every member is
 * optional, and an in-process host that needs none of them leaves them out.
 */
export interface ControllerSignals {
  /** A completion was posted to a CQ whose interrupts are enabled, on MSI-X vector `vector`. */
  interrupt?(vector: number): void;
  /** Queue `qid` (the SQ when `sq`, else the CQ) was created: its doorbell starts again from 0. */
  queueCreated?(qid: number, sq: boolean): void;
  /** Every queue is gone (controller reset): every doorbell starts again from 0. */
  queuesReset?(): void;
}
