// rig-config: default
// The `nvmekit` command on QEMU's NVMe controller through VFIO, run as a child process as a user
// would: list, identify agreeing with nvme-cli's `id-ctrl`/`id-ns -o json` on every field both
// print, perf --verify, the kernel-driver error, and setup / reset-binding moving the function.
import { execFileSync, spawnSync } from "node:child_process";
import { readlinkSync } from "node:fs";
import { basename } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const BIN = "packages/cli/bin/nvmekit.js";

function bind(driver: "vfio" | "nvme"): string {
  return execFileSync("sh", ["test/rig/guest/nvme-bind.sh", driver], { encoding: "utf8" }).trim();
}

function nvmekit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const driverOf = (bdf: string) => basename(readlinkSync(`/sys/bus/pci/devices/${bdf}/driver`));

/** Asserts `ours` equals `theirs` on every key both have; returns how many were compared. */
function agree(ours: Record<string, unknown>, theirs: Record<string, unknown>, what: string): number {
  const shared = Object.keys(theirs).filter((k) => k in ours);
  for (const k of shared) assert.equal(ours[k], theirs[k], `${what}.${k}`);
  return shared.length;
}

test("identify --json agrees with nvme-cli's id-ctrl and id-ns on every field both print", () => {
  bind("nvme");
  const ctrl = JSON.parse(
    execFileSync("nvme", ["id-ctrl", "/dev/nvme0", "-o", "json"], { encoding: "utf8" }),
  );
  const ns1 = JSON.parse(execFileSync("nvme", ["id-ns", "/dev/nvme0n1", "-o", "json"], { encoding: "utf8" }));
  const bdf = bind("vfio");
  const r = nvmekit(["identify", "-r", `trtype:PCIe traddr:${bdf}`, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /built-in software/, "-r given: no embedded-controller notice");
  const compared = agree(JSON.parse(r.stdout), ctrl, "id-ctrl");
  assert.ok(compared >= 80, `${compared} id-ctrl fields compared`);
  const n = nvmekit(["identify", "-r", `trtype:PCIe traddr:${bdf}`, "--ns", "1", "--json"]);
  assert.equal(n.code, 0, n.stderr);
  assert.ok(agree(JSON.parse(n.stdout), ns1, "id-ns") >= 35);
});

test("list shows QEMU's controller and its three namespaces", () => {
  const bdf = bind("vfio");
  const r = nvmekit(["list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const listing = JSON.parse(r.stdout);
  const qemu = listing.controllers.find((c: { trid: string }) => c.trid === `trtype:PCIe traddr:${bdf}`);
  assert.ok(qemu, r.stdout);
  assert.equal(qemu.model, "QEMU NVMe Ctrl");
  assert.equal(qemu.serial, "nvmekit-default");
  assert.equal(
    qemu.namespaces.map((n: { nsid: number; sectorSize: number }) => [n.nsid, n.sectorSize]),
    [
      [1, 512],
      [2, 4096],
      [3, 512],
    ],
  );
  assert.ok(
    listing.controllers.some((c: { software: boolean }) => c.software),
    "the built-in one too",
  );
  const text = nvmekit(["list"]);
  assert.match(text.stdout, new RegExp(`trtype:PCIe traddr:${bdf}\\s+QEMU NVMe Ctrl\\s+nvmekit-default`));
});

test("perf --verify on QEMU's controller: every read checked, none wrong, no errors", () => {
  const bdf = bind("vfio");
  const r = nvmekit([
    "perf",
    "-r",
    `trtype:PCIe traddr:${bdf}`,
    "--ns",
    "3",
    "-q",
    "16",
    "-o",
    "4k",
    "-w",
    "randrw",
    "-M",
    "50",
    "-t",
    "2",
    "-a",
    "0", // no warm-up: its reads are checked too but not counted, and this compares the two
    "--verify",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.total.reads > 100, JSON.stringify(out.total));
  assert.equal(out.total.verify.checked, out.total.reads, "every read checked against the model");
  assert.equal([out.total.verifyFailures, out.total.errors], [0, 0]);
  const all = nvmekit(["perf", "-r", `trtype:PCIe traddr:${bdf}`, "-q", "32", "-P", "2", "-t", "2"]);
  assert.equal(all.code, 0, all.stderr);
  for (const nsid of [1, 2, 3])
    assert.match(all.stdout, new RegExp(`traddr:${bdf} NSID ${nsid}\\s+[\\d,]+\\.\\d\\d`));
});

test("a function on the kernel's nvme driver: one line with the exact commands, exit code 1", () => {
  const bdf = bind("nvme");
  const r = nvmekit(["identify", "-r", `trtype:PCIe traddr:${bdf}`]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  const expected = new RegExp(
    `^nvmekit: ${bdf} is bound to nvme, not vfio-pci\\. As root: echo ${bdf} > /sys/bus/pci/devices/${bdf}/driver/unbind; .*\\(or run \`sudo nvmekit setup ${bdf}\`\\)$`,
  );
  assert.ok(expected.test(lines[0]!), lines[0]);
});

test("setup binds the function to vfio-pci and reset-binding gives it back to nvme", () => {
  const bdf = bind("nvme");
  const setup = nvmekit(["setup", bdf, "--hugemem", "0"]);
  assert.equal(driverOf(bdf), "vfio-pci", setup.stdout + setup.stderr);
  assert.match(setup.stdout, /ok +IOMMU: on/);
  assert.match(setup.stdout, /ok +vfio-pci: loaded/);
  assert.equal(
    nvmekit(["identify", "-r", `trtype:PCIe traddr:${bdf}`, "--json"]).code,
    0,
    "usable right away",
  );
  const reset = nvmekit(["reset-binding", bdf]);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(driverOf(bdf), "nvme");
});

test.run();
