/**
 * A Discovery Log Page as `nvme discover` prints it: the text records and the JSON shape of
 * nvme-cli's `-o json`, so scripts written against one read the other.
 * @module
 */
import {
  DiscoveryEntryFlags,
  type DiscoveryLog,
  type DiscoveryLogEntry,
  TREQ_DISABLE_SQ_FLOW,
  tcpSecurityType,
} from "@nvmekit/core/nvme-spec";

/** One record, with nvme-cli's names for the coded fields. */
export interface DiscoveryRecordJson {
  trtype: string;
  adrfam: string;
  subtype: string;
  treq: string;
  portid: number;
  trsvcid: string;
  subnqn: string;
  traddr: string;
  eflags: string;
  sectype: string;
}

const TRTYPES: Record<number, string> = { 1: "rdma", 2: "fc", 3: "tcp", 254: "loop" };
const ADRFAMS: Record<number, string> = {
  1: "ipv4",
  2: "ipv6",
  3: "infiniband",
  4: "fibre-channel",
  254: "loop",
};
const SUBTYPES: Record<number, string> = {
  1: "discovery subsystem referral",
  2: "nvme subsystem",
  3: "current discovery subsystem",
};
const SECURE_CHANNEL = ["not specified", "required", "not required", "reserved"];
const SECTYPES = ["none", "tls1.2", "tls1.3"];

function named(table: Record<number, string>, v: number): string {
  return table[v] ?? `unrecognized (${v})`;
}

function treq(v: number): string {
  const base = SECURE_CHANNEL[v & 3]!;
  return (v & TREQ_DISABLE_SQ_FLOW) !== 0 ? `${base}, sq flow control disable supported` : base;
}

function eflags(v: number): string {
  const names: string[] = [];
  if (v & DiscoveryEntryFlags.duplicateReturnedInfo) names.push("duplicate discovery information");
  if (v & DiscoveryEntryFlags.explicitPersistentConnection) names.push("explicit persistent connection");
  if (v & DiscoveryEntryFlags.noCdcConnectivity) names.push("no cdc connectivity");
  return names.length === 0 ? "none" : names.join(", ");
}

/** One entry as nvme-cli names its fields. */
export function discoveryRecordJson(e: DiscoveryLogEntry): DiscoveryRecordJson {
  return {
    trtype: named(TRTYPES, e.trtype),
    adrfam: named(ADRFAMS, e.adrfam),
    subtype: named(SUBTYPES, e.subtype),
    treq: treq(e.treq),
    portid: e.portid,
    trsvcid: e.trsvcid,
    subnqn: e.subnqn,
    traddr: e.traddr,
    eflags: eflags(e.eflags),
    sectype: e.trtype === 3 ? (SECTYPES[tcpSecurityType(e.tsas)] ?? "reserved") : "none",
  };
}

/** The log as `nvme discover -o json` prints it. */
export function discoveryLogJson(log: DiscoveryLog): { genctr: number; records: DiscoveryRecordJson[] } {
  return { genctr: Number(log.genctr), records: log.entries.map(discoveryRecordJson) };
}

/** The log as `nvme discover` prints it. */
export function discoveryLogText(log: DiscoveryLog): string[] {
  const lines = [`Discovery Log Number of Records ${log.numrec}, Generation counter ${log.genctr}`];
  log.entries.forEach((e, i) => {
    const r = discoveryRecordJson(e);
    lines.push(`=====Discovery Log Entry ${i}======`);
    lines.push(`trtype:  ${r.trtype}`, `adrfam:  ${r.adrfam}`, `subtype: ${r.subtype}`, `treq:    ${r.treq}`);
    lines.push(
      `portid:  ${r.portid}`,
      `trsvcid: ${r.trsvcid}`,
      `subnqn:  ${r.subnqn}`,
      `traddr:  ${r.traddr}`,
    );
    lines.push(`eflags:  ${r.eflags}`, `sectype: ${r.sectype}`);
  });
  return lines;
}
