// rig-config: default
/**
 * The open + DMA path as a non-root user who owns /dev/vfio/N: works with a raised RLIMIT_MEMLOCK,
 * and fails with an explanation of RLIMIT_MEMLOCK when the limit is too small to pin a region.
 */
import { execFileSync } from "node:child_process";
import { chownSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readPciFunction } from "../../../src/sysfs/pci-function.js";
import { bind, dmarFaults } from "./rig.js";

const NOBODY = 65534;
const child = fileURLToPath(new URL("./nonroot-child.js", import.meta.url));
const address = bind("vfio");
const group = readPciFunction(address).iommuGroup!;
chownSync(`/dev/vfio/${group}`, NOBODY, NOBODY);

/** Runs the child as nobody with RLIMIT_MEMLOCK = `memlock` bytes; returns its JSON line. */
function runAsNobody(memlock: number): { uid: number; serial?: string; error?: string } {
  const out = execFileSync(
    "prlimit",
    [
      `--memlock=${memlock}:${memlock}`,
      "setpriv",
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      "--",
      process.execPath,
      child,
      address,
    ],
    { encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop()!);
}

test("as uid 65534 with a 64 MiB memlock limit: open, DMA, Identify", () => {
  const result = runAsNobody(64 * 2 ** 20);
  assert.is(result.uid, NOBODY);
  assert.is(result.error, undefined);
  assert.is(result.serial, "nvmekit-default");
});

test("as uid 65534 with a 1 MiB memlock limit: the error explains RLIMIT_MEMLOCK", () => {
  const result = runAsNobody(2 ** 20);
  assert.is(result.uid, NOBODY);
  assert.ok(result.error, "opening must fail to pin a 2 MiB region");
  assert.match(result.error!, /VFIO_IOMMU_MAP_DMA/);
  assert.match(result.error!, /RLIMIT_MEMLOCK/);
  assert.match(result.error!, /uid 65534: soft 1\.0 MiB/);
  console.log(`  error shown: ${result.error}`);
});

test("the vIOMMU reported no DMA fault", () => {
  assert.equal(dmarFaults(), []);
});

test.after(() => {
  chownSync(`/dev/vfio/${group}`, 0, 0);
  bind("nvme", address);
});

test.run();
