// The CLI over NVMe/TCP, run as a user would: `nvmekit target` in one process (the built-in software
// controller behind it, on a free port), then discover, list -r, write/read and perf against it from
// others, and Ctrl-C stopping the target cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nvmekit } from "./run-cli.js";

const BIN = new URL("../../../bin/nvmekit.js", import.meta.url).pathname;
const SUBNQN = "nqn.2024-01.io.nvmekit:cli-test";

/** Starts `nvmekit target` on a free port; resolves with the process and the port it listens on. */
function startTarget(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, "target", "--port", "0", "--subnqn", SUBNQN], {
    env: { ...process.env, NVMEKIT_SOFT_DIR: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`target exited (${code}) before listening: ${out}`)));
  });
}

test("discover, list -r, write/read and perf over NVMe/TCP against nvmekit target; Ctrl-C stops it", async () => {
  const { child, port } = await startTarget();
  try {
    const at = `trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:${port}`;
    const trid = `${at} subnqn:${SUBNQN}`;

    const discover = nvmekit(["discover", "-r", at, "--json"]);
    assert.is(discover.code, 0, discover.stderr);
    const log = JSON.parse(discover.stdout);
    const ours = log.records.find((r: { subnqn: string }) => r.subnqn === SUBNQN);
    assert.equal(
      [ours.trtype, ours.adrfam, ours.subtype, ours.trsvcid, ours.traddr],
      ["tcp", "ipv4", "nvme subsystem", String(port), "127.0.0.1"],
    );
    const text = nvmekit(["discover", "-r", at]);
    assert.match(
      text.stdout,
      /^Discovery Log Number of Records \d+, Generation counter \d+\n=====Discovery Log Entry 0======/,
    );

    const list = JSON.parse(nvmekit(["list", "-r", at, "--json"]).stdout);
    assert.equal(list.controllers.length, 1);
    assert.is(list.controllers[0].trid, `${trid}`);
    assert.equal(
      list.controllers[0].namespaces.map((n: { nsid: number }) => n.nsid),
      [1, 2, 3],
    );

    const data = randomBytes(8 * 512);
    const w = nvmekit(["write", "-r", trid, "-n", "1", "-s", "40", "-c", "8"], {}, data);
    assert.is(w.code, 0, w.stderr);
    const r = nvmekit(["read", "-r", trid, "-n", "1", "-s", "40", "-c", "8"]);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.bytes.equals(data), "read back what was written, over TCP");

    const perf = nvmekit([
      "perf",
      "-r",
      trid,
      "-n",
      "1",
      "-q",
      "8",
      "-o",
      "16384",
      "-w",
      "randrw",
      "-M",
      "50",
      "-t",
      "1",
      "--verify",
      "--json",
    ]);
    assert.is(perf.code, 0, perf.stderr);
    const summary = JSON.parse(perf.stdout);
    assert.ok(summary.total.ios > 0);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    assert.is(await exited, 0, "Ctrl-C stops the target cleanly");
  }
});

test("a wrong subnqn and nothing listening are clear errors", () => {
  const wrong = nvmekit([
    "identify",
    "-r",
    "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:1 subnqn:nqn.x:y",
  ]);
  assert.is.not(wrong.code, 0);
  assert.match(wrong.stderr, /connection refused/);
});

test.run();
