/**
 * The host's NVMe over Fabrics identity: the host NQN and the 16-byte host ID sent in every Connect.
 *
 * A target keys access control on the host NQN, and the Linux host refuses a connect whose host ID
 * it has already seen with another host NQN ("found same hostid but different hostnqn"), so the pair
 * must be the same on every connect, in every process. As nvme-cli does, the pair comes from
 * `/etc/nvme/hostnqn` and `/etc/nvme/hostid` when they exist, so that nvmekit and the kernel host
 * present the same identity; otherwise nvmekit keeps its own pair under
 * `$XDG_CONFIG_HOME/nvmekit/` (default `~/.config/nvmekit/`), generated once.
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { InvalidArgumentError } from "../errors/errors.js";
import { NQN_MAX_BYTES } from "../nvme-spec/fabrics.js";

/** Prefix of a UUID-based NQN: `nqn.2014-08.org.nvmexpress:uuid:<uuid>`. */
export const NQN_UUID_PREFIX = "nqn.2014-08.org.nvmexpress:uuid:";
/** Where nvme-cli and the kernel host's tools keep the host NQN and host ID. */
export const ETC_NVME_DIR = "/etc/nvme";

/** Where a {@link HostIdentity} came from. */
export type HostIdentitySource =
  /** `/etc/nvme` (shared with nvme-cli and the kernel host). */
  | "etc"
  /** nvmekit's configuration directory (read, or generated and written there now). */
  | "config"
  /** Generated for this process only: the configuration directory could not be written. */
  | "process"
  /** Given by the caller ({@link hostIdentity}). */
  | "explicit";

/** The identity a host presents in Connect. */
export interface HostIdentity {
  /** Host NQN. */
  hostnqn: string;
  /** Host ID, 16 bytes in UUID byte order (as the Connect data carries it). */
  hostid: Uint8Array;
  /** Host ID as lowercase UUID text, e.g. `4c4c4544-0035-3010-8030-b2c04f4a4c33`. */
  hostidText: string;
  /** Where the pair came from. */
  source: HostIdentitySource;
}

