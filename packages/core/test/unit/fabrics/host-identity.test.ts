import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InvalidArgumentError } from "../../../src/errors/errors.js";
import { DISCOVERY_NQN } from "../../../src/nvme-spec/fabrics.js";
import {
  defaultHostIdentity,
  formatHostId,
  hostIdentity,
  isValidNqn,
  NQN_UUID_PREFIX,
  parseHostId,
} from "../../../src/options/host-identity.js";

const isInvalidArgument = (e: unknown): boolean => e instanceof InvalidArgumentError;

const UUID_A = "11111111-2222-3333-4444-555555555555";
const UUID_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

let root = "";
function dirs(): { etcDir: string; configDir: string } {
  const base = mkdtempSync(join(root, "case-"));
  const etcDir = join(base, "etc-nvme");
  mkdirSync(etcDir);
  return { etcDir, configDir: join(base, "config", "nvmekit") };
}

test.before(() => {
  root = mkdtempSync(join(tmpdir(), "nvmekit-hostid-"));
});
test.after(() => {
  rmSync(root, { recursive: true, force: true });
});

test("parseHostId / formatHostId", () => {
  const bytes = parseHostId("00112233-4455-6677-8899-AABBCCDDEEFF");
  assert.equal(
    Array.from(bytes),
    [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff],
  );
  assert.is(formatHostId(bytes), "00112233-4455-6677-8899-aabbccddeeff");
  assert.throws(() => parseHostId("00112233445566778899aabbccddeeff"), isInvalidArgument);
  assert.throws(() => parseHostId("not-a-uuid"), /not a UUID/);
  assert.throws(() => formatHostId(new Uint8Array(8)), isInvalidArgument);
});

test("isValidNqn", () => {
  assert.ok(isValidNqn(DISCOVERY_NQN));
  assert.ok(isValidNqn(`${NQN_UUID_PREFIX}${UUID_A}`));
  assert.ok(isValidNqn(`nqn.${"a".repeat(219)}`)); // 223 bytes
  assert.not.ok(isValidNqn(`nqn.${"a".repeat(220)}`)); // 224 bytes
  assert.not.ok(isValidNqn(`nqn.${"é".repeat(110)}`)); // 4 + 220 bytes of UTF-8
  assert.not.ok(isValidNqn("iqn.1994-05.com.redhat:abc"));
  assert.not.ok(isValidNqn("nqn."));
  assert.not.ok(isValidNqn("nqn.2014-08.org.example:host 1"));
  assert.not.ok(isValidNqn("nqn.2014-08.org.example:host\u0000"));
});

test("hostIdentity derives the host ID from a UUID NQN, else a name-based UUID", () => {
  const fromUuid = hostIdentity(`${NQN_UUID_PREFIX}${UUID_B.toUpperCase()}`);
  assert.is(fromUuid.hostidText, UUID_B);
  assert.is(fromUuid.source, "explicit");
  // uuid.uuid5(uuid.NAMESPACE_URL, "nqn.2016-06.io.example:host1") in Python
  const named = hostIdentity("nqn.2016-06.io.example:host1");
  assert.is(named.hostidText, "137c7f28-0b0a-58e4-85d3-8977fa3299ee");
  assert.equal(named.hostid, parseHostId(named.hostidText));
  assert.is(hostIdentity("nqn.2016-06.io.example:host1", UUID_A).hostidText, UUID_A);
  assert.throws(() => hostIdentity("host1"), /not an NQN/);
  assert.throws(() => hostIdentity(DISCOVERY_NQN, "zz"), /not a UUID/);
});

test("/etc/nvme files win and the config directory is left alone", () => {
  const { etcDir, configDir } = dirs();
  writeFileSync(join(etcDir, "hostnqn"), `  ${NQN_UUID_PREFIX}${UUID_A}\n`);
  writeFileSync(join(etcDir, "hostid"), `${UUID_B.toUpperCase()}\n`);
  const id = defaultHostIdentity({ etcDir, configDir });
  assert.is(id.hostnqn, `${NQN_UUID_PREFIX}${UUID_A}`);
  assert.is(id.hostidText, UUID_B);
  assert.equal(id.hostid, parseHostId(UUID_B));
  assert.is(id.source, "etc");
  assert.not.ok(existsSync(configDir));
});

