/**
 * Identify Controller as nvme-cli's `id-ctrl -o json` writes it: the same field names in the same
 * order, and the same value conventions (strings padded to their field width as the controller
 * stores them, IEEE OUI as a number, 128-bit fields as decimal strings, the FRU GUID as a UUID,
 * power states under `psds`), so the two can be compared field by field.
 * @module
 */
import { type IdentifyController, POWER_STATE_OFFSET, POWER_STATE_SIZE } from "@nvmekit/core/nvme-spec";

/** The ASCII field at `off` as stored, up to a NUL but with its padding (nvme-cli's `%-.*s`). */
export function paddedAscii(raw: Uint8Array, off: number, len: number): string {
  const end = raw.subarray(off, off + len).indexOf(0);
  return Buffer.from(raw.subarray(off, end < 0 ? off + len : off + end)).toString("latin1");
}

/** 16 bytes in storage order as a UUID string (8-4-4-4-12 hex digits). */
export function uuidString(raw: Uint8Array, off: number): string {
  const h = Buffer.from(raw.subarray(off, off + 16)).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Identify Controller data as nvme-cli's JSON object (bigints become strings when printed). */
export function idCtrlJson(d: IdentifyController): Record<string, unknown> {
  const r = d.raw;
  return {
    vid: d.vid,
    ssvid: d.ssvid,
    sn: paddedAscii(r, 4, 20),
    mn: paddedAscii(r, 24, 40),
    fr: paddedAscii(r, 64, 8),
    rab: d.rab,
    ieee: d.ieee,
    cmic: d.cmic,
    mdts: d.mdts,
    cntlid: d.cntlid,
    ver: d.ver,
    rtd3r: d.rtd3r,
    rtd3e: d.rtd3e,
    oaes: d.oaes,
    ctratt: d.ctratt,
    rrls: d.rrls,
    cntrltype: d.cntrltype,
    fguid: uuidString(r, 112),
    crdt1: d.crdt1,
    crdt2: d.crdt2,
    crdt3: d.crdt3,
    nvmsr: d.nvmsr,
    vwci: d.vwci,
    mec: d.mec,
    oacs: d.oacs,
    acl: d.acl,
    aerl: d.aerl,
    frmw: d.frmw,
    lpa: d.lpa,
    elpe: d.elpe,
    npss: d.npss,
    avscc: d.avscc,
    apsta: d.apsta,
    wctemp: d.wctemp,
    cctemp: d.cctemp,
    mtfa: d.mtfa,
    hmpre: d.hmpre,
    hmmin: d.hmmin,
    tnvmcap: d.tnvmcap,
    unvmcap: d.unvmcap,
    rpmbs: d.rpmbs,
    edstt: d.edstt,
    dsto: d.dsto,
    fwug: d.fwug,
    kas: d.kas,
    hctma: d.hctma,
    mntmt: d.mntmt,
    mxtmt: d.mxtmt,
    sanicap: d.sanicap,
    hmminds: d.hmminds,
    hmmaxd: d.hmmaxd,
    nsetidmax: d.nsetidmax,
    endgidmax: d.endgidmax,
    anatt: d.anatt,
    anacap: d.anacap,
    anagrpmax: d.anagrpmax,
    nanagrpid: d.nanagrpid,
    pels: d.pels,
    domainid: d.domainid,
    megcap: d.megcap,
    sqes: d.sqes,
    cqes: d.cqes,
    maxcmd: d.maxcmd,
    nn: d.nn,
    oncs: d.oncs,
    fuses: d.fuses,
    fna: d.fna,
    vwc: d.vwc,
    awun: d.awun,
    awupf: d.awupf,
    icsvscc: d.nvscc,
    nwpc: d.nwpc,
    acwu: d.acwu,
    ocfs: d.ocfs,
    sgls: d.sgls,
    mnan: d.mnan,
    maxdna: d.maxdna,
    maxcna: d.maxcna,
    subnqn: paddedAscii(r, 768, 256),
    ioccsz: d.ioccsz,
    iorcsz: d.iorcsz,
    icdoff: d.icdoff,
    fcatt: d.fcatt,
    msdbd: d.msdbd,
    ofcs: d.ofcs,
    psds: d.psd.map((p, i) => ({
      max_power: p.mp,
      flags: r[POWER_STATE_OFFSET + i * POWER_STATE_SIZE + 3]!,
      entry_lat: p.enlat,
      exit_lat: p.exlat,
      read_tput: p.rrt,
      read_lat: p.rrl,
      write_tput: p.rwt,
      write_lat: p.rwl,
      idle_power: p.idlp,
      idle_scale: p.ips,
      active_power: p.actp,
      active_power_work: p.apw,
      active_scale: p.aps,
    })),
  };
}
