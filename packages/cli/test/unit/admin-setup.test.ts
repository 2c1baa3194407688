// Log pages, features and format on the built-in software controller, and setup / reset-binding
// in --dry-run on a fake PCI bus: what they print, and their user errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fakeMachine, nvmekit } from "./run-cli.js";

test("log smart|error|fw, in text and with nvme-cli's smart-log JSON names", () => {
  const smart = nvmekit(["log", "smart", "--json"]);
  assert.equal(smart.code, 0, smart.stderr);
  const s = JSON.parse(smart.stdout);
  assert.equal(s.temperature, 310);
  assert.equal([s.avail_spare, s.critical_warning], [100, 0]);
  assert.type(s.data_units_read, "string", "128-bit counters are decimal strings, as nvme-cli");
  assert.match(nvmekit(["log", "smart"]).stdout, /^critical_warning\s+: 0x0\ntemperature\s+: 310\n/);
  const error = nvmekit(["log", "error", "--json"]);
  assert.equal([error.code, JSON.parse(error.stdout)], [0, []]);
  const fw = JSON.parse(nvmekit(["log", "fw", "--json"]).stdout);
  assert.equal(fw, { afi: 1, frs1: "1.0" });
  const bad = nvmekit(["log", "telemetry"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.errors[0]!,
    /^nvmekit: command-argument value 'telemetry' is invalid for argument 'page'\. give one of smart, error, fw\.$/,
  );
});

test("features get by name or number, decoded; set then get in one controller's life", () => {
  const byName = nvmekit(["features", "get", "number-of-queues"]);
  assert.equal(byName.code, 0, byName.stderr);
  assert.match(
    byName.stdout,
    /^get-feature:0x07 \(number-of-queues\), Current value:0x000f000f\n {2}\{"submissionQueues":16,"completionQueues":16\}/,
  );
  const byId = JSON.parse(nvmekit(["features", "get", "0x06", "--json"]).stdout);
  assert.equal(byId, { fid: 6, name: "volatile-write-cache", value: 1, decoded: { wce: true } });
  const set = nvmekit(["features", "set", "volatile-write-cache", "0"]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /^set-feature:0x06 \(volatile-write-cache\), value:0x00000000/);
  for (const [args, message] of [
    [
      ["features", "get", "bogus"],
      /unknown feature "bogus": give a number from 1 to 0xff or a name such as arbitration/,
    ],
    [["features", "get", "timestamp"], /feature 0xe carries its value in a data buffer/],
    [
      ["features", "set", "6", "x"],
      /value 'x' is invalid for argument 'value'\. give a whole number, 0 to 4294967295/,
    ],
  ] as const) {
    const r = nvmekit([...args]);
    assert.equal([r.code, r.errors.length], [2, 1], r.stderr);
    assert.match(r.errors[0]!, message);
  }
});

test("format changes the LBA format; a real device needs --force; a missing format is refused", () => {
  const r = nvmekit(["format", "--ns", "2", "--lbaf", "0"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /formatted namespace 2: LBA format 0, 32768 blocks of 512 B \+ 0 B/);
  const real = nvmekit(["format", "-r", "trtype:PCIe traddr:0000:01:00.0", "--lbaf", "0"]);
  assert.equal(real.code, 2);
  assert.equal(real.errors, [
    "nvmekit: format erases namespace 1 of trtype:PCIe traddr:0000:01:00.0: add --force to do it",
  ]);
  const missing = nvmekit(["format", "--lbaf", "9"]);
  assert.equal(missing.code, 2);
  assert.match(missing.errors[0]!, /--lbaf 9: namespace 1 offers LBA formats 0 to 4/);
});

test("setup --dry-run prints the transport's bind commands and what the machine still lacks", () => {
  const r = nvmekit(["setup", "--dry-run", "--hugemem", "64m"], fakeMachine());
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^would run:\n {2}echo 0000:01:00\.0 > \/sys\/bus\/pci\/devices\/0000:01:00\.0\/driver\/unbind\n/,
  );
  assert.match(
    r.stdout,
    / {2}echo vfio-pci > \/sys\/bus\/pci\/devices\/0000:01:00\.0\/driver_override\n {2}echo 0000:01:00\.0 > \/sys\/bus\/pci\/drivers_probe\n/,
  );
  assert.not.match(
    r.stdout,
    /0000:02:00\.0|0000:03:00\.0 > /,
    "not the network card, not what is on vfio-pci already",
  );
  assert.match(r.stdout, /\nok +IOMMU: on \(3 groups\)/);
  assert.match(r.stdout, /\nok +vfio-pci: loaded/);
  assert.match(r.stderr, /0000:04:00\.0: not binding, it has no IOMMU group/);
  assert.match(r.stderr, /0000:03:00\.0 \(1b36 10\): vfio-pci -> vfio-pci \(already\)/);
  const one = nvmekit(["setup", "--dry-run", "0000:09:00.0"], fakeMachine());
  assert.equal(one.code, 1);
  assert.match(
    one.errors[0]!,
    /^nvmekit: 0000:09:00\.0 is not an NVMe function on this machine: `nvmekit list` shows them$/,
  );
});

test("reset-binding --dry-run gives vfio-pci functions back to nvme, leaves the rest", () => {
  const r = nvmekit(["reset-binding", "--dry-run"], fakeMachine());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "would run:\n" +
      "  echo 0000:03:00.0 > /sys/bus/pci/devices/0000:03:00.0/driver/unbind\n" +
      "  echo nvme > /sys/bus/pci/devices/0000:03:00.0/driver_override\n" +
      "  echo 0000:03:00.0 > /sys/bus/pci/drivers_probe\n",
  );
  assert.match(r.stderr, /0000:01:00\.0: on nvme, left as is/);
});

test.run();
