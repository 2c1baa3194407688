/**
 * Transport IDs: which controller to reach and how, with the semantics of SPDK's
 * spdk_nvme_transport_id_parse and spdk_nvme_transport_id_compare.
 *
 * A transport ID string is `key:value` pairs separated by whitespace (space, tab, newline), e.g.
 * `trtype:PCIe traddr:0000:04:00.0` or `trtype:TCP adrfam:IPv4 traddr:10.0.0.1 trsvcid:4420
 * subnqn:nqn.2016-06.io.spdk:cnode1`. As in SPDK, `=` separates too (`trtype=RDMA`); whichever of
 * `:` and `=` comes first in the pair is the separator, so values may contain both.
 * @module
 */
import { InvalidArgumentError, TransportIdError } from "../errors/errors.js";
import { comparePciAddresses, type PciAddress, parsePciAddress } from "./pci-address.js";
import {
  type AddressFamily,
  adrfamStr,
  findAdrfam,
  findTrtype,
  TransportType,
  trtypeStr,
} from "./transport-type.js";

export {
  AddressFamily,
  adrfamStr,
  parseAdrfam,
  parseTrtype,
  TransportType,
  trtypeStr,
} from "./transport-type.js";

/** Longest transport address (SPDK_NVMF_TRADDR_MAX_LEN). */
export const TRADDR_MAX_LEN = 256;
/** Longest transport service identifier (SPDK_NVMF_TRSVCID_MAX_LEN). */
export const TRSVCID_MAX_LEN = 32;
/** Longest NVMe Qualified Name (SPDK_NVMF_NQN_MAX_LEN). */
export const NQN_MAX_LEN = 223;
/** Longest transport name in `trstring` (SPDK_NVMF_TRSTRING_MAX_LEN minus its terminator). */
export const TRSTRING_MAX_LEN = 31;
// SPDK parses values into a 1024-byte buffer; keys it accepts but ignores are bounded by that alone.
const VALUE_MAX_LEN = 1023;

/** Identifies one NVMe endpoint: a PCIe function or a fabrics subsystem port. */
export interface TransportId {
  /** Transport type. */
  trtype: TransportType;
  /** Address family of `traddr`; 0 when unset (PCIe ignores it). */
  adrfam: AddressFamily | 0;
  /** Transport address: a PCI address for PCIe (empty: the whole bus), an IP address for IP fabrics. */
  traddr: string;
  /** Transport service identifier, e.g. the TCP/RDMA port "4420"; empty for PCIe. */
  trsvcid: string;
  /** Subsystem NQN; may be empty. */
  subnqn: string;
  /** The transport's name upper-cased as SPDK keeps it ("PCIE", "TCP"); for Custom, the plugin's name. */
  trstring: string;
}

/** Options of {@link parseTransportId}. */
export interface ParseTransportIdOptions {
  /**
   * Names of custom transport plugins (case-insensitive) that `trtype` may name besides the built-in
   * ones; such a trid gets trtype Custom and the name, upper-cased, in `trstring`. Only `strict`
   * parsing needs them: otherwise every unknown name is taken as a custom transport, as SPDK does.
   */
  customTransports?: readonly string[];
  /**
   * Refuse what SPDK lets through: an unknown key, and a trtype name that is neither built in nor in
   * `customTransports`. Default false (SPDK's behaviour).
   */
  strict?: boolean;
  /**
   * Told of each key skipped because it is unknown (SPDK logs it), with the token and a message;
   * by default a process warning (`process.emitWarning`, code {@link TRID_UNKNOWN_KEY}).
   */
  onWarning?: (token: string, message: string) => void;
}

/** The process warning code of a transport ID key {@link parseTransportId} skipped as unknown. */
export const TRID_UNKNOWN_KEY = "NVMEKIT_TRID_UNKNOWN_KEY";

/** A transport ID with every field unset: the PCIe bus as a whole, as memset(0) plus trtype PCIe. */
export function emptyTransportId(): TransportId {
  return { trtype: TransportType.PCIe, adrfam: 0, traddr: "", trsvcid: "", subnqn: "", trstring: "" };
}

// SPDK's whitespace set for transport ID strings (no \r, \v, \f).
const SEPARATORS = /[ \t\n]+/;
// Keys SPDK accepts and ignores: applications pass them in the same string (host side, namespace, failover).
const IGNORED_KEYS = new Set(["hostaddr", "hostsvcid", "hostnqn", "ns", "alt_traddr", "priority"]);

