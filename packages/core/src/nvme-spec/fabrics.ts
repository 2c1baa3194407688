/**
 * NVMe over Fabrics commands (opcode 0x7F): Connect and its 1024-byte data, Property Get/Set,
 * Disconnect, the Connect-specific status codes, and a decoder that turns a failed Connect into a
 * message saying which field the target rejected and what to change.
 *
 * Offsets are those of the NVMe over Fabrics specification (checked against Linux's
 * `struct nvmf_connect_command`, `nvmf_connect_data` and `nvmf_property_{get,set}_command`). The
 * builders fill a caller's {@link NvmeCommand} and allocate nothing; the SGL in DPTR is the
 * transport's to set, since only it knows whether the data goes in-capsule or by a keyed SGL.
 * @module
 */
import { InvalidArgumentError } from "../errors/errors.js";
import { requireBytes, u16, writeU16 } from "./bytes.js";
import type { NvmeCommand } from "./command.js";
import { opcodeTransfersData } from "./opcodes.js";
import { StatusCodeType, statusName } from "./status.js";

/** The opcode every Fabrics command carries; its command type is in `fctype` (byte 4). */
export const FABRICS_OPCODE = 0x7f;

/** Fabrics command types (byte 4 of a Fabrics command). Bit 0 set means host-to-controller data. */
export enum FabricsCommandType {
  /** Property Set: write a controller property (register). */
  PropertySet = 0x00,
  /** Connect: create a queue (qid 0: the admin queue, and with it the controller). */
  Connect = 0x01,
  /** Property Get: read a controller property (register). */
  PropertyGet = 0x04,
  /** Authentication Send (in-band authentication, DH-HMAC-CHAP). */
  AuthenticationSend = 0x05,
  /** Authentication Receive. */
  AuthenticationReceive = 0x06,
  /** Disconnect: delete an I/O queue (NVMe-oF 1.1). */
  Disconnect = 0x08,
}

/** The well-known NQN of a discovery subsystem. */
export const DISCOVERY_NQN = "nqn.2014-08.org.nvmexpress.discovery";
/** Longest NQN in bytes (UTF-8), without its terminating NUL. */
export const NQN_MAX_BYTES = 223;
/** Size of an NQN field in Connect data and in a discovery log entry. */
export const NQN_FIELD_SIZE = 256;
/** Size of the Connect command's data. */
export const CONNECT_DATA_SIZE = 1024;
/** CNTLID of an admin-queue Connect: "any controller", the subsystem allocates one (dynamic model). */
export const ADMIN_CNTLID_DYNAMIC = 0xffff;
/** Connect CATTR bit 2: ask the controller to disable SQ flow control (SQHD is then reported as 0xFFFF). */
export const CONNECT_CATTR_DISABLE_SQ_FLOW = 1 << 2;

/** Byte offsets of the Connect command's fields: what IPO names when IATTR is 0. */
export enum ConnectCommandOffset {
  /** Record format, u16; 0 is the only defined format. */
  Recfmt = 40,
  /** Queue ID, u16. */
  Qid = 42,
  /** Submission queue size, u16, 0's based. */
  Sqsize = 44,
  /** Connect attributes, u8. */
  Cattr = 46,
  /** Keep Alive Timeout in milliseconds, u32. */
  Kato = 48,
}

/** Byte offsets of the Connect data's fields: what IPO names when IATTR is 1. */
export enum ConnectDataOffset {
  /** Host identifier, 16 bytes. */
  Hostid = 0,
  /** Controller ID, u16 (0xFFFF on the admin queue). */
  Cntlid = 16,
  /** Subsystem NQN, 256 bytes, NUL-terminated. */
  Subnqn = 256,
  /** Host NQN, 256 bytes, NUL-terminated. */
  Hostnqn = 512,
}

