/**
 * NVMe wire formats: submission and completion entries, opcodes, status codes, controller
 * registers, Identify, log page, feature, Dataset Management and reservation structures, and the
 * command builders (as the `commands` namespace), and the Zoned Namespace command set.
 * @module
 */

export * from "./command.js";
export * from "./command-set.js";
export * as commands from "./commands.js";
export * from "./completion.js";
export * from "./discovery-log.js";
export * from "./dsm.js";
export * from "./fabrics.js";
export * from "./features.js";
export * from "./identify-controller.js";
export * from "./identify-namespace.js";
export * from "./log-command-effects.js";
export * from "./log-error.js";
export * from "./log-firmware-slot.js";
export * from "./log-pages.js";
export * from "./log-smart.js";
export * from "./opcodes.js";
export * from "./registers.js";
export * from "./reservations.js";
export * from "./status.js";
export * from "./zns.js";
