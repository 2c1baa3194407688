import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  type ConnectContext,
  decodeInvalidParameter,
  describeConnectFailure,
  encodeInvalidParameter,
} from "../../../src/nvme-spec/fabrics.js";

const HOSTNQN = "nqn.2014-08.org.nvmexpress:uuid:00112233-4455-6677-8899-aabbccddeeff";
const SUBNQN = "nqn.2016-06.io.spdk:cnode1";
const admin: ConnectContext = {
  qid: 0,
  hostnqn: HOSTNQN,
  subnqn: SUBNQN,
  cntlid: 0xffff,
  sqsize: 31,
  katoMs: 5000,
};
const io: ConnectContext = { qid: 9, hostnqn: HOSTNQN, subnqn: SUBNQN, cntlid: 5, sqsize: 127, katoMs: 0 };

// DW0 of Connect Invalid Parameters: IPO in bits 15:0, IATTR bit 16 (1: the offset is into the data).
const DATA = 0x1_0000;

test("IATTR/IPO decode and encode", () => {
  assert.equal(decodeInvalidParameter(0x0001_0200), { inData: true, offset: 512 });
  assert.equal(decodeInvalidParameter(0x0000_002a), { inData: false, offset: 42 });
  assert.is(encodeInvalidParameter(true, 256), 0x0001_0100);
  assert.is(encodeInvalidParameter(false, 44), 0x2c);
});

test("subnqn (data @256): the target has no such subsystem", () => {
  const msg = describeConnectFailure(1, 0x82, DATA | 256, admin);
  assert.ok(
    msg.startsWith(`Connect of queue 0 to "${SUBNQN}" as "${HOSTNQN}" failed: Connect Invalid Parameters`),
  );
  assert.ok(msg.includes("(SCT 0x1, SC 0x82)"));
  assert.ok(
    msg.includes(
      `the target has no subsystem NQN "${SUBNQN}": check the subnqn (nvmekit discover lists them)`,
    ),
  );
});

test("hostnqn (data @512): not an allowed host", () => {
  const msg = describeConnectFailure(1, 0x82, DATA | 512, admin);
  assert.ok(msg.includes(`the target does not allow host NQN "${HOSTNQN}"`));
  assert.ok(msg.includes("allowed hosts"));
  assert.ok(msg.includes("attr_allow_any_host"));
});

test("cntlid (data @16): admin queue must send 0xFFFF; I/O queue names the controller", () => {
  assert.ok(describeConnectFailure(1, 0x82, DATA | 16, { ...admin, cntlid: 1 }).includes("must send 0xFFFF"));
  const msg = describeConnectFailure(1, 0x82, DATA | 16, io);
  assert.ok(msg.includes("no controller 5"));
  assert.ok(msg.includes("connect the admin queue again"));
});

test("hostid (data @0)", () => {
  const msg = describeConnectFailure(1, 0x82, DATA | 0, admin);
  assert.ok(msg.includes("rejected the host ID"));
  assert.ok(msg.includes("same host NQN"));
});

test("qid (command @42) and sqsize (command @44)", () => {
  const qid = describeConnectFailure(1, 0x82, 42, io);
  assert.ok(qid.startsWith("Connect of queue 9 "));
  assert.ok(qid.includes("rejected queue ID 9"));
  const sqsize = describeConnectFailure(1, 0x82, 44, io);
  assert.ok(sqsize.includes("a queue of 128 entries"));
  assert.ok(sqsize.includes("0's based"));
  const noSize = describeConnectFailure(1, 0x82, 44, { qid: 1, hostnqn: HOSTNQN, subnqn: SUBNQN, cntlid: 1 });
  assert.ok(noSize.includes("rejected the queue size"));
});

test("kato (command @48), recfmt (command @40) and unknown offsets", () => {
  assert.ok(describeConnectFailure(1, 0x82, 48, admin).includes("keep-alive timeout 5000 ms"));
  assert.ok(describeConnectFailure(1, 0x82, 40, admin).includes("record format 0"));
  assert.ok(describeConnectFailure(1, 0x82, DATA | 768, admin).endsWith("byte 768 of the Connect data"));
  assert.ok(describeConnectFailure(1, 0x82, 60, admin).endsWith("byte 60 of the Connect command"));
});

test("Connect Invalid Host names the host NQN and the fix", () => {
  const msg = describeConnectFailure(1, 0x84, 0, admin);
  assert.ok(msg.includes("Connect Invalid Host (SCT 0x1, SC 0x84)"));
  assert.ok(msg.includes(`host NQN "${HOSTNQN}"`));
  assert.ok(msg.includes("attr_allow_any_host"));
});

test("other Connect statuses", () => {
  assert.ok(describeConnectFailure(1, 0x80, 0, admin).includes("record format"));
  assert.ok(describeConnectFailure(1, 0x81, 0, io).includes("controller 5 is busy"));
  assert.ok(describeConnectFailure(1, 0x83, 0, admin).includes("run discovery again"));
  assert.ok(describeConnectFailure(1, 0x91, 0, admin).includes("DH-HMAC-CHAP"));
});

test("generic statuses get their name and no explanation", () => {
  assert.is(
    describeConnectFailure(0, 0x02, 0, admin),
    `Connect of queue 0 to "${SUBNQN}" as "${HOSTNQN}" failed: Invalid Field in Command (SCT 0x0, SC 0x02)`,
  );
  assert.ok(
    describeConnectFailure(1, 0x01, 0, admin).endsWith("Invalid Queue Identifier (SCT 0x1, SC 0x01)"),
  );
});

test.run();
