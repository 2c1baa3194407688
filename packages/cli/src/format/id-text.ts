/**
 * Identify data in readable form, as `nvme id-ctrl` / `nvme id-ns` print it (`field : value`, bit
 * fields in hex), built from the same objects as the JSON so the two never disagree, with the
 * capability bits and sizes spelled out where a number alone says little.
 * @module
 */
import type { Controller, Namespace } from "@nvmekit/core";
import { Oacs, Oncs } from "@nvmekit/core/nvme-spec";
import { idCtrlJson } from "./id-ctrl-json.js";
import { idNsJson } from "./id-ns-json.js";
import { keyValueLines } from "./key-value.js";
import { formatBytes } from "./units.js";

const CTRL_HEX = new Set([
  "vid",
  "ssvid",
  "ieee",
  "ver",
  "oaes",
  "ctratt",
  "oacs",
  "frmw",
  "lpa",
  "sqes",
  "cqes",
  "oncs",
  "vwc",
  "ocfs",
  "sgls",
]);
const NS_HEX = new Set(["nsfeat", "flbas", "mc", "dpc", "dps", "nmic", "rescap", "dlfeat"]);

/** The names of the bits set in `value`, from a table of masks. */
function bitNames(value: number, masks: Readonly<Record<string, number>>): string {
  const names = Object.entries(masks)
    .filter(([, m]) => (value & m) !== 0)
    .map(([n]) => n);
  return names.length > 0 ? names.join(", ") : "none";
}

/** Identify Controller in readable form. */
export function idCtrlText(ctrlr: Controller): string[] {
  const d = ctrlr.data;
  const obj = idCtrlJson(d);
  const notes: Record<string, string> = {
    ver: `NVMe ${d.ver >>> 16}.${(d.ver >>> 8) & 0xff}.${d.ver & 0xff}`,
    mdts: `largest transfer ${formatBytes(ctrlr.maxTransferSize)}`,
    oacs: bitNames(d.oacs, Oacs),
    oncs: bitNames(d.oncs, Oncs),
    sqes: `${2 ** (d.sqes & 0xf)}-byte entries`,
    cqes: `${2 ** (d.cqes & 0xf)}-byte entries`,
    vwc: d.vwc & 1 ? "volatile write cache present" : "no volatile write cache",
    wctemp: `${d.wctemp - 273} °C`,
    cctemp: `${d.cctemp - 273} °C`,
  };
  const psds = d.psd.map(
    (p, i) =>
      `ps ${String(i).padStart(4)} : ${p.maxPowerWatts.toFixed(2)} W ${p.nops ? "non-operational" : "operational"}, ` +
      `entry ${p.enlat} us, exit ${p.exlat} us, rrt ${p.rrt} rrl ${p.rrl} rwt ${p.rwt} rwl ${p.rwl}`,
  );
  return ["NVMe Identify Controller:", ...keyValueLines(obj, CTRL_HEX, notes, new Set(["psds"])), ...psds];
}

/** Identify Namespace in readable form. */
export function idNsText(ns: Namespace): string[] {
  const d = ns.data;
  const obj = idNsJson(d);
  const notes: Record<string, string> = {
    nsze: `${formatBytes(ns.size)} in ${formatBytes(ns.sectorSize)} blocks`,
    flbas: `LBA format ${d.formattedLbaIndex}${d.extendedLba ? ", metadata at the end of each block" : ""}`,
  };
  const formats = d.lbaf.map(
    (f, i) =>
      `lbaf ${String(i).padStart(2)} : ms:${String(f.ms).padEnd(3)} lbads:${String(f.lbads).padEnd(2)} rp:${f.rp}` +
      `${f.lbads > 0 ? `  (${formatBytes(2 ** f.lbads)} + ${f.ms} B)` : ""}${i === d.formattedLbaIndex ? " (in use)" : ""}`,
  );
  return [
    `NVMe Identify Namespace ${ns.id}:`,
    ...keyValueLines(obj, NS_HEX, notes, new Set(["lbafs"])),
    ...formats,
  ];
}
