// rig-config: zoned
// `nvmekit zns` on QEMU's zoned namespace through VFIO against `nvme zns` (nvme-cli on the kernel's
// driver) on the same controller: report-zones (text, JSON, -s/-d, -S) and id-ns print the same,
// before and after zone state that nvme-cli made and state that nvmekit made; the kernel reads back
// what nvmekit appended; bad input is refused before anything is sent. Ends with every zone Empty,
// as the other suite of this configuration (transport-pcie engine/zoned) expects a fresh namespace.
// The commands run in this process through the CLI's own entry point (`run`, what bin/nvmekit.js
// calls): a node start per command costs the guest tens of seconds. The unit tests run them as
// child processes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "@nvmekit/cli";
import { test } from "uvu";
import * as assert from "uvu/assert";

/** The zoned configuration (test/rig/configs.mjs): 4 KiB blocks, zones of 0x100 blocks, ZASL 32 KiB. */
const BS = 4096;
const ZONE = 0x100;

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: "utf8" });
const bind = (driver: "vfio" | "nvme"): string => sh("sh", ["test/rig/guest/nvme-bind.sh", driver]).trim();

/** Runs `nvmekit args...` in this process; what it wrote to stdout and stderr, and its exit code. */
async function nvmekit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const streams = { stdout: process.stdout, stderr: process.stderr } as const;
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ["stdout", "stderr"] as const) {
    streams[name].write = ((chunk: string | Uint8Array) => {
      out[name] += chunk.toString();
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    const code = await run(["node", "nvmekit", ...args]);
    return { code, ...out };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
}

/** The namespace's block device on the kernel's driver, e.g. /dev/nvme0n1. */
function kernelNamespace(): string {
  const bdf = bind("nvme");
  return `/dev/${sh("ls", [`/sys/bus/pci/devices/${bdf}/nvme`]).trim()}n1`;
}

/** What nvme-cli and nvmekit print for the same questions: [nvme-cli arguments, nvmekit arguments]. */
const QUESTIONS: [string[], string[]][] = [
  [["report-zones"], ["report-zones"]],
  [
    ["report-zones", "-o", "json"],
    ["report-zones", "-o", "json"],
  ],
  [
    ["report-zones", "-s", "0x3ff", "-d", "2"],
    ["report-zones", "-s", "0x3ff", "-d", "2"],
  ],
  [
    ["report-zones", "-S", "4", "-o", "json"],
    ["report-zones", "--state", "closed", "-o", "json"],
  ],
  [["id-ns"], ["id-ns"]],
  [
    ["id-ns", "-o", "json"],
    ["id-ns", "-o", "json"],
  ],
];

/**
 * Asks nvme-cli every question on the kernel's driver, then nvmekit through VFIO, and asserts the same
 * answers (JSON as values, since nvme-cli writes it without spaces; text byte for byte). Returns
 * nvme-cli's report-zones text.
 */
async function sameAnswers(when: string): Promise<string> {
  const dev = kernelNamespace();
  const cli = QUESTIONS.map(([args]) => sh("nvme", ["zns", args[0]!, dev, ...args.slice(1)]));
  const trid = `trtype:PCIe traddr:${bind("vfio")}`;
  for (const [i, [cliArgs, ours]] of QUESTIONS.entries()) {
    const r = await nvmekit(["zns", ...ours, "-r", trid, "-n", "1"]);
    assert.equal(r.code, 0, `${when}: nvmekit zns ${ours.join(" ")}: ${r.stderr}`);
    const what = `${when}: nvme zns ${cliArgs.join(" ")}`;
    if (ours.includes("json")) assert.equal(JSON.parse(r.stdout), JSON.parse(cli[i]!), what);
    else assert.equal(r.stdout, cli[i], what);
  }
  return cli[0]!;
}

const zoneLine = (text: string, slba: number) =>
  text.split("\n").find((l) => l.startsWith(`SLBA: ${slba === 0 ? "0" : `0x${slba.toString(16)}`} `)) ?? "";

const scratch = mkdtempSync(join(tmpdir(), "zns-cli-"));

/** Writes `data` to a file of the scratch folder; its path. */
function file(name: string, data: Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, data);
  return path;
}

test("report-zones and id-ns print what nvme-cli prints, for zone state nvme-cli made", async () => {
  const dev = kernelNamespace();
  const one = file("one.bin", Buffer.alloc(BS, 7));
  sh("nvme", ["zns", "reset-zone", dev, "-a"]);
  sh("nvme", ["zns", "zone-append", dev, "-s", String(2 * ZONE), "-z", String(BS), "-d", one]);
  sh("nvme", ["zns", "close-zone", dev, "-s", String(2 * ZONE)]);
  sh("nvme", ["zns", "finish-zone", dev, "-s", String(3 * ZONE)]);
  const report = await sameAnswers("nvme-cli's state");
  assert.match(zoneLine(report, 2 * ZONE), /WP: 0x201 .*State: 0x40 /, "zone 2 closed after one block");
  assert.match(zoneLine(report, 3 * ZONE), /WP: 0xffffffffffffffff .*State: 0xe0 /, "zone 3 full");
});

test("state nvmekit makes (append, close, finish, open, reset) is what nvme-cli then reports; the kernel reads the data", async () => {
  const trid = ["-r", `trtype:PCIe traddr:${bind("vfio")}`, "-n", "1"];
  const data = Buffer.alloc(5 * BS);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 17) & 0xff;
  const head = file("head.bin", data.subarray(0, 3 * BS));
  const first = await nvmekit([
    "zns",
    "zone-append",
    ...trid,
    "-s",
    String(5 * ZONE),
    "-d",
    head,
    "-o",
    "json",
  ]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout), { nsid: 1, zslba: 5 * ZONE, lba: 5 * ZONE, blocks: 3 });
  const tail = file("tail.bin", data.subarray(3 * BS));
  const second = await nvmekit(["zns", "zone-append", ...trid, "-s", "0x500", "-d", tail]);
  assert.equal(second.stdout, "appended 2 blocks at LBA 0x503 (zone 0x500, namespace 1)\n", second.stderr);
  for (const [action, zone] of [
    ["close-zone", 5],
    ["finish-zone", 6],
    ["open-zone", 7],
    ["finish-zone", 7],
    ["reset-zone", 2],
  ] as const) {
    const r = await nvmekit(["zns", action, ...trid, "-s", `0x${(zone * ZONE).toString(16)}`]);
    assert.equal(r.code, 0, `${action} zone ${zone}: ${r.stderr}`);
  }
  const ours = JSON.parse((await nvmekit(["zns", "report-zones", ...trid, "-d", "8", "--json"])).stdout);
  assert.equal(
    ours.zone_list.map((z: { state: string }) => z.state),
    ["EMPTY", "EMPTY", "EMPTY", "FULL", "EMPTY", "CLOSED", "FULL", "FULL"],
  );
  assert.equal(ours.zone_list[5].wp, 5 * ZONE + 5);

  const report = await sameAnswers("nvmekit's state");
  assert.match(zoneLine(report, 5 * ZONE), /WP: 0x505 .*State: 0x40 /);
  const dev = kernelNamespace();
  const read = execFileSync("dd", [
    `if=${dev}`,
    `bs=${BS}`,
    `skip=${5 * ZONE}`,
    "count=5",
    "iflag=direct",
    "status=none",
  ]);
  assert.equal(Buffer.compare(read, data), 0, "the kernel reads what nvmekit appended");
});

