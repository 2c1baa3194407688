/**
 * Log pages for people and programs: the SMART / Health log with nvme-cli's `smart-log -o json`
 * field names (128-bit counters as decimal strings), the Error Information entries and the Firmware
 * Slot log.
 * @module
 */
import type { ErrorLogEntry, FirmwareSlotLog, SmartLog } from "@nvmekit/core/nvme-spec";

/** The SMART / Health log as nvme-cli's JSON object. */
export function smartLogJson(s: SmartLog): Record<string, unknown> {
  return {
    critical_warning: s.criticalWarning,
    temperature: s.compositeTemperature,
    avail_spare: s.availableSpare,
    spare_thresh: s.availableSpareThreshold,
    percent_used: s.percentageUsed,
    endurance_grp_critical_warning_summary: s.enduranceGroupCriticalWarning,
    data_units_read: s.dataUnitsRead,
    data_units_written: s.dataUnitsWritten,
    host_read_commands: s.hostReadCommands,
    host_write_commands: s.hostWriteCommands,
    controller_busy_time: s.controllerBusyTime,
    power_cycles: s.powerCycles,
    power_on_hours: s.powerOnHours,
    unsafe_shutdowns: s.unsafeShutdowns,
    media_errors: s.mediaErrors,
    num_err_log_entries: s.errorLogEntries,
    warning_temp_time: s.warningTemperatureTime,
    critical_comp_time: s.criticalTemperatureTime,
    ...Object.fromEntries(
      s.temperatureSensors
        .map((t, i) => [`temperature_sensor_${i + 1}`, t] as const)
        .filter(([, t]) => t !== 0),
    ),
    thm_temp1_trans_count: s.thermalMgmtTemp1TransitionCount,
    thm_temp2_trans_count: s.thermalMgmtTemp2TransitionCount,
    thm_temp1_total_time: s.thermalMgmtTemp1TotalTime,
    thm_temp2_total_time: s.thermalMgmtTemp2TotalTime,
  };
}

/** One Error Information entry with nvme-cli's `error-log -o json` field names. */
export function errorEntryJson(e: ErrorLogEntry): Record<string, unknown> {
  return {
    error_count: e.errorCount,
    sqid: e.sqid,
    cmdid: e.cid,
    status_field: e.status,
    phase_tag: e.phase,
    parm_err_loc: e.parameterErrorLocation,
    lba: e.lba,
    nsid: e.nsid,
    vs: e.vendorSpecificInfo,
    trtype: e.trtype,
    cs: e.commandSpecificInfo,
    trtype_spec_info: e.transportSpecificInfo,
  };
}

/** The Firmware Slot log as nvme-cli's `fw-log -o json` reports it: AFI and the revision of each filled slot. */
export function firmwareLogJson(f: FirmwareSlotLog): Record<string, unknown> {
  return {
    afi: f.afi,
    ...Object.fromEntries(f.frs.map((fr, i) => [`frs${i + 1}`, fr] as const).filter(([, fr]) => fr !== "")),
  };
}
