// `nvmekit list` and `identify` on the built-in software controller, run as a child process: the
// controller and its namespaces, and identify's JSON with nvme-cli's field names and conventions.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fakeMachine, nvmekit } from "./run-cli.js";

// The keys nvme-cli 2.3 prints for `nvme id-ctrl -o json` (captured from QEMU's controller in the rig).
const NVME_CLI_ID_CTRL_KEYS =
  "vid ssvid sn mn fr rab ieee cmic mdts cntlid ver rtd3r rtd3e oaes ctratt rrls cntrltype fguid crdt1 crdt2 " +
  "crdt3 nvmsr vwci mec oacs acl aerl frmw lpa elpe npss avscc apsta wctemp cctemp mtfa hmpre hmmin tnvmcap " +
  "unvmcap rpmbs edstt dsto fwug kas hctma mntmt mxtmt sanicap hmminds hmmaxd nsetidmax endgidmax anatt anacap " +
  "anagrpmax nanagrpid pels domainid megcap sqes cqes maxcmd nn oncs fuses fna vwc awun awupf icsvscc nwpc acwu " +
  "ocfs sgls mnan maxdna maxcna subnqn ioccsz iorcsz icdoff fcatt msdbd ofcs psds";
const NVME_CLI_ID_NS_KEYS =
  "nsze ncap nuse nsfeat nlbaf flbas mc dpc dps nmic rescap fpi dlfeat nawun nawupf nacwu nabsn nabo nabspf " +
  "noiob nvmcap nsattr nvmsetid npwg npwa npdg npda nows mssrl mcl msrc nulbaf anagrpid endgid eui64 nguid lbafs";

test("list shows the software controller with its three namespaces, the zoned one marked, in text and JSON", () => {
  const text = nvmekit(["list"]);
  assert.equal(text.code, 0, text.stderr);
  const row = text.stdout.split("\n").find((l) => l.startsWith("trtype:PCIe traddr:fffe:00:00.0"));
  assert.ok(row, text.stdout);
  assert.match(row!, /nvmekit soft controller\s+NVMEKIT-SOFT-0\s+1\.0\s+1\s+8 MiB\s+512 B \+ 0 B/);
  assert.match(text.stdout, /\n\s+2\s+16 MiB\s+4 KiB \+ 0 B\n/);
  assert.match(text.stdout, /\n\s+3\s+8 MiB\s+4 KiB \+ 0 B, zoned\n/);

  const json = nvmekit(["list", "--json"]);
  const listing = JSON.parse(json.stdout);
  assert.equal(listing.controllers.length, 1);
  const c = listing.controllers[0];
  assert.equal([c.trid, c.software, c.serial], ["trtype:PCIe traddr:fffe:00:00.0", true, "NVMEKIT-SOFT-0"]);
  assert.equal(
    c.namespaces.map((n: { nsid: number; blocks: number; sectorSize: number; zoned: boolean }) => [
      n.nsid,
      n.blocks,
      n.sectorSize,
      n.zoned,
    ]),
    [
      [1, 16384, 512, false],
      [2, 4096, 4096, false],
      [3, 2048, 4096, true],
    ],
  );
});

test("list names NVMe functions it cannot use, with the exact commands, and leaves others out", () => {
  const r = nvmekit(["list"], fakeMachine());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /NVMe functions present but not usable:/);
  assert.match(r.stdout, /0000:01:00\.0 is bound to nvme, not vfio-pci\. As root:/);
  assert.match(r.stdout, /echo vfio-pci > \/sys\/bus\/pci\/devices\/0000:01:00\.0\/driver_override/);
  assert.match(
    r.stdout,
    /0000:03:00\.0 cannot be opened: \/dev\/vfio\/vfio is missing: load VFIO with `modprobe vfio-pci`/,
  );
  assert.match(r.stdout, /0000:04:00\.0 has no IOMMU group/);
  assert.not.match(r.stdout, /0000:02:00\.0/, "the network card is not an NVMe function");
  const json = JSON.parse(nvmekit(["list", "--json"], fakeMachine()).stdout);
  assert.equal(json.unusable.map((u: { address: string }) => u.address).sort(), [
    "0000:01:00.0",
    "0000:03:00.0",
    "0000:04:00.0",
  ]);
});

test("identify --json has nvme-cli's id-ctrl keys and value conventions", () => {
  const r = nvmekit(["identify", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no -r given: using the built-in software NVMe controller \(fffe:00:00\.0\)/);
  const id = JSON.parse(r.stdout);
  assert.equal(Object.keys(id).join(" "), NVME_CLI_ID_CTRL_KEYS);
  assert.equal(id.vid, 0x1b36);
  assert.equal(id.sn, "NVMEKIT-SOFT-0      ", "padded to 20 characters as the controller stores it");
  assert.equal(id.mn.length, 40);
  assert.equal(id.mn.trim(), "nvmekit soft controller");
  assert.equal(id.fr, "1.0     ");
  assert.equal(id.ver, 0x10400);
  assert.equal(id.mdts, 5);
  assert.type(id.ieee, "number");
  assert.type(id.tnvmcap, "string", "128-bit fields are decimal strings");
  assert.match(id.fguid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(id.sqes, 0x66);
  assert.equal(id.cqes, 0x44);
  assert.ok(id.nn >= 2);
  assert.ok(Array.isArray(id.psds) && id.psds.length === id.npss + 1);
  assert.equal(Object.keys(id.psds[0]).slice(0, 4), ["max_power", "flags", "entry_lat", "exit_lat"]);
});

test("identify --ns --json has nvme-cli's id-ns keys; the LBA format in use is 4 KiB for namespace 2", () => {
  const r = nvmekit(["identify", "--ns", "2", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const ns = JSON.parse(r.stdout);
  assert.equal(Object.keys(ns).join(" "), NVME_CLI_ID_NS_KEYS);
  assert.equal([ns.nsze, ns.ncap], [4096, 4096]);
  assert.equal(ns.lbafs.length, ns.nlbaf + 1);
  assert.equal(ns.lbafs[ns.flbas & 0xf], { ms: 0, ds: 12, rp: ns.lbafs[ns.flbas & 0xf].rp });
  assert.type(ns.nvmcap, "string");
});

test("identify in readable form: field : value lines, bit fields in hex, sizes spelled out", () => {
  const ctrl = nvmekit(["identify"]);
  assert.equal(ctrl.code, 0, ctrl.stderr);
  assert.match(ctrl.stdout, /^NVMe Identify Controller:\n/);
  assert.match(ctrl.stdout, /\nmn\s+: nvmekit soft controller/);
  assert.match(ctrl.stdout, /\nver\s+: 0x10400 {2}\(NVMe 1\.4\.0\)/);
  assert.match(ctrl.stdout, /\nmdts\s+: 5 {2}\(largest transfer 128 KiB\)/);
  const ns = nvmekit(["identify", "--ns", "1"]);
  assert.match(ns.stdout, /\nnsze\s+: 16384 {2}\(8 MiB in 512 B blocks\)/);
  assert.match(ns.stdout, /\nlbaf {2}0 : ms:0 +lbads:9 .*\(in use\)/);
});

test.run();
