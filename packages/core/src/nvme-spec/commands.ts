/**
 * Command builders for the admin and NVM command sets, in one namespace for callers
 * (`import * as cmds from "./spec/commands.js"`).
 * @module
 */
export * from "./admin-commands.js";
export * from "./nvm-commands.js";
export { zoneAppend, zoneManagementReceive, zoneManagementSend } from "./zns.js";