/**
 * Parses a transport ID string into `into` (default: a fresh {@link emptyTransportId}) and returns it
 * (spdk_nvme_transport_id_parse). Keys and trtype/adrfam names are case-insensitive; fields the
 * string does not mention keep their value in `into`; a repeated key's last value wins. `into` is
 * changed only when the whole string is valid.
 *
 * As SPDK: an unknown key is skipped and reported (`options.onWarning`, by default a process
 * warning), the keys SPDK ignores on purpose (hostaddr, hostsvcid, hostnqn, ns, alt_traddr,
 * priority) are skipped silently, and an unknown trtype name is a custom transport (trtype Custom,
 * the name upper-cased in `trstring`). With `options.strict` both are errors instead. Unlike SPDK,
 * an empty string is an error (SPDK returns success and leaves `into` as it was).
 * - Threading: any thread; the warning, if any, is reported from this call.
 * @throws TransportIdError naming the offending `key:value` token when a token has no `:`/`=` or no
 *   value, adrfam is unknown, a value is too long, a PCIe traddr is not `DDDD:BB:DD.F` /
 *   `DDDD.BB.DD.F`, or (strict) the key or trtype is unknown.
 */
export function parseTransportId(
  str: string,
  into: TransportId = emptyTransportId(),
  options?: ParseTransportIdOptions,
): TransportId {
  const trid: TransportId = { ...into };
  const unknownKeys: string[] = [];
  let traddrToken: string | undefined;
  let sawToken = false;
  for (const token of str.split(SEPARATORS)) {
    if (token === "") continue; // leading or trailing whitespace
    sawToken = true;
    const sep = separatorIndex(token);
    if (sep < 0) throw new TransportIdError(token, "missing ':' between key and value");
    const key = token.slice(0, sep).toLowerCase();
    const value = token.slice(sep + 1);
    if (value === "") throw new TransportIdError(token, "key without value");
    if (value.length > VALUE_MAX_LEN) throw tooLong(token, "value", VALUE_MAX_LEN);
    switch (key) {
      case "trtype":
        setTrtype(trid, token, value, options);
        break;
      case "adrfam": {
        const adrfam = findAdrfam(value);
        if (adrfam === undefined) {
          throw new TransportIdError(token, "unknown adrfam; use IPv4, IPv6, IB, FC or INTRA_HOST");
        }
        trid.adrfam = adrfam;
        break;
      }
      case "traddr":
        if (value.length > TRADDR_MAX_LEN) throw tooLong(token, "traddr", TRADDR_MAX_LEN);
        trid.traddr = value;
        traddrToken = token;
        break;
      case "trsvcid":
        if (value.length > TRSVCID_MAX_LEN) throw tooLong(token, "trsvcid", TRSVCID_MAX_LEN);
        trid.trsvcid = value;
        break;
      case "subnqn":
        if (value.length > NQN_MAX_LEN) throw tooLong(token, "subnqn", NQN_MAX_LEN);
        trid.subnqn = value;
        break;
      default:
        if (IGNORED_KEYS.has(key)) break;
        if (options?.strict) {
          throw new TransportIdError(token, "unknown key; use trtype, adrfam, traddr, trsvcid or subnqn");
        }
        unknownKeys.push(token);
    }
  }
  if (!sawToken) throw new TransportIdError(str, "empty transport ID; give at least one key:value pair");
  // Checked once the whole string is read: trtype may come after traddr, or from `into`.
  if (trid.trtype === TransportType.PCIe && trid.traddr !== "") {
    const token = traddrToken ?? `traddr:${trid.traddr}`;
    if (tryParsePci(trid.traddr) === undefined) {
      throw new TransportIdError(
        token,
        "PCIe traddr must be DDDD:BB:DD.F or DDDD.BB.DD.F (hexadecimal); for a fabrics address give its trtype",
      );
    }
  }
  // Reported once the string is known to be valid: a string that throws reports nothing.
  for (const token of unknownKeys)
    warn(
      options,
      token,
      `transport ID token "${token}" skipped: unknown key (use trtype, adrfam, traddr, trsvcid or subnqn)`,
    );
  Object.assign(into, trid);
  return into;
}

function warn(options: ParseTransportIdOptions | undefined, token: string, message: string): void {
  if (options?.onWarning) options.onWarning(token, message);
  else process.emitWarning(message, { code: TRID_UNKNOWN_KEY });
}