/** Directories {@link defaultHostIdentity} reads; injectable for tests. */
export interface HostIdentityPaths {
  /** The system directory (default {@link ETC_NVME_DIR}). */
  etcDir?: string;
  /** nvmekit's own directory (default `$XDG_CONFIG_HOME/nvmekit`, else `~/.config/nvmekit`). */
  configDir?: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 4122's URL namespace: the name-based host ID of an NQN without a UUID is derived under it.
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/**
 * Whether `nqn` can be sent as an NQN: it starts with `nqn.`, is at most 223 bytes of UTF-8, and has
 * no whitespace or control characters (a NUL would end the field early; whitespace cannot be
 * written in a transport ID string).
 */
export function isValidNqn(nqn: string): boolean {
  if (!nqn.startsWith("nqn.") || nqn.length <= 4) return false;
  if (Buffer.byteLength(nqn, "utf8") > NQN_MAX_BYTES) return false;
  for (let i = 0; i < nqn.length; i++) {
    const c = nqn.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return !/\s/.test(nqn);
}

/**
 * Parse a host ID written as a UUID (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, any case) into its 16
 * bytes, in text order.
 * @throws InvalidArgumentError when `text` is not a UUID
 */
export function parseHostId(text: string): Uint8Array {
  const t = text.trim();
  if (!UUID_RE.test(t)) {
    throw new InvalidArgumentError(
      "hostid",
      `"${text}" is not a UUID; a host ID is written xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal)`,
    );
  }
  const hex = t.replaceAll("-", "");
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Format 16 host ID bytes as lowercase UUID text (e.g. a host ID decoded from Connect data). */
export function formatHostId(hostid: Uint8Array): string {
  if (hostid.length !== 16) {
    throw new InvalidArgumentError("hostid", `${hostid.length} bytes: a Fabrics host ID is 16 bytes`);
  }
  let hex = "";
  for (const b of hostid) hex += b.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The UUID at the end of a `...:uuid:<uuid>` NQN, or undefined. */
function uuidOfNqn(nqn: string): string | undefined {
  const at = nqn.lastIndexOf(":uuid:");
  if (at < 0) return undefined;
  const tail = nqn.slice(at + ":uuid:".length);
  return UUID_RE.test(tail) ? tail.toLowerCase() : undefined;
}

/** Name-based (version 5) UUID of `name`: the same NQN always gives the same host ID. */
function nameBasedUuid(name: string): string {
  const digest = createHash("sha1").update(parseHostId(URL_NAMESPACE)).update(name, "utf8").digest();
  const b = new Uint8Array(digest.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatHostId(b);
}

/**
 * A validated identity from a host NQN and, optionally, a host ID. Without a host ID it is derived
 * from the NQN, so the pair stays stable: the UUID of a `nqn.2014-08.org.nvmexpress:uuid:<uuid>` NQN
 * (what nvme-cli does), else a name-based UUID of the NQN.
 * @throws InvalidArgumentError when the NQN or the host ID is malformed
 */
export function hostIdentity(
  hostnqn: string,
  hostid?: string,
  source: HostIdentitySource = "explicit",
): HostIdentity {
  if (!isValidNqn(hostnqn)) {
    throw new InvalidArgumentError(
      "hostnqn",
      `"${hostnqn}" is not an NQN: it must start with "nqn.", be at most ${NQN_MAX_BYTES} bytes and contain no spaces`,
    );
  }
  const text =
    hostid === undefined ? (uuidOfNqn(hostnqn) ?? nameBasedUuid(hostnqn)) : hostid.trim().toLowerCase();
  return { hostnqn, hostid: parseHostId(text), hostidText: text, source };
}

/** `$XDG_CONFIG_HOME/nvmekit`, or `~/.config/nvmekit` (XDG ignores a relative XDG_CONFIG_HOME). */
function defaultConfigDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), ".config"), "nvmekit");
}

/** Error code of a Node.js system error, or undefined. */
function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The first line of an identity file, trimmed; undefined when it is missing or empty. */
function readIdFile(path: string, what: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new InvalidArgumentError(
      what,
      `cannot read ${path} (${code ?? String(e)}); fix its permissions or remove it`,
    );
  }
  const line = text.trim().split("\n")[0]!.trim();
  return line === "" ? undefined : line;
}

/**
 * The identity stored in `dir` (files `hostnqn` and `hostid`), or undefined when neither exists.
 * With only a host ID, the NQN is the UUID form of it, as nvme-cli builds it.
 */
function readPair(dir: string, source: HostIdentitySource): HostIdentity | undefined {
  const nqnPath = join(dir, "hostnqn");
  const idPath = join(dir, "hostid");
  const nqn = readIdFile(nqnPath, "hostnqn");
  const id = readIdFile(idPath, "hostid");
  if (nqn === undefined && id === undefined) return undefined;
  if (nqn !== undefined && !isValidNqn(nqn)) {
    throw new InvalidArgumentError(
      "hostnqn",
      `${nqnPath} holds "${nqn}", which is not an NQN (it must start with "nqn.", be at most ` +
        `${NQN_MAX_BYTES} bytes, no spaces); fix the file or remove it`,
    );
  }
  if (id !== undefined && !UUID_RE.test(id)) {
    throw new InvalidArgumentError(
      "hostid",
      `${idPath} holds "${id}", which is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); fix the file or remove it`,
    );
  }
  return hostIdentity(nqn ?? `${NQN_UUID_PREFIX}${id!.toLowerCase()}`, id, source);
}

/**
 * Create `path` holding `content` unless it exists: write a temporary file, then hard-link it into
 * place, which fails if another process got there first (a rename would replace its file, and the
 * two processes would disagree). Where hard links are not supported, rename when still absent.
 */