test("a lone /etc hostnqn gives its UUID as host ID; a lone hostid gives the UUID NQN", () => {
  const a = dirs();
  writeFileSync(join(a.etcDir, "hostnqn"), `${NQN_UUID_PREFIX}${UUID_A}\n`);
  assert.is(defaultHostIdentity(a).hostidText, UUID_A);
  const b = dirs();
  writeFileSync(join(b.etcDir, "hostid"), `${UUID_B}\n`);
  const id = defaultHostIdentity(b);
  assert.is(id.hostnqn, `${NQN_UUID_PREFIX}${UUID_B}`);
  assert.is(id.hostidText, UUID_B);
  const c = dirs();
  writeFileSync(join(c.etcDir, "hostnqn"), "nqn.2016-06.io.example:host1\n");
  assert.is(defaultHostIdentity(c).hostidText, "137c7f28-0b0a-58e4-85d3-8977fa3299ee");
});

test("without /etc files a pair is generated once, persisted, and stable", () => {
  const { etcDir, configDir } = dirs();
  writeFileSync(join(etcDir, "hostnqn"), "\n"); // empty counts as absent
  const first = defaultHostIdentity({ etcDir, configDir });
  assert.is(first.source, "config");
  assert.ok(first.hostnqn.startsWith(NQN_UUID_PREFIX));
  assert.is(first.hostnqn, `${NQN_UUID_PREFIX}${first.hostidText}`);
  assert.is(readFileSync(join(configDir, "hostnqn"), "utf8"), `${first.hostnqn}\n`);
  assert.is(readFileSync(join(configDir, "hostid"), "utf8"), `${first.hostidText}\n`);
  assert.equal(readdirSync(configDir).sort(), ["hostid", "hostnqn"]); // no temporary files left
  const second = defaultHostIdentity({ etcDir, configDir });
  assert.equal(second, first);
});

test("XDG_CONFIG_HOME picks the default config directory", () => {
  const { etcDir } = dirs();
  const xdg = mkdtempSync(join(root, "xdg-"));
  const saved = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = xdg;
  try {
    const id = defaultHostIdentity({ etcDir });
    assert.is(readFileSync(join(xdg, "nvmekit", "hostnqn"), "utf8").trim(), id.hostnqn);
  } finally {
    if (saved === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = saved;
  }
});

test("an unwritable config directory gives a per-process pair, the same on every call", () => {
  const { etcDir } = dirs();
  const file = join(mkdtempSync(join(root, "ro-")), "a-file");
  writeFileSync(file, "");
  const configDir = join(file, "nvmekit"); // mkdir fails with ENOTDIR
  const first = defaultHostIdentity({ etcDir, configDir });
  assert.is(first.source, "process");
  assert.is(first.hostnqn, `${NQN_UUID_PREFIX}${first.hostidText}`);
  assert.is(defaultHostIdentity({ etcDir, configDir }), first);
});

test("a malformed file is an error naming the file", () => {
  const a = dirs();
  writeFileSync(join(a.etcDir, "hostnqn"), "iqn.1994-05.com.redhat:abc\n");
  assert.throws(
    () => defaultHostIdentity(a),
    (e: unknown) =>
      e instanceof InvalidArgumentError &&
      e.message.includes(join(a.etcDir, "hostnqn")) &&
      /not an NQN/.test(e.message),
  );
  const b = dirs();
  writeFileSync(join(b.etcDir, "hostnqn"), `${NQN_UUID_PREFIX}${UUID_A}\n`);
  writeFileSync(join(b.etcDir, "hostid"), "12345\n");
  assert.throws(() => defaultHostIdentity(b), /hostid.*not a UUID/);
  const c = dirs();
  mkdirSync(c.configDir, { recursive: true });
  writeFileSync(join(c.configDir, "hostid"), "garbage\n");
  assert.throws(() => defaultHostIdentity(c), isInvalidArgument);
});

test.run();