/** Status codes of SCT 1 (command specific) that Fabrics commands return. */
export enum FabricsStatus {
  /** Connect Incompatible Format: the target does not support the command's or data's RECFMT. */
  IncompatibleFormat = 0x80,
  /** Connect Controller Busy: the controller is already associated with a host or is busy. */
  ControllerBusy = 0x81,
  /** Connect Invalid Parameters: one field is wrong; DW0 says which (IATTR and IPO). */
  ConnectInvalidParameters = 0x82,
  /** Connect Restart Discovery: the subsystem is no longer at this address; rediscover it. */
  ConnectRestartDiscovery = 0x83,
  /** Connect Invalid Host: the host NQN may not connect to this subsystem. */
  ConnectInvalidHost = 0x84,
  /** Invalid Queue Type: the command does not fit the queue's type. */
  InvalidQueueType = 0x85,
  /** Discover Restart: the discovery log changed while it was read; read it again. */
  DiscoverRestart = 0x90,
  /** Authentication Required: in-band authentication must complete before this command. */
  AuthenticationRequired = 0x91,
}

const FABRICS_STATUS_NAMES: ReadonlyMap<number, string> = new Map([
  [FabricsStatus.IncompatibleFormat, "Connect Incompatible Format"],
  [FabricsStatus.ControllerBusy, "Connect Controller Busy"],
  [FabricsStatus.ConnectInvalidParameters, "Connect Invalid Parameters"],
  [FabricsStatus.ConnectRestartDiscovery, "Connect Restart Discovery"],
  [FabricsStatus.ConnectInvalidHost, "Connect Invalid Host"],
  [FabricsStatus.InvalidQueueType, "Invalid Queue Type"],
  [FabricsStatus.DiscoverRestart, "Discover Restart"],
  [FabricsStatus.AuthenticationRequired, "Authentication Required"],
]);

/**
 * The name of a command specific (SCT 1) status as a Fabrics command means it: 0x82 is "Connect
 * Invalid Parameters" here where {@link statusName} gives the NVM command set's meaning. Codes
 * Fabrics does not redefine get their generic SCT 1 name.
 */
export function connectStatusName(sc: number): string {
  return FABRICS_STATUS_NAMES.get(sc) ?? statusName(StatusCodeType.CommandSpecific, sc);
}

// ---------------------------------------------------------------------------------------------
// Strings in fixed fields

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Write `value` as UTF-8 into `out[off, off + size)`, padded with `pad` (NUL by default).
 * @throws InvalidArgumentError naming `what` when it takes more than `maxBytes` bytes.
 */
export function writeFixedString(
  out: Uint8Array,
  off: number,
  size: number,
  value: string,
  what: string,
  maxBytes = size,
  pad = 0,
): void {
  const bytes = encoder.encode(value);
  if (bytes.length > maxBytes) {
    throw new InvalidArgumentError(
      what,
      `"${value}" is ${bytes.length} bytes; the field holds at most ${maxBytes}`,
    );
  }
  out.set(bytes, off);
  out.fill(pad, off + bytes.length, off + size);
}

/** Read a UTF-8 string from a fixed field: up to the first NUL, trailing spaces dropped (some targets pad with them). */
export function readFixedString(b: Uint8Array, off: number, size: number): string {
  let end = off;
  const stop = off + size;
  while (end < stop && b[end] !== 0) end++;
  while (end > off && b[end - 1] === 0x20) end--;
  return decoder.decode(b.subarray(off, end));
}

// ---------------------------------------------------------------------------------------------
// Connect

/** Reject a value that is not an integer in [min, max]. */
function checkRange(what: string, v: number, min: number, max: number, hint: string): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(what, `${v}: ${hint}`);
  }
}

/** Start a Fabrics command: zeroed, opcode 0x7F, fctype in byte 4 (where NSID lives in other commands). */
function initFabrics(cmd: NvmeCommand, fctype: FabricsCommandType): NvmeCommand {
  cmd.init(FABRICS_OPCODE);
  cmd.dw[1] = fctype;
  return cmd;
}

/**
 * Connect: create queue `qid` (0 = admin queue) of `sqsize + 1` entries. RECFMT is 0. The caller
 * sets the CID; the transport sets the SGL for the {@link CONNECT_DATA_SIZE}-byte data
 * ({@link encodeConnectData}).
 * @param sqsize 0's based submission queue size, 1..65535 (a queue holds at least 2 entries; the
 *   Linux target allows at most 32 entries, sqsize 31, on the admin queue)
 * @param cattr connect attributes, e.g. {@link CONNECT_CATTR_DISABLE_SQ_FLOW}
 * @param katoMs keep-alive timeout in milliseconds (admin queue; 0 disables keep-alive)
 */
