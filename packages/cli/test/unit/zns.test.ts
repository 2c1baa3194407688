// `nvmekit zns ...` on the built-in software controller's zoned namespace (nsid 3: eight zones of 0x100
// 4 KiB blocks, capacity 0xc0, at most 4 open and 6 active): as a user runs it (child processes: output,
// JSON, exit codes and errors), and the commands' work in one process on one controller, where zone
// state carries from one command to the next (in memory, the embedded controller starts fresh in each
// process; with NVMEKIT_SOFT_DIR its zones carry over too).
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Controller, type Namespace, NvmeStatusError, type QueuePair } from "@nvmekit/core";
import { ZoneReportFilter } from "@nvmekit/core/nvme-spec";
import { attachInThread, type InThreadController } from "@nvmekit/softnvme";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  appendToZone,
  identifyZoned,
  reportZones,
  sendZoneAction,
  zonedNamespace,
} from "../../src/commands/zns.js";
import { zoneReportJson, zoneReportLines } from "../../src/format/zones.js";
import { UsageError } from "../../src/runtime/cli-error.js";
import { printJson } from "../../src/runtime/output.js";
import { nvmekit, tempDir } from "./run-cli.js";

/** nvme-cli 2.3's report-zones line for an untouched zone of the default zoned namespace. */
const emptyLine = (slba: string) =>
  `SLBA: ${slba.padEnd(10)} WP: ${slba.padEnd(10)} Cap: 0xc0       State: 0x10 Type: 0x2  Attrs: 0    AttrsInfo: 0   `;
const HEXES = ["0", "0x100", "0x200", "0x300", "0x400", "0x500", "0x600", "0x700"];