/** Index of the first ':' or '=' in `token`, or -1. */
function separatorIndex(token: string): number {
  const colon = token.indexOf(":");
  const equals = token.indexOf("=");
  if (colon < 0) return equals;
  if (equals < 0) return colon;
  return Math.min(colon, equals);
}

function tooLong(token: string, what: string, max: number): TransportIdError {
  return new TransportIdError(token, `${what} longer than ${max} characters`);
}

function setTrtype(
  trid: TransportId,
  token: string,
  value: string,
  options: ParseTransportIdOptions | undefined,
) {
  if (value.length > TRSTRING_MAX_LEN) throw tooLong(token, "trtype", TRSTRING_MAX_LEN);
  const known = findTrtype(value);
  const isCustom =
    known === undefined &&
    (!options?.strict || options.customTransports?.some((n) => n.toUpperCase() === value.toUpperCase()));
  if (known === undefined && !isCustom) {
    throw new TransportIdError(
      token,
      "unknown trtype; use PCIe, RDMA, TCP, FC or the name of a loaded transport plugin",
    );
  }
  trid.trtype = known ?? TransportType.Custom;
  trid.trstring = value.toUpperCase();
}

function tryParsePci(traddr: string): PciAddress | undefined {
  try {
    return parsePciAddress(traddr);
  } catch {
    return undefined;
  }
}

/**
 * Formats a transport ID as a string that {@link parseTransportId} turns back into an equal one
 * (given an empty `into`, and for a Custom trid the same `customTransports`). Empty fields and an
 * unset adrfam are left out.
 * @throws InvalidArgumentError when a field contains whitespace, which the string form cannot carry.
 */
export function formatTransportId(trid: TransportId): string {
  const name =
    trid.trtype === TransportType.Custom ? trid.trstring || "CUSTOM" : (trtypeStr(trid.trtype) ?? "");
  const parts = [`trtype:${name}`];
  if (trid.adrfam !== 0) parts.push(`adrfam:${adrfamStr(trid.adrfam) ?? ""}`);
  const fields = [
    ["traddr", trid.traddr],
    ["trsvcid", trid.trsvcid],
    ["subnqn", trid.subnqn],
  ] as const;
  for (const [key, value] of fields) {
    if (value === "") continue;
    if (/[ \t\n]/.test(value)) {
      throw new InvalidArgumentError(
        key,
        `"${value}" contains whitespace and cannot be written in a transport ID`,
      );
    }
    parts.push(`${key}:${value}`);
  }
  return parts.join(" ");
}

/**
 * Orders transport IDs as spdk_nvme_transport_id_compare: <0, 0 or >0.
 *
 * By trtype (Custom ones then by trstring); for PCIe by the parsed PCI address only, so
 * `0000:04:00.0` equals `0000.04.00.0`; otherwise by traddr, adrfam, trsvcid, then subnqn. Every
 * string field compares case-insensitively (ASCII), as the seed's contract says, subnqn included.
 * Where SPDK returns -1 if either PCIe traddr does not parse (so it is not antisymmetric), an
 * unparseable address here sorts before any parseable one, and two unparseable ones compare as
 * case-insensitive strings: an order that is total, and equal trids compare equal.
 */
export function compareTransportIds(a: TransportId, b: TransportId): number {
  const byType = a.trtype - b.trtype;
  if (byType !== 0) return byType;
  if (a.trtype === TransportType.Custom) {
    const byName = compareIgnoringCase(a.trstring, b.trstring);
    if (byName !== 0) return byName;
  }
  if (a.trtype === TransportType.PCIe) return comparePcieTraddr(a.traddr, b.traddr);
  return (
    compareIgnoringCase(a.traddr, b.traddr) ||
    a.adrfam - b.adrfam ||
    compareIgnoringCase(a.trsvcid, b.trsvcid) ||
    compareIgnoringCase(a.subnqn, b.subnqn)
  );
}

function comparePcieTraddr(a: string, b: string): number {
  const pa = tryParsePci(a);
  const pb = tryParsePci(b);
  if (pa !== undefined && pb !== undefined) return comparePciAddresses(pa, pb);
  if (pa !== undefined) return 1;
  if (pb !== undefined) return -1;
  return compareIgnoringCase(a, b);
}

/** strcasecmp in the C locale: ASCII letters folded to lower case, then code units compared. */
function compareIgnoringCase(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = lowerAscii(a.charCodeAt(i)) - lowerAscii(b.charCodeAt(i));
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function lowerAscii(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}