export function connectCommand(
  cmd: NvmeCommand,
  qid: number,
  sqsize: number,
  cattr = 0,
  katoMs = 0,
): NvmeCommand {
  checkRange("qid", qid, 0, 0xffff, "a queue ID is 0 (admin) to 65535");
  checkRange("sqsize", sqsize, 1, 0xffff, "sqsize is 0's based: 1 (2 entries) to 65535");
  checkRange("cattr", cattr, 0, 0xff, "CATTR is one byte");
  checkRange("katoMs", katoMs, 0, 0xffff_ffff, "KATO is a 32-bit count of milliseconds");
  initFabrics(cmd, FabricsCommandType.Connect);
  // Byte 40 RECFMT (0) | byte 42 QID; byte 44 SQSIZE | byte 46 CATTR; byte 48 KATO.
  cmd.cdw10 = (qid << 16) >>> 0;
  cmd.cdw11 = (sqsize | (cattr << 16)) >>> 0;
  cmd.cdw12 = katoMs >>> 0;
  return cmd;
}

/** What the Connect data carries. */
export interface ConnectData {
  /** Host identifier, 16 bytes (a UUID; the same one on every queue and every connect of this host). */
  hostid: Uint8Array;
  /** Controller ID: {@link ADMIN_CNTLID_DYNAMIC} on the admin queue, the one it returned on I/O queues. */
  cntlid: number;
  /** NQN of the subsystem to connect to. */
  subnqn: string;
  /** NQN of this host. */
  hostnqn: string;
}

/**
 * Encode Connect data into the first {@link CONNECT_DATA_SIZE} bytes of `out`: hostid at 0, cntlid
 * at 16, subnqn at 256, hostnqn at 512, NQNs NUL-padded, reserved bytes zeroed.
 * @throws InvalidArgumentError when `out` is short, hostid is not 16 bytes, or an NQN is empty or
 *   longer than {@link NQN_MAX_BYTES}
 */
export function encodeConnectData(out: Uint8Array, data: ConnectData): Uint8Array {
  requireBytes(out, CONNECT_DATA_SIZE, "Connect data");
  if (data.hostid.length !== 16) {
    throw new InvalidArgumentError(
      "hostid",
      `${data.hostid.length} bytes: a Fabrics host ID is 16 bytes (a UUID)`,
    );
  }
  checkRange("cntlid", data.cntlid, 0, 0xffff, "a controller ID is 16 bits (0xFFFF: dynamic, admin queue)");
  if (data.subnqn === "") throw new InvalidArgumentError("subnqn", "empty: name the subsystem to connect to");
  if (data.hostnqn === "") throw new InvalidArgumentError("hostnqn", "empty: a Connect must name its host");
  out.fill(0, 0, CONNECT_DATA_SIZE);
  out.set(data.hostid, ConnectDataOffset.Hostid);
  writeU16(out, ConnectDataOffset.Cntlid, data.cntlid);
  writeFixedString(out, ConnectDataOffset.Subnqn, NQN_FIELD_SIZE, data.subnqn, "subnqn", NQN_MAX_BYTES);
  writeFixedString(out, ConnectDataOffset.Hostnqn, NQN_FIELD_SIZE, data.hostnqn, "hostnqn", NQN_MAX_BYTES);
  return out;
}

/** Decode Connect data (a target's side). The hostid is a copy. */
export function decodeConnectData(bytes: Uint8Array): ConnectData {
  requireBytes(bytes, CONNECT_DATA_SIZE, "Connect data");
  return {
    hostid: bytes.slice(ConnectDataOffset.Hostid, ConnectDataOffset.Hostid + 16),
    cntlid: u16(bytes, ConnectDataOffset.Cntlid),
    subnqn: readFixedString(bytes, ConnectDataOffset.Subnqn, NQN_FIELD_SIZE),
    hostnqn: readFixedString(bytes, ConnectDataOffset.Hostnqn, NQN_FIELD_SIZE),
  };
}

