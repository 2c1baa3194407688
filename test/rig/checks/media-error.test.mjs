// rig-config: media-error
/**
 * The blkdebug-backed namespace fails the chosen LBAs with a real NVMe media error, seen through the
 * kernel's nvme driver, while a neighbouring LBA reads fine.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { configs } from "../configs.mjs";

const bindScript = fileURLToPath(new URL("../guest/nvme-bind.sh", import.meta.url));
const [badLba] = configs["media-error"].controllers[0].namespaces[0].badLbas;

/** Reads one 512-byte LBA of /dev/nvme0n1 with O_DIRECT, past the page cache. */
const readLba = (lba) =>
  spawnSync("dd", ["if=/dev/nvme0n1", "of=/dev/null", "bs=512", `skip=${lba}`, "count=1", "iflag=direct"], {
    encoding: "utf8",
  });

test.before(() => {
  execFileSync("sh", [bindScript, "nvme"]);
});

test("reading a chosen LBA fails with Unrecovered Read Error", () => {
  const r = readLba(badLba);
  assert.is.not(r.status, 0, "dd of the bad LBA must fail");
  assert.match(r.stderr, /error reading/);
  const dmesg = execFileSync("dmesg", { encoding: "utf8" });
  // SCT 2h (media and data integrity errors) / SC 81h (Unrecovered Read Error)
  assert.match(
    dmesg,
    new RegExp(`nvme0n1: I/O Cmd\\(0x2\\) @ LBA ${badLba}, 1 blocks, I/O Error \\(sct 0x2 / sc 0x81\\)`),
  );
});

test("neighbouring LBAs read fine", () => {
  for (const lba of [badLba - 1, badLba + 2]) {
    const r = readLba(lba);
    assert.is(r.status, 0, `dd of LBA ${lba}: ${r.stderr}`);
    assert.match(r.stderr, /512 bytes/);
  }
});

test.run();