test("bad input is refused with its exit code; reset-zone -a leaves every zone Empty", async () => {
  const trid = ["-r", `trtype:PCIe traddr:${bind("vfio")}`];
  const one = file("block.bin", Buffer.alloc(BS, 1));
  const refused: [string[], RegExp][] = [
    [["report-zones", "-n", "2"], /namespace 2 is not zoned; its zoned namespaces are 1 \(--ns\)/],
    [["reset-zone", "-n", "1", "-s", "0x101"], /--start-lba 0x101 \(257\) is not the first LBA of a zone/],
    [
      ["finish-zone", "-n", "1", "-s", "0x4000"],
      /past the zones of namespace 1: 64 zones of 0x100 blocks end at LBA 0x3fff/,
    ],
    // ZASL 3: 2^3 pages of 4 KiB, 8 blocks per Zone Append.
    [
      ["zone-append", "-n", "1", "-s", "0", "-z", "36k", "-d", one],
      /more than one Zone Append carries on namespace 1 \(8 blocks, 32768 bytes\)/,
    ],
  ];
  for (const [args, message] of refused) {
    const r = await nvmekit(["zns", ...args, ...trid]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // What the device refuses: a Zone Append to a full zone.
  const full = await nvmekit(["zns", "zone-append", ...trid, "-s", String(6 * ZONE), "-d", one]);
  assert.equal(full.code, 1, full.stderr);
  assert.match(full.stderr, /Zone Is Full/);

  const reset = await nvmekit(["zns", "reset-zone", ...trid, "-a"]);
  assert.equal(reset.code, 0, reset.stderr);
  const after = JSON.parse((await nvmekit(["zns", "report-zones", ...trid, "-o", "json"])).stdout);
  assert.equal(after.nr_zones, 64);
  const fresh = after.zone_list.every(
    (z: { state: string; wp: number; slba: number }) => z.state === "EMPTY" && z.wp === z.slba,
  );
  assert.ok(fresh, "every zone Empty, its write pointer at its start");
});

test.run();