test("report-zones prints nvme-cli's lines for every zone; -o json and --json print its JSON", () => {
  const r = nvmekit(["zns", "report-zones"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${["nr_zones: 8", ...HEXES.map(emptyLine)].join("\n")}\n`);
  const json = nvmekit(["zns", "report-zones", "-n", "3", "-o", "json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout), {
    nr_zones: 8,
    zone_list: HEXES.map((_, i) => ({
      slba: i * 256,
      wp: i * 256,
      cap: 192,
      state: "EMPTY",
      type: "SEQWRITE_REQ",
      attrs: 0,
    })),
  });
  assert.equal(nvmekit(["zns", "report-zones", "--json"]).stdout, json.stdout);
});

test("report-zones -s/-d start and limit the list; -S filters it, and nr_zones counts the matches", () => {
  const part = nvmekit(["zns", "report-zones", "-s", "0x3ff", "-d", "2"]);
  assert.equal(part.code, 0, part.stderr);
  assert.equal(part.stdout, `nr_zones: 8\n${emptyLine("0x300")}\n${emptyLine("0x400")}\n`);
  const full = nvmekit(["zns", "report-zones", "-S", "full"]);
  assert.equal([full.code, full.stdout], [0, "nr_zones: 0\n"]);
  const empty = nvmekit(["zns", "report-zones", "--state", "1", "-d", "1", "-v"]);
  assert.equal(
    empty.stdout,
    "nr_zones: 8\nSLBA: 0          WP: 0          Cap: 0xc0       State: EMPTY        Type: SEQWRITE_REQ  \n" +
      "Attrs: Zone Descriptor Extension is Not Valid\n",
  );
});

test("id-ns prints the ZNS Identify Namespace as nvme-cli does, in text and JSON", () => {
  const text = nvmekit(["zns", "id-ns"]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split("\n");
  assert.equal(lines.slice(0, 5), [
    "ZNS Command Set Identify Namespace:",
    "zoc     : 0",
    "ozcs    : 0",
    "mar     : 0x5",
    "mor     : 0x3",
  ]);
  assert.ok(lines.includes("zrwacap : 0"));
  // Five LBA formats; the namespace uses 2 (4 KiB, no metadata); zones are 0x100 blocks in each.
  assert.equal(lines.slice(-5), [
    "lbafe  0: zsze:0x100 zdes:0",
    "lbafe  1: zsze:0x100 zdes:0",
    "lbafe  2: zsze:0x100 zdes:0 (in use)",
    "lbafe  3: zsze:0x100 zdes:0",
    "lbafe  4: zsze:0x100 zdes:0",
  ]);
  const json = JSON.parse(nvmekit(["zns", "id-ns", "-n", "3", "-o", "json"]).stdout);
  assert.equal(
    Object.keys(json).join(" "),
    "zoc ozcs mar mor rrl frl rrl1 rrl2 rrl3 frl1 frl2 frl3 numzrwa zrwafg zrwasz zrwacap lbafe",
  );
  assert.equal([json.mar, json.mor, json.lbafe.length, json.lbafe[2]], [5, 3, 5, { zsze: 256, zdes: 0 }]);
});

test("zone-append writes at the write pointer of a fresh zone and says where; the data reads back", () => {
  const dir = tempDir("zns");
  const env = { NVMEKIT_SOFT_DIR: join(dir, "soft") };
  const data = randomBytes(5000);
  writeFileSync(join(dir, "in.bin"), data);
  const r = nvmekit(["zns", "zone-append", "-s", "0x100", "-d", join(dir, "in.bin")], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "appended 2 blocks at LBA 0x100 (zone 0x100, namespace 3)\n");
  assert.match(r.stderr, /in\.bin: 5000 bytes, padded with zeroes to 8192/);
  const back = nvmekit(["read", "-n", "3", "-s", "256", "-c", "2"], env).bytes;
  assert.equal(Buffer.compare(back.subarray(0, 5000), data), 0);
  assert.ok(back.subarray(5000).every((b) => b === 0));
  const json = nvmekit(["zns", "zone-append", "-s", "0x200", "-z", "4k", "--json"], env, "hi");
  assert.equal(JSON.parse(json.stdout), { nsid: 3, zslba: 512, lba: 512, blocks: 1 });
});

test("with NVMEKIT_SOFT_DIR zones keep their state between commands: a second append lands after the first", () => {
  const env = { NVMEKIT_SOFT_DIR: join(tempDir("zns-state"), "soft") };
  const append = (text: string) =>
    nvmekit(["zns", "zone-append", "-s", "0x300", "-z", "4k", "--json"], env, text);
  assert.equal(JSON.parse(append("one").stdout).lba, 0x300);
  assert.equal(JSON.parse(append("two").stdout).lba, 0x301, "at the write pointer the first one left");
  const report = nvmekit(["zns", "report-zones", "-s", "0x300", "-d", "1"], env);
  // The zone was implicitly opened; the controller's shutdown at the end of the command closed it.
  assert.match(report.stdout, /^SLBA: 0x300 +WP: 0x302 +Cap: 0xc0 +State: 0x40 /m);
  const first = nvmekit(["read", "-n", "3", "-s", "0x300", "-c", "1"], env).bytes;
  assert.equal(first.subarray(0, 3).toString(), "one", "the second append did not overwrite the first");
  assert.equal(nvmekit(["zns", "finish-zone", "-s", "0x300"], env).code, 0);
  assert.match(
    nvmekit(["zns", "report-zones", "-S", "full"], env).stdout,
    /^SLBA: 0x300 +WP: 0xffffffffffffffff Cap: 0xc0 +State: 0xe0 /m,
  );
});

test("zone actions: -s a zone or -a all, each says what it did; the device's refusal is exit code 1", () => {
  for (const action of ["reset-zone", "open-zone", "finish-zone"]) {
    const one = nvmekit(["zns", action, "-s", "0x200"]);
    assert.equal(one.code, 0, `${action}: ${one.stderr}`);
  }
  assert.match(
    nvmekit(["zns", "finish-zone", "-s", "0x200"]).stderr,
    /finished the zone at LBA 0x200 of namespace 3/,
  );
  assert.match(nvmekit(["zns", "reset-zone", "-a"]).stderr, /reset all zones of namespace 3/);
  // In memory each process starts with every zone Empty: closing one, or taking it offline, is not a
  // transition the state machine has.
  for (const action of ["close-zone", "offline-zone"]) {
    const r = nvmekit(["zns", action, "-s", "0"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.errors.join("\n"),
      /lba 0 failed: Invalid Zone State Transition \(SCT 0x1, SC 0xbf, DNR\)$/,
    );
  }
});

test("bad input is refused with a clear message and exit code before anything is sent", () => {
  const fails = (args: string[], code: number, message: RegExp, input?: string) => {
    const r = nvmekit(["zns", ...args], {}, input);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.errors.join("\n"), message, args.join(" "));
  };
  fails(
    ["report-zones", "-n", "1"],
    2,
    /^nvmekit: namespace 1 is not zoned; its zoned namespaces are 3 \(--ns\)$/,
  );
  fails(["id-ns", "-n", "2"], 2, /namespace 2 is not zoned/);
  fails(
    ["report-zones", "-n", "9"],
    1,
    /namespace 9 is not active on this controller; its namespaces are 1, 2, 3/,
  );
  fails(
    ["reset-zone", "-s", "0x101"],
    2,
    /--start-lba 0x101 \(257\) is not the first LBA of a zone: the zones of namespace 3 start every 0x100 blocks \(this LBA is in the zone at 0x100\)/,
  );
  fails(
    ["finish-zone", "-s", "2048"],
    2,
    /--start-lba 0x800 \(2048\) is past the zones of namespace 3: 8 zones of 0x100 blocks end at LBA 0x7ff/,
  );
  fails(["report-zones", "-s", "0x800"], 2, /--start-lba 0x800 \(2048\) is past the zones of namespace 3/);
  fails(["open-zone"], 2, /open-zone: give the zone's first LBA with -s\/--start-lba, or -a\/--select-all/);
  fails(["close-zone", "-a", "-s", "0"], 2, /close-zone: give the zone's first LBA .* \(not both\)/);
  fails(
    ["report-zones", "-S", "half"],
    2,
    /give one of all, empty, imp-opened, exp-opened, closed, full, read-only, offline, or its number 0 to 7/,
  );
  fails(["report-zones", "-d", "0"], 2, /option '-d, --descs <n>' argument '0' is invalid/);
  fails(["report-zones", "-o", "xml"], 2, /give one of normal, json/);
  fails(["zone-append", "-s", "0x101"], 2, /--zslba 0x101 \(257\) is not the first LBA of a zone/, "x");
  fails(
    ["zone-append", "-s", "0", "-z", "5000"],
    2,
    /--data-size 5000: give whole 4096-byte blocks of namespace 3/,
    "x",
  );
  fails(
    ["zone-append", "-s", "0", "-z", "256k"],
    2,
    /--data-size 262144 is more than one Zone Append carries on namespace 3 \(32 blocks, 131072 bytes\): append in pieces/,
    "x",
  );
  fails(
    ["zone-append", "-s", "0", "-z", "4096"],
    2,
    /stdin holds 4097 bytes, more than the 4096 bytes of --data-size/,
    "x".repeat(4097),
  );
  fails(["zone-append"], 2, /required option '-s, --zslba <lba>' not specified/);
});

// ---- in one process: state carried from command to command ----------------------------------------

/** The default soft controller in this thread, its zoned namespace and a queue pair. */
async function zonedTarget(): Promise<{
  ctrlr: Controller;
  ns: Namespace;
  qp: QueuePair;
  device: InThreadController;
  detach: () => Promise<void>;
}> {
  const { driver, ctrlr, device } = await attachInThread();
  const ns = zonedNamespace(ctrlr, undefined);
  const qp = await ctrlr.allocIoQpair();
  return { ctrlr, ns, qp, device, detach: () => driver.detach(ctrlr) };
}

/** What printJson writes, captured. */
function jsonText(value: unknown): string {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    printJson(value);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test("append moves the write pointer, finish makes the zone Full, reset empties it", async () => {
  const t = await zonedTarget();
  assert.is(t.ns.id, 3, "the first zoned namespace is the default one");
  const data = randomBytes(5 * 4096);
  const input = (from: number, to: number) => ({
    data: data.subarray(from * 4096, to * 4096),
    source: "test",
  });
  assert.equal(await appendToZone(t, 0x100, input(0, 3)), { lba: 0x100, blocks: 3 });
  assert.equal(await appendToZone(t, 0x100, input(3, 5)), { lba: 0x103, blocks: 2 });
  let r = await reportZones(t, { from: 0x100, most: 1 });
  assert.equal(zoneReportLines(r, false), [
    "nr_zones: 8",
    "SLBA: 0x100      WP: 0x105      Cap: 0xc0       State: 0x20 Type: 0x2  Attrs: 0    AttrsInfo: 0   ",
  ]);
  const back = t.ctrlr.allocBuffer(5 * 4096);
  await t.ns.read(t.qp, back.bytes, 0x100, 5);
  assert.equal(Buffer.compare(back.bytes, data), 0, "the appended data, in order");

  await sendZoneAction(t, "finish-zone", 0x100);
  r = await reportZones(t, { from: 0, filter: ZoneReportFilter.Full });
  assert.equal(r.nrZones, 1);
  // A full zone's write pointer is not valid: all ones, as QEMU reports it.
  assert.equal(zoneReportLines(r, true), [
    "nr_zones: 1",
    "SLBA: 0x100      WP: 0xffffffffffffffff Cap: 0xc0       State: FULL         Type: SEQWRITE_REQ  ",
    "Attrs: Zone Descriptor Extension is Not Valid",
  ]);
  const full = await appendToZone(t, 0x100, input(0, 1)).catch((e: unknown) => e);
  assert.instance(full, NvmeStatusError);
  assert.is((full as NvmeStatusError).statusName, "Zone Is Full");

  await sendZoneAction(t, "reset-zone", "all");
  r = await reportZones(t, { from: 0 });
  assert.equal(
    r.zones.map((z) => [z.startLba, z.writePointer, z.state]),
    HEXES.map((_, i) => [i * 256, i * 256, 1]),
  );
  await t.ns.read(t.qp, back.bytes, 0x100, 5);
  assert.ok(
    back.bytes.every((b) => b === 0),
    "reset erased the zone",
  );
  t.ctrlr.freeBuffer(back);
  await t.detach();
});

test("a write pointer of all ones (QEMU's for a full zone) prints every digit, as nvme-cli does", () => {
  const full = {
    type: 2,
    state: 0xe,
    attributes: 0,
    attributesInfo: 0,
    capacity: 192,
    startLba: 256,
    writePointer: -1,
  };
  const listing = { nrZones: 1, zones: [full] };
  assert.match(
    jsonText(zoneReportJson(listing)),
    /"slba": 256,\n\s+"wp": 18446744073709551615,\n\s+"cap": 192,\n\s+"state": "FULL",\n\s+"type": "SEQWRITE_REQ"/,
  );
  assert.equal(zoneReportLines(listing, false), [
    "nr_zones: 1",
    "SLBA: 0x100      WP: 0xffffffffffffffff Cap: 0xc0       State: 0xe0 Type: 0x2  Attrs: 0    AttrsInfo: 0   ",
  ]);
  // Bigints elsewhere stay decimal strings (nvme-cli's 128-bit fields).
  assert.equal(JSON.parse(jsonText({ big: 2n ** 100n })), { big: (2n ** 100n).toString() });
});

test("open and close: the open limit holds, the states filter the report, close keeps zones active", async () => {
  const t = await zonedTarget();
  for (const zone of [0, 0x100, 0x200, 0x300]) await sendZoneAction(t, "open-zone", zone);
  const fifth = await sendZoneAction(t, "open-zone", 0x400).catch((e: unknown) => e);
  assert.is((fifth as NvmeStatusError).statusName, "Too Many Open Zones");
  const open = await reportZones(t, { from: 0, filter: ZoneReportFilter.ExplicitlyOpened });
  assert.equal(open.nrZones, 4);
  assert.equal(jsonText(zoneReportJson(open)).match(/"state": "EXP_OPENED"/g)?.length, 4);
  await sendZoneAction(t, "close-zone", "all");
  const closed = await reportZones(t, { from: 0x100, filter: ZoneReportFilter.Closed, most: 2 });
  assert.equal([closed.nrZones, closed.zones.map((z) => z.startLba)], [4, [0x100, 0x200]]);
  await t.detach();
});

test("a refused command sends nothing: the queue pair saw no command", async () => {
  const t = await zonedTarget();
  const before = t.device.commandsOn(t.qp.id).length;
  const refused = [
    appendToZone(t, 0x101, { data: new Uint8Array(1), source: "test" }),
    appendToZone(t, 0, { data: new Uint8Array(1), source: "test" }, 33 * 4096),
    sendZoneAction(t, "reset-zone", 0x800),
    reportZones(t, { from: 0x800 }),
  ];
  for (const p of refused) assert.instance(await p.catch((e: unknown) => e), UsageError);
  assert.is(t.device.commandsOn(t.qp.id).length, before);
  const id = await identifyZoned(t.ctrlr, t.ns);
  assert.equal([id.id.maxOpenZones, id.id.maxActiveZones, id.zrwa.numzrwa], [4, 6, 0]);
  await t.detach();
});

test.run();
