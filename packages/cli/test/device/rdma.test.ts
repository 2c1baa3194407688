// rig-config: fabrics
// The `nvmekit` command over NVMe-oF RDMA (the Linux nvmet-rdma target on soft-RoCE in the rig's
// guest), run as a child process as a user would: discover lists what nvme-cli's discover lists,
// and perf with --verify finds every pattern it wrote in worker threads with their own RDMA queue
// pairs (the controller's thread's I/O is nvmet-rdma.test's; each command here costs a Node start).
import { execFileSync, spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";

const BIN = "packages/cli/bin/nvmekit.js";
const TRADDR = "10.66.0.1";
const DISCOVERY = `trtype:RDMA adrfam:IPv4 traddr:${TRADDR} trsvcid:4420`;
// The file-backed subsystem (256 MiB): --verify first writes the whole namespace, in 128 KiB I/Os.
const FILE_NQN = "nqn.2024-01.io.nvmekit:file";

function nvmekit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 200_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("discover over RDMA lists the subsystems nvme discover lists", () => {
  execFileSync("modprobe", ["nvme-rdma"]);
  const theirs = JSON.parse(
    execFileSync("nvme", ["discover", "-t", "rdma", "-a", TRADDR, "-s", "4420", "-o", "json"], {
      encoding: "utf8",
    }),
  );
  const r = nvmekit(["discover", "-r", DISCOVERY, "--json"]);
  assert.is(r.code, 0, r.stderr);
  const ours = JSON.parse(r.stdout);
  const names = (records: { subnqn: string; trtype: string }[]) =>
    records.map((e) => `${e.trtype} ${e.subnqn}`).sort();
  assert.equal(names(ours.records), names(theirs.records));
});

test("perf --verify over RDMA in 2 worker threads: every read is checked and finds what was written", () => {
  const r = nvmekit([
    ...[
      "perf",
      "-r",
      `${DISCOVERY} subnqn:${FILE_NQN}`,
      "-q",
      "4",
      "-o",
      "128k",
      "-w",
      "randrw",
      "-M",
      "50",
      "-t",
      "2",
    ],
    // No warm-up (-a 0): its reads are checked too but not counted, and this compares the two.
    ...["-a", "0", "--workers", "2", "--verify", "--json"],
  ]);
  assert.is(r.code, 0, r.stderr);
  const { total, namespaces } = JSON.parse(r.stdout);
  assert.ok(total.ios > 100, `${total.ios} I/Os`);
  assert.ok(total.reads > 0 && total.reads < total.ios, "reads and writes both ran");
  assert.is(total.verify.checked, total.reads, "every read checked against the model");
  assert.is(total.verifyFailures, 0);
  assert.is(total.errors, 0);
  assert.is(new Set(namespaces.map((n: { worker: number }) => n.worker)).size, 2, "both workers ran");
});

test.run();