/** The fields of a Connect command, as a target reads them. */
export interface ConnectCommandFields {
  /** Record format (0 is the only one defined). */
  recfmt: number;
  /** Queue ID (0: admin). */
  qid: number;
  /** Submission queue size, 0's based. */
  sqsize: number;
  /** Connect attributes. */
  cattr: number;
  /** Keep Alive Timeout in milliseconds. */
  katoMs: number;
}

/**
 * The data direction of a command from its first two dwords (as {@link opcodeTransfersData}: 0 none,
 * 1 host to controller, 2 controller to host, 3 both), for Fabrics commands from their fctype.
 * Allocation-free: transports call it per command.
 */
export function commandTransfersData(dw0: number, dw1: number): 0 | 1 | 2 | 3 {
  const opcode = dw0 & 0xff;
  return opcodeTransfersData(opcode === FABRICS_OPCODE ? dw1 & 0xff : opcode);
}

/** The Fabrics command type (byte 4) of a command whose opcode is {@link FABRICS_OPCODE}. */
export function fabricsCommandType(cmd: NvmeCommand): number {
  return cmd.dw[1]! & 0xff;
}

/** Decode the Connect-specific fields of a Connect command. */
export function decodeConnectCommand(cmd: NvmeCommand): ConnectCommandFields {
  const dw10 = cmd.dw[10]!;
  const dw11 = cmd.dw[11]!;
  return {
    recfmt: dw10 & 0xffff,
    qid: dw10 >>> 16,
    sqsize: dw11 & 0xffff,
    cattr: (dw11 >>> 16) & 0xff,
    katoMs: cmd.dw[12]!,
  };
}

/** What a successful Connect returns in completion DW0. */
export interface ConnectResponse {
  /** The controller ID (admin queue: the one the subsystem allocated; keep it for the I/O queues). */
  cntlid: number;
  /** AUTHREQ ATR (DW0 bit 17): in-band authentication is required before other commands. */
  authenticationRequired: boolean;
  /** AUTHREQ ASCR (DW0 bit 18): secure channel concatenation is required. */
  secureChannelRequired: boolean;
}

/** Decode a successful Connect's completion DW0. */
export function decodeConnectResponse(dw0: number): ConnectResponse {
  return {
    cntlid: dw0 & 0xffff,
    authenticationRequired: ((dw0 >>> 17) & 1) === 1,
    secureChannelRequired: ((dw0 >>> 18) & 1) === 1,
  };
}

/** Disconnect: delete the I/O queue the command is sent on (RECFMT 0). */
export function disconnectCommand(cmd: NvmeCommand): NvmeCommand {
  return initFabrics(cmd, FabricsCommandType.Disconnect);
}

// ---------------------------------------------------------------------------------------------
// Properties

/** Encode a property size as ATTRIB bits 2:0 (0: 4 bytes, 1: 8 bytes). */
function attribFor(size: number): number {
  if (size === 4) return 0;
  if (size === 8) return 1;
  throw new InvalidArgumentError("size", `${size}: a property is 4 or 8 bytes`);
}

/**
 * Property Get: read the `size`-byte property at `offset` (a register offset of the PCIe map, e.g.
 * CAP 0x0 with 8 bytes, CSTS 0x1C with 4). The value comes back in completion DW0 (and DW1 for 8
 * bytes; see {@link propertyValueFromCompletion}).
 */
export function propertyGetCommand(cmd: NvmeCommand, offset: number, size: 4 | 8): NvmeCommand {
  const attrib = attribFor(size);
  checkRange("offset", offset, 0, 0xffff_ffff, "a property offset is 32 bits");
  initFabrics(cmd, FabricsCommandType.PropertyGet);
  cmd.cdw10 = attrib; // byte 40 ATTRIB
  cmd.cdw11 = offset >>> 0; // byte 44 OFST
  return cmd;
}

/**
 * Property Set: write `value` to the `size`-byte property at `offset` (e.g. CC 0x14 with 4 bytes).
 * @throws InvalidArgumentError when the value does not fit in `size` bytes
 */
