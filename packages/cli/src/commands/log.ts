/**
 * `nvmekit log [-r TRID] smart|error|fw [--json]`: the SMART / Health, Error Information and
 * Firmware Slot log pages (nvme-cli's smart-log, error-log, fw-log).
 * @module
 */
import {
  decodeErrorLog,
  decodeFirmwareSlotLog,
  decodeSmartLog,
  ERROR_LOG_ENTRY_SIZE,
  FIRMWARE_SLOT_LOG_SIZE,
  LogPageId,
  SMART_LOG_SIZE,
} from "@nvmekit/core/nvme-spec";
import type { Command } from "commander";
import { keyValueLines } from "../format/key-value.js";
import { errorEntryJson, firmwareLogJson, smartLogJson } from "../format/log-json.js";
import { jsonOption, type TargetFlags, tridOption } from "../options/common.js";
import { oneOf } from "../options/numbers.js";
import { print, printJson } from "../runtime/output.js";
import { withController } from "../runtime/session.js";

const PAGES = ["smart", "error", "fw"] as const;

/** Registers `log`. */
export function registerLog(program: Command): void {
  const cmd = program
    .command("log")
    .description("read a log page: smart (SMART / Health), error (Error Information), fw (Firmware Slot)")
    .argument("<page>", PAGES.join(" | "), oneOf(PAGES));
  jsonOption(tridOption(cmd)).action(
    (page: (typeof PAGES)[number], flags: TargetFlags & { json?: boolean }) =>
      withController(flags.trid, async ({ ctrlr }) => {
        let out: Record<string, unknown> | Record<string, unknown>[];
        if (page === "smart") {
          out = smartLogJson(
            decodeSmartLog(await ctrlr.getLogPage(LogPageId.SmartHealth, 0xffffffff, SMART_LOG_SIZE)),
          );
        } else if (page === "fw") {
          out = firmwareLogJson(
            decodeFirmwareSlotLog(
              await ctrlr.getLogPage(LogPageId.FirmwareSlot, 0xffffffff, FIRMWARE_SLOT_LOG_SIZE),
            ),
          );
        } else {
          const size = (ctrlr.data.elpe + 1) * ERROR_LOG_ENTRY_SIZE;
          const entries = decodeErrorLog(
            await ctrlr.getLogPage(LogPageId.ErrorInformation, 0xffffffff, size),
          );
          out = entries.filter((e) => e.errorCount !== 0n).map(errorEntryJson);
        }
        if (flags.json) printJson(out);
        else if (Array.isArray(out)) {
          if (out.length === 0) print("no error log entries");
          out.forEach((entry, i) => {
            print(`entry ${i}:`);
            for (const line of keyValueLines(entry, new Set(["status_field", "parm_err_loc"])))
              print(`  ${line}`);
          });
        } else for (const line of keyValueLines(out, new Set(["critical_warning", "afi"]))) print(line);
      }),
  );
}