function publish(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(tmp, content, { mode: 0o644, flag: "wx" });
  try {
    linkSync(tmp, path);
  } catch (e) {
    const code = errnoCode(e);
    if (code === "EEXIST") return;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EXDEV") throw e;
    if (readIdFile(path, "hostnqn") === undefined) renameSync(tmp, path);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Already renamed into place.
    }
  }
}

/**
 * Generate a pair and store it in `dir`; returns what `dir` then holds (another process may have
 * stored its pair first), or undefined when `dir` cannot be written.
 */
function createPersisted(dir: string): HostIdentity | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    publish(join(dir, "hostnqn"), `${NQN_UUID_PREFIX}${randomUUID()}\n`);
    // The host ID is the UUID of whichever NQN won, so the two files always agree.
    const nqn = readIdFile(join(dir, "hostnqn"), "hostnqn");
    const uuid = nqn === undefined ? undefined : uuidOfNqn(nqn);
    if (uuid !== undefined) publish(join(dir, "hostid"), `${uuid}\n`);
  } catch (e) {
    if (e instanceof InvalidArgumentError || errnoCode(e) === undefined) throw e;
    return undefined;
  }
  return readPair(dir, "config");
}

let cachedDefault: HostIdentity | undefined;
const perProcess = new Map<string, HostIdentity>();

/**
 * The host identity nvmekit connects with, in nvme-cli's order:
 *
 * 1. `<etcDir>/hostnqn` and `<etcDir>/hostid` (default `/etc/nvme`), each trimmed. With only one of
 *    them, the other is derived: the host ID is the UUID of a `...:uuid:<uuid>` NQN (else a
 *    name-based UUID of the NQN), and a lone host ID gives the NQN `nqn.2014-08.org.nvmexpress:uuid:<id>`.
 * 2. The same two files in `<configDir>` (default `$XDG_CONFIG_HOME/nvmekit`, else `~/.config/nvmekit`).
 * 3. A new pair, `nqn.2014-08.org.nvmexpress:uuid:<random uuid>` with that UUID as host ID, written
 *    to `<configDir>` once (created atomically, so concurrent first runs agree) and read from there
 *    afterwards.
 *
 * When `<configDir>` cannot be written (read-only home, no permission), the generated pair is kept
 * for this process only (`source: "process"`): each process then presents a new host, which targets
 * with an allowed-hosts list will refuse; create `/etc/nvme/hostnqn` (e.g. `nvme gen-hostnqn`) to fix.
 *
 * Synchronous; the default (no `paths`) is computed once per process and cached.
 * @throws InvalidArgumentError when an identity file is unreadable or malformed (naming the file)
 */
export function defaultHostIdentity(paths?: HostIdentityPaths): HostIdentity {
  if (paths === undefined) {
    cachedDefault ??= resolveHostIdentity(ETC_NVME_DIR, defaultConfigDir());
    return cachedDefault;
  }
  return resolveHostIdentity(paths.etcDir ?? ETC_NVME_DIR, paths.configDir ?? defaultConfigDir());
}

/** Steps 1 to 3 of {@link defaultHostIdentity}, uncached (but one per-process pair per directory). */
function resolveHostIdentity(etcDir: string, configDir: string): HostIdentity {
  const fromEtc = readPair(etcDir, "etc");
  if (fromEtc !== undefined) return fromEtc;
  const fromConfig = readPair(configDir, "config");
  if (fromConfig !== undefined) return fromConfig;
  const created = createPersisted(configDir);
  if (created !== undefined) return created;
  let mine = perProcess.get(configDir);
  if (mine === undefined) {
    const uuid = randomUUID();
    mine = hostIdentity(`${NQN_UUID_PREFIX}${uuid}`, uuid, "process");
    perProcess.set(configDir, mine);
  }
  return mine;
}