export function propertySetCommand(
  cmd: NvmeCommand,
  offset: number,
  size: 4 | 8,
  value: bigint,
): NvmeCommand {
  const attrib = attribFor(size);
  checkRange("offset", offset, 0, 0xffff_ffff, "a property offset is 32 bits");
  const limit = size === 4 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
  if (value < 0n || value > limit) {
    throw new InvalidArgumentError(
      "value",
      `0x${value.toString(16)} does not fit in a ${size}-byte property`,
    );
  }
  initFabrics(cmd, FabricsCommandType.PropertySet);
  cmd.cdw10 = attrib;
  cmd.cdw11 = offset >>> 0;
  // Byte 48 VALUE, 8 bytes little-endian: CDW12 low half, CDW13 high half.
  cmd.cdw12 = Number(value & 0xffff_ffffn);
  cmd.cdw13 = Number(value >> 32n);
  return cmd;
}

/** The fields of a Property Get or Set command, as a target reads them. */
export interface PropertyCommandFields {
  /** Property size in bytes from ATTRIB bits 2:0; 0 when ATTRIB holds a reserved value. */
  size: 4 | 8 | 0;
  /** Property offset. */
  offset: number;
  /** The value to write (Property Set; 0n in a Property Get). */
  value: bigint;
}

/** Decode a Property Get or Property Set command. */
export function decodePropertyCommand(cmd: NvmeCommand): PropertyCommandFields {
  const attrib = cmd.dw[10]! & 0x7;
  return {
    size: attrib === 0 ? 4 : attrib === 1 ? 8 : 0,
    offset: cmd.dw[11]!,
    value: (BigInt(cmd.dw[13]!) << 32n) | BigInt(cmd.dw[12]!),
  };
}

/** A Property Get's value from its completion: DW0 holds the low 32 bits, DW1 the high 32 of an 8-byte property. */
export function propertyValueFromCompletion(dw0: number, dw1: number, size: 4 | 8): bigint {
  const lo = BigInt(dw0 >>> 0);
  return size === 4 ? lo : (BigInt(dw1 >>> 0) << 32n) | lo;
}

// ---------------------------------------------------------------------------------------------
// Connect failures

/** Where a Connect Invalid Parameters status points, decoded from completion DW0. */
export interface InvalidParameterLocation {
  /** IATTR bit 0 (DW0 bit 16): true when the offset is into the Connect data, false into the command. */
  inData: boolean;
  /** IPO (DW0 bits 15:0): byte offset of the field the target rejected. */
  offset: number;
}

/** Decode DW0 of a Connect that failed with {@link FabricsStatus.ConnectInvalidParameters}. */
export function decodeInvalidParameter(dw0: number): InvalidParameterLocation {
  return { inData: ((dw0 >>> 16) & 1) === 1, offset: dw0 & 0xffff };
}

/** Encode DW0 of a Connect Invalid Parameters completion (a target's side). */
export function encodeInvalidParameter(inData: boolean, offset: number): number {
  return ((inData ? 1 << 16 : 0) | (offset & 0xffff)) >>> 0;
}

/** What the Connect asked for, so that {@link describeConnectFailure} can name the values. */
export interface ConnectContext {
  /** The queue being connected (0: admin). */
  qid: number;
  /** The host NQN sent. */
  hostnqn: string;
  /** The subsystem NQN sent. */
  subnqn: string;
  /** The controller ID sent. */
  cntlid: number;
  /** The 0's based SQ size sent, when known. */
  sqsize?: number;
  /** The keep-alive timeout sent, when known. */
  katoMs?: number;
}

const ALLOW_HOST_FIX =
  "add it to the subsystem's allowed hosts on the target (Linux nvmet: link it under " +
  "subsystems/<nqn>/allowed_hosts, or set attr_allow_any_host to 1)";

