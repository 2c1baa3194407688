// nvme-cli's I/O commands on the built-in software controller, run as child processes, with its
// namespaces kept in files (NVMEKIT_SOFT_DIR) so one command sees what the previous one wrote.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nvmekit, tempDir } from "./run-cli.js";

const dir = tempDir("io");
const env = { NVMEKIT_SOFT_DIR: join(dir, "soft") };
const run = (args: string[], input?: Buffer) => nvmekit(args, env, input);

test("write then read round-trips through files, across processes; the notice names the folder", () => {
  const data = randomBytes(16 * 512);
  writeFileSync(join(dir, "in.bin"), data);
  const w = run(["write", "--ns", "1", "--lba", "1000", "--count", "16", "--data", join(dir, "in.bin")]);
  assert.equal(w.code, 0, w.stderr);
  assert.match(
    w.stderr,
    new RegExp(`built-in software NVMe controller \\(fffe:00:00\\.0\\), data in ${env.NVMEKIT_SOFT_DIR}`),
  );
  const r = run(["read", "--ns", "1", "--lba", "1000", "--count", "16", "--data", join(dir, "out.bin")]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(Buffer.compare(readFileSync(join(dir, "out.bin")), data), 0);
});

test("a range larger than one command (MDTS 128 KiB) is split; stdin in, stdout out, 4 KiB blocks", () => {
  const data = randomBytes(100 * 4096);
  assert.equal(run(["write", "-n", "2", "-s", "7", "-c", "100"], data).code, 0);
  const r = run(["read", "-n", "2", "-s", "7", "-c", "100"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(Buffer.compare(r.bytes, data), 0);
});

test("compare: equal data passes, different data fails with Compare Failure and exit code 1", () => {
  const data = randomBytes(4 * 512);
  assert.equal(run(["write", "--lba", "50", "--count", "4"], data).code, 0);
  const same = run(["compare", "--lba", "50", "--count", "4"], data);
  assert.equal(same.code, 0, same.stderr);
  data[700]! ^= 1;
  const differ = run(["compare", "--lba", "50", "--count", "4"], data);
  assert.equal(differ.code, 1);
  assert.equal(differ.errors, [
    "nvmekit: Compare nsid 1 lba 50+4 failed: Compare Failure (SCT 0x2, SC 0x85, DNR)",
  ]);
});

test("write-zeroes and dsm --deallocate leave zeroes; flush succeeds; short input is padded", () => {
  assert.equal(run(["write", "--lba", "0", "--count", "8"], randomBytes(8 * 512)).code, 0);
  assert.equal(run(["write-zeroes", "--lba", "0", "--count", "4"]).code, 0);
  const dsm = run(["dsm", "--deallocate", "--lba", "4", "--count", "4"]);
  assert.equal(dsm.code, 0, dsm.stderr);
  assert.equal(run(["read", "--lba", "0", "--count", "8"]).bytes, Buffer.alloc(8 * 512));
  assert.equal(run(["flush", "--ns", "2"]).code, 0);
  const short = run(["write", "--lba", "9", "--count", "1"], Buffer.from("hello"));
  assert.match(short.stderr, /stdin: 5 bytes, padded with zeroes to 512/);
  const back = run(["read", "--lba", "9", "--count", "1"]).bytes;
  assert.equal(back.subarray(0, 6).toString("latin1"), "hello\0");
});

test.run();
