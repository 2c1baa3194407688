/**
 * Identify Namespace as nvme-cli's `id-ns -o json` writes it: the same field names in the same
 * order, 64-bit sizes as numbers, NVMCAP as a decimal string, EUI-64 and NGUID as hex, and the
 * LBA formats under `lbafs` as `{ms, ds, rp}`.
 * @module
 */
import type { IdentifyNamespace } from "@nvmekit/core/nvme-spec";

/** Identify Namespace data as nvme-cli's JSON object (bigints become strings when printed). */
export function idNsJson(d: IdentifyNamespace): Record<string, unknown> {
  return {
    nsze: Number(d.nsze),
    ncap: Number(d.ncap),
    nuse: Number(d.nuse),
    nsfeat: d.nsfeat,
    nlbaf: d.nlbaf,
    flbas: d.flbas,
    mc: d.mc,
    dpc: d.dpc,
    dps: d.dps,
    nmic: d.nmic,
    rescap: d.rescap,
    fpi: d.fpi,
    dlfeat: d.dlfeat,
    nawun: d.nawun,
    nawupf: d.nawupf,
    nacwu: d.nacwu,
    nabsn: d.nabsn,
    nabo: d.nabo,
    nabspf: d.nabspf,
    noiob: d.noiob,
    nvmcap: d.nvmcap,
    nsattr: d.nsattr,
    nvmsetid: d.nvmsetid,
    npwg: d.npwg,
    npwa: d.npwa,
    npdg: d.npdg,
    npda: d.npda,
    nows: d.nows,
    mssrl: d.mssrl,
    mcl: d.mcl,
    msrc: d.msrc,
    nulbaf: d.nulbaf,
    anagrpid: d.anagrpid,
    endgid: d.endgid,
    eui64: d.eui64,
    nguid: d.nguid,
    lbafs: d.lbaf.map((f) => ({ ms: f.ms, ds: f.lbads, rp: f.rp })),
  };
}
