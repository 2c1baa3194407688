import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import { NvmeCommand } from "../../../src/nvme-spec/command.js";
import {
  ADMIN_CNTLID_DYNAMIC,
  CONNECT_CATTR_DISABLE_SQ_FLOW,
  CONNECT_DATA_SIZE,
  ConnectCommandOffset,
  ConnectDataOffset,
  connectCommand,
  connectStatusName,
  DISCOVERY_NQN,
  decodeConnectCommand,
  decodeConnectData,
  decodeConnectResponse,
  decodePropertyCommand,
  disconnectCommand,
  encodeConnectData,
  FABRICS_OPCODE,
  FabricsCommandType,
  FabricsStatus,
  fabricsCommandType,
  propertyGetCommand,
  propertySetCommand,
  propertyValueFromCompletion,
} from "../../../src/nvme-spec/fabrics.js";

const isInvalidArgument = (e: unknown): boolean => e instanceof InvalidArgumentError;

/** The command's 64 bytes as the wire carries them. */
function bytesOf(cmd: NvmeCommand): Uint8Array {
  return new Uint8Array(cmd.dw.buffer, cmd.dw.byteOffset, 64);
}

/** A 64-byte SQE that is zero except at the given byte offsets. */
function sqe(bytes: Record<number, number>): Uint8Array {
  const out = new Uint8Array(64);
  for (const [off, v] of Object.entries(bytes)) out[Number(off)] = v;
  return out;
}

test("constants from the NVMe over Fabrics specification", () => {
  assert.is(FABRICS_OPCODE, 0x7f);
  assert.is(FabricsCommandType.PropertySet, 0x00);
  assert.is(FabricsCommandType.Connect, 0x01);
  assert.is(FabricsCommandType.PropertyGet, 0x04);
  assert.is(FabricsCommandType.AuthenticationSend, 0x05);
  assert.is(FabricsCommandType.AuthenticationReceive, 0x06);
  assert.is(FabricsCommandType.Disconnect, 0x08);
  assert.is(DISCOVERY_NQN, "nqn.2014-08.org.nvmexpress.discovery");
  assert.is(CONNECT_DATA_SIZE, 1024);
  assert.is(ADMIN_CNTLID_DYNAMIC, 0xffff);
  assert.is(ConnectCommandOffset.Recfmt, 40);
  assert.is(ConnectCommandOffset.Qid, 42);
  assert.is(ConnectCommandOffset.Sqsize, 44);
  assert.is(ConnectCommandOffset.Cattr, 46);
  assert.is(ConnectCommandOffset.Kato, 48);
  assert.is(ConnectDataOffset.Hostid, 0);
  assert.is(ConnectDataOffset.Cntlid, 16);
  assert.is(ConnectDataOffset.Subnqn, 256);
  assert.is(ConnectDataOffset.Hostnqn, 512);
});

test("admin Connect: qid 0, 32 entries, KATO 5000 ms", () => {
  const cmd = new NvmeCommand();
  cmd.dw.fill(0xffffffff); // the builder must clear what was there
  connectCommand(cmd, 0, 31, 0, 5000);
  // 5000 = 0x1388
  assert.equal(bytesOf(cmd), sqe({ 0: 0x7f, 4: 0x01, 44: 31, 48: 0x88, 49: 0x13 }));
});

test("I/O Connect: qid 1, sqsize 127, CATTR disable SQ flow control, KATO 120000 ms", () => {
  const cmd = connectCommand(new NvmeCommand(), 1, 127, CONNECT_CATTR_DISABLE_SQ_FLOW, 120000);
  cmd.cid = 0x1234;
  // cid at bytes 2-3; qid @42 = 01 00; sqsize @44 = 7f 00; cattr @46 = 04; kato @48 = 0x0001d4c0
  assert.equal(
    bytesOf(cmd),
    sqe({ 0: 0x7f, 2: 0x34, 3: 0x12, 4: 0x01, 42: 0x01, 44: 0x7f, 46: 0x04, 48: 0xc0, 49: 0xd4, 50: 0x01 }),
  );
  assert.is(fabricsCommandType(cmd), FabricsCommandType.Connect);
  assert.equal(decodeConnectCommand(cmd), { recfmt: 0, qid: 1, sqsize: 127, cattr: 4, katoMs: 120000 });
});

test("Connect rejects out-of-range fields", () => {
  const cmd = new NvmeCommand();
  assert.throws(() => connectCommand(cmd, 0, 0), isInvalidArgument);
  assert.throws(() => connectCommand(cmd, 0x10000, 31), isInvalidArgument);
  assert.throws(() => connectCommand(cmd, 1, 0x10000), isInvalidArgument);
  assert.throws(() => connectCommand(cmd, 1, 31, 0x100), isInvalidArgument);
  assert.throws(() => connectCommand(cmd, 1, 31, 0, -1), isInvalidArgument);
});

const HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:00112233-4455-6677-8899-aabbccddeeff";
const SUBNQN = "nqn.2016-06.io.spdk:cnode1";
const HOSTID = Uint8Array.from([
  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
]);

test("Connect data: hostid @0, cntlid @16, subnqn @256, hostnqn @512, NUL padded, reserved zeroed", () => {
  const out = new Uint8Array(CONNECT_DATA_SIZE).fill(0xaa);
  encodeConnectData(out, { hostid: HOSTID, cntlid: ADMIN_CNTLID_DYNAMIC, subnqn: SUBNQN, hostnqn: HOSTNQN });
  const expected = new Uint8Array(CONNECT_DATA_SIZE);
  expected.set(HOSTID, 0);
  expected[16] = 0xff;
  expected[17] = 0xff;
  expected.set(
    Array.from(SUBNQN, (c) => c.charCodeAt(0)),
    256,
  );
  expected.set(
    Array.from(HOSTNQN, (c) => c.charCodeAt(0)),
    512,
  );
  assert.equal(out, expected);
  assert.is(out[256], 0x6e); // 'n'
  assert.is(out[256 + SUBNQN.length], 0);
  assert.is(out[512 + 3], 0x2e); // '.'
});