/** The data field an IPO points at, explained. */
function describeDataField(offset: number, ctx: ConnectContext): string {
  switch (offset) {
    case ConnectDataOffset.Hostid:
      return (
        "the target rejected the host ID: use a non-zero UUID and keep it paired with the same host NQN " +
        "on every connect (the kernel reports 'found same hostid but different hostnqn' otherwise)"
      );
    case ConnectDataOffset.Cntlid:
      return ctx.qid === 0
        ? `the target rejected cntlid 0x${ctx.cntlid.toString(16)}: an admin queue Connect must send 0xFFFF (dynamic controller)`
        : `the target has no controller ${ctx.cntlid} for this host: the admin queue's controller is gone ` +
            "(keep-alive timeout or reset); connect the admin queue again and use the cntlid it returns";
    case ConnectDataOffset.Subnqn:
      return `the target has no subsystem NQN "${ctx.subnqn}": check the subnqn (nvmekit discover lists them)`;
    case ConnectDataOffset.Hostnqn:
      return `the target does not allow host NQN "${ctx.hostnqn}": ${ALLOW_HOST_FIX}`;
    default:
      return `the target rejected byte ${offset} of the Connect data`;
  }
}

/** The command field an IPO points at, explained. */
function describeCommandField(offset: number, ctx: ConnectContext): string {
  switch (offset) {
    case ConnectCommandOffset.Recfmt:
      return "the target does not support record format 0";
    case ConnectCommandOffset.Qid:
      return (
        `the target rejected queue ID ${ctx.qid}: it is beyond the I/O queues the controller granted; ` +
        "ask for fewer I/O queues"
      );
    case ConnectCommandOffset.Sqsize: {
      const entries = ctx.sqsize === undefined ? "the queue size" : `a queue of ${ctx.sqsize + 1} entries`;
      return (
        `the target rejected ${entries}: sqsize is 0's based, at least 1 and at most CAP.MQES ` +
        "(the Linux target allows 32 entries on the admin queue); use a smaller queue depth"
      );
    }
    case ConnectCommandOffset.Cattr:
      return "the target rejected the connect attributes (CATTR); connect without disabling SQ flow control";
    case ConnectCommandOffset.Kato:
      return `the target rejected keep-alive timeout ${ctx.katoMs ?? "?"} ms; use another keep-alive timeout`;
    default:
      return `the target rejected byte ${offset} of the Connect command`;
  }
}

/**
 * A human message for a Connect that failed with status (`sct`, `sc`) and completion `dw0`, naming
 * the rejected field and the fix, e.g. `Connect of queue 0 to "nqn.x" as "nqn.h" failed: Connect
 * Invalid Parameters (SCT 0x1, SC 0x82): the target does not allow host NQN "nqn.h": add it ...`.
 */
export function describeConnectFailure(sct: number, sc: number, dw0: number, ctx: ConnectContext): string {
  const name = sct === StatusCodeType.CommandSpecific ? connectStatusName(sc) : statusName(sct, sc);
  const head =
    `Connect of queue ${ctx.qid} to "${ctx.subnqn}" as "${ctx.hostnqn}" failed: ${name} ` +
    `(SCT 0x${sct.toString(16)}, SC 0x${sc.toString(16).padStart(2, "0")})`;
  const why = sct === StatusCodeType.CommandSpecific ? explainConnectStatus(sc, dw0, ctx) : undefined;
  return why === undefined ? head : `${head}: ${why}`;
}

/** The explanation of a command specific Connect status, or undefined for codes Connect does not define. */
function explainConnectStatus(sc: number, dw0: number, ctx: ConnectContext): string | undefined {
  switch (sc) {
    case FabricsStatus.ConnectInvalidParameters: {
      const loc = decodeInvalidParameter(dw0);
      return loc.inData ? describeDataField(loc.offset, ctx) : describeCommandField(loc.offset, ctx);
    }
    case FabricsStatus.ConnectInvalidHost:
      return `the target does not allow host NQN "${ctx.hostnqn}" to connect to this subsystem: ${ALLOW_HOST_FIX}`;
    case FabricsStatus.IncompatibleFormat:
      return "the target does not support the Connect record format nvmekit sends (RECFMT 0)";
    case FabricsStatus.ControllerBusy:
      return `controller ${ctx.cntlid} is busy or already associated with another host; retry later`;
    case FabricsStatus.ConnectRestartDiscovery:
      return "the subsystem is no longer reachable here; run discovery again (nvmekit discover) and use the address it reports";
    case FabricsStatus.AuthenticationRequired:
      return (
        "the target requires in-band authentication (DH-HMAC-CHAP), which nvmekit does not do; " +
        "configure the target not to require a key for this host"
      );
    default:
      return undefined;
  }
}
