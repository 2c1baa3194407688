// Every user error of the CLI: one line on stderr that says what is wrong and how to fix it, a
// non-zero exit code (2 for the command line, 1 for the device or the machine), and no stack trace.
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fakeMachine, nvmekit, tempDir } from "./run-cli.js";

/** Runs and checks the exit code and that stderr holds exactly one error line matching `message`. */
function fails(
  args: string[],
  code: number,
  message: RegExp,
  env: Record<string, string> = {},
  input?: string,
) {
  const r = nvmekit(args, env, input);
  assert.equal(r.code, code, `${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  assert.equal(r.errors.length, 1, `one line: ${r.stderr}`);
  assert.match(r.errors[0]!, /^nvmekit: /);
  assert.match(r.errors[0]!, message);
  assert.not.match(r.stderr, /\n\s+at /, "no stack trace");
  assert.equal(r.stdout, "", "nothing on stdout");
}

test("a malformed transport ID names the bad token and shows the right form", () => {
  fails(
    ["identify", "-r", "trtype:PCIe traddr:zz"],
    2,
    /traddr:zz.*write it as -r 'trtype:PCIe traddr:0000:01:00\.0'/,
  );
  fails(["perf", "-r", "trtype:FOO"], 2, /unknown trtype; use PCIe, RDMA, TCP/);
  fails(["list", "-r", "x"], 2, /missing ':' between key and value in "x"/);
  fails(["list", "--bogus"], 2, /unknown option '--bogus'/);
  fails(
    ["read", "-r", "traddr", "--lba", "0", "--count", "1"],
    2,
    /missing ':' between key and value in "traddr"/,
  );
});

test("an absent device: no such PCI function, no such software controller, not an NVMe function", () => {
  const machine = fakeMachine();
  fails(
    ["identify", "-r", "trtype:PCIe traddr:0000:09:00.0"],
    1,
    /no PCI function at 0000:09:00\.0 on this machine: `nvmekit list`/,
    machine,
  );
  fails(
    ["identify", "-r", "trtype:PCIe traddr:fffe:00:05.0"],
    1,
    /no NVMe function at fffe:00:05\.0: `nvmekit list`/,
  );
  fails(
    ["identify", "-r", "trtype:PCIe traddr:0000:02:00.0"],
    1,
    /0000:02:00\.0 is not an NVMe controller/,
    machine,
  );
});

test("a device bound to the kernel's driver, or with no IOMMU, or without VFIO: the exact fix", () => {
  const machine = fakeMachine();
  fails(
    ["identify", "-r", "trtype:PCIe traddr:0000:01:00.0"],
    1,
    /0000:01:00\.0 is bound to nvme, not vfio-pci\. As root: echo 0000:01:00\.0 > \/sys\/bus\/pci\/devices\/0000:01:00\.0\/driver\/unbind; .*drivers_probe \(or run `sudo nvmekit setup 0000:01:00\.0`\)$/,
    machine,
  );
  fails(
    ["perf", "-r", "trtype:PCIe traddr:0000:04:00.0"],
    1,
    /0000:04:00\.0 has no IOMMU group: the IOMMU is off.*intel_iommu=on/,
    machine,
  );
  fails(
    ["identify", "-r", "trtype:PCIe traddr:0000:03:00.0"],
    1,
    /VFIO is not available: \/dev\/vfio\/vfio is missing: load VFIO with `modprobe vfio-pci`; \/dev\/iommu is missing/,
    machine,
  );
});

test("bad numbers are refused before anything is opened, naming the flag", () => {
  fails(
    ["perf", "-q", "0"],
    2,
    /option '-q, --io-depth <n>' argument '0' is invalid\. give a whole number, 1 to 65536/,
  );
  fails(
    ["perf", "-o", "4x"],
    2,
    /option '-o, --io-size <bytes>' argument '4x' is invalid\. give a size in bytes such as 4096 or 4k/,
  );
  fails(
    ["perf", "-t", "abc"],
    2,
    /option '-t, --time <seconds>' argument 'abc' is invalid\. give a time in seconds/,
  );
  fails(
    ["perf", "-M", "101", "-w", "rw"],
    2,
    /option '-M, --rwmixread <percent>' argument '101' is invalid\. give a whole number, 0 to 100/,
  );
  fails(
    ["perf", "-w", "trim"],
    2,
    /argument 'trim' is invalid\. give one of read, write, randread, randwrite, rw, randrw/,
  );
  fails(["perf", "-w", "randrw"], 2, /-w randrw needs -M, the percentage of reads/);
  fails(["perf", "-q", "2", "-P", "4"], 2, /-q 2 is spread over --qpairs 4: give -q at least 4/);
  fails(
    ["perf", "-P", "9", "-q", "16"],
    2,
    /3 namespaces × --qpairs 9 needs 27 I\/O queues; this controller grants 16 \(lower --qpairs or pick one with --ns\)/,
  );
  fails(["perf", "--ns", "2", "-o", "1000"], 2, /ioSize: 1000: give a multiple of the 4096-byte block/);
  fails(["read", "--lba", "-1", "--count", "1"], 2, /option '-s, --lba <lba>' argument '-1' is invalid/);
  fails(
    ["read", "--lba", "0", "--count", "0"],
    2,
    /option '-c, --count <blocks>' argument '0' is invalid\. give a whole number, 1 or more/,
  );
  fails(["identify", "--ns", "x"], 2, /option '-n, --ns <NSID>' argument 'x' is invalid/);
});

test("ranges and namespaces that do not exist", () => {
  fails(
    ["read", "--lba", "16380", "--count", "8"],
    2,
    /--lba 16380 --count 8 ends past namespace 1, which has 16384 blocks \(LBAs 0 to 16383\)/,
  );
  fails(
    ["write-zeroes", "--ns", "2", "--lba", "4096", "--count", "1"],
    2,
    /ends past namespace 2, which has 4096 blocks/,
  );
  fails(
    ["identify", "--ns", "9"],
    1,
    /namespace 9 is not active on this controller; its namespaces are 1, 2, 3/,
  );
  fails(["read", "--lba", "0"], 2, /required option '-c, --count <blocks>' not specified/);
  fails(["dsm", "--lba", "0", "--count", "1"], 2, /dsm: give at least one of --deallocate, --idr, --idw/);
});

test("data that does not fit, and a --data file that is not there", () => {
  fails(
    ["write", "--lba", "0", "--count", "1"],
    2,
    /stdin holds 600 bytes, more than the 512 bytes of --count: raise --count or trim the input/,
    {},
    "x".repeat(600),
  );
  const missing = join(tempDir("missing"), "nope.bin");
  fails(["write", "--lba", "0", "--count", "1", "--data", missing], 1, new RegExp(`${missing}: ENOENT`));
});

test("unknown commands and flags", () => {
  fails(["frobnicate"], 2, /unknown command 'frobnicate'/);
  fails(["perf", "--bogus"], 2, /unknown option '--bogus'/);
  fails(["idenitfy"], 2, /unknown command 'idenitfy' \(Did you mean identify\?\)/);
});

test.run();