test("Connect data round trip, I/O queue cntlid", () => {
  const out = new Uint8Array(CONNECT_DATA_SIZE);
  const data = { hostid: HOSTID, cntlid: 7, subnqn: SUBNQN, hostnqn: HOSTNQN };
  encodeConnectData(out, data);
  assert.is(out[16], 7);
  assert.is(out[17], 0);
  assert.equal(decodeConnectData(out), data);
});

test("Connect data rejects a short buffer, a 15-byte hostid, empty or over-long NQNs", () => {
  const data = { hostid: HOSTID, cntlid: 1, subnqn: SUBNQN, hostnqn: HOSTNQN };
  assert.throws(() => encodeConnectData(new Uint8Array(1023), data), isInvalidArgument);
  const out = new Uint8Array(CONNECT_DATA_SIZE);
  assert.throws(() => encodeConnectData(out, { ...data, hostid: HOSTID.subarray(1) }), /16 bytes/);
  assert.throws(() => encodeConnectData(out, { ...data, subnqn: "" }), /subnqn/);
  const at223 = `nqn.${"a".repeat(219)}`;
  encodeConnectData(out, { ...data, subnqn: at223 });
  assert.is(decodeConnectData(out).subnqn, at223);
  assert.throws(() => encodeConnectData(out, { ...data, hostnqn: `${at223}b` }), /224 bytes/);
});

test("Property Get CAP (8 bytes) and CSTS (4 bytes)", () => {
  const cmd = propertyGetCommand(new NvmeCommand(), 0x0, 8);
  assert.equal(bytesOf(cmd), sqe({ 0: 0x7f, 4: 0x04, 40: 0x01 }));
  propertyGetCommand(cmd, 0x1c, 4);
  assert.equal(bytesOf(cmd), sqe({ 0: 0x7f, 4: 0x04, 44: 0x1c }));
  assert.equal(decodePropertyCommand(cmd), { size: 4, offset: 0x1c, value: 0n });
  assert.throws(() => propertyGetCommand(cmd, 0, 2 as 4), /4 or 8/);
});

test("Property Set CC (4 bytes) and an 8-byte value", () => {
  const cmd = propertySetCommand(new NvmeCommand(), 0x14, 4, 0x0046_0001n);
  assert.equal(bytesOf(cmd), sqe({ 0: 0x7f, 4: 0x00, 44: 0x14, 48: 0x01, 50: 0x46 }));
  propertySetCommand(cmd, 0x28, 8, 0x0123_4567_89ab_cdefn);
  assert.equal(
    bytesOf(cmd),
    sqe({
      0: 0x7f,
      40: 1,
      44: 0x28,
      48: 0xef,
      49: 0xcd,
      50: 0xab,
      51: 0x89,
      52: 0x67,
      53: 0x45,
      54: 0x23,
      55: 0x01,
    }),
  );
  assert.is(fabricsCommandType(cmd), FabricsCommandType.PropertySet);
  assert.equal(decodePropertyCommand(cmd), { size: 8, offset: 0x28, value: 0x0123_4567_89ab_cdefn });
  assert.throws(() => propertySetCommand(cmd, 0x14, 4, 0x1_0000_0000n), /does not fit/);
  assert.throws(() => propertySetCommand(cmd, 0x14, 8, -1n), /does not fit/);
});

test("a reserved ATTRIB decodes as size 0", () => {
  const cmd = propertyGetCommand(new NvmeCommand(), 0, 4);
  cmd.cdw10 = 2;
  assert.is(decodePropertyCommand(cmd).size, 0);
});

test("Property Get value from completion DW0/DW1", () => {
  assert.is(propertyValueFromCompletion(0x8000_0001, 0x1234, 4), 0x8000_0001n);
  assert.is(propertyValueFromCompletion(0x8000_0001, 0x1234, 8), 0x1234_8000_0001n);
});

test("Disconnect carries fctype 0x08", () => {
  assert.equal(bytesOf(disconnectCommand(new NvmeCommand())), sqe({ 0: 0x7f, 4: 0x08 }));
});

test("Connect response DW0: cntlid and AUTHREQ", () => {
  assert.equal(decodeConnectResponse(0x0000_0005), {
    cntlid: 5,
    authenticationRequired: false,
    secureChannelRequired: false,
  });
  assert.equal(decodeConnectResponse(0x0006_0001), {
    cntlid: 1,
    authenticationRequired: true,
    secureChannelRequired: true,
  });
});

test("Connect status names override the NVM command set's SCT 1 names", () => {
  assert.is(FabricsStatus.IncompatibleFormat, 0x80);
  assert.is(FabricsStatus.ConnectInvalidHost, 0x84);
  assert.is(FabricsStatus.AuthenticationRequired, 0x91);
  assert.is(connectStatusName(0x80), "Connect Incompatible Format");
  assert.is(connectStatusName(0x81), "Connect Controller Busy");
  assert.is(connectStatusName(0x82), "Connect Invalid Parameters");
  assert.is(connectStatusName(0x83), "Connect Restart Discovery");
  assert.is(connectStatusName(0x84), "Connect Invalid Host");
  assert.is(connectStatusName(0x90), "Discover Restart");
  assert.is(connectStatusName(0x91), "Authentication Required");
  assert.is(connectStatusName(0x01), "Invalid Queue Identifier");
});

test.run();
