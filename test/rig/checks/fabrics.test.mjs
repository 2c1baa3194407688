// rig-config: fabrics
/**
 * The guest's nvmet targets answer the kernel's NVMe-oF host: over TCP on loopback and over RDMA
 * (soft-RoCE), nvme-cli discovers both subsystems, connects, sees the namespace, reads it, disconnects.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { configs } from "../configs.mjs";

const { fabrics } = configs.fabrics;
const sh = (cmd, ...args) => execFileSync(cmd, args, { encoding: "utf8" });

/** Waits until controller `ctrl` reports a namespace path (nvme<subsys>c<ctrl>n<nsid>); returns its name. */
async function namespacePath(ctrl) {
  for (let i = 0; i < 100; i++) {
    const path = readdirSync(`/sys/class/nvme/${ctrl}`).find((e) => /^nvme\d+c\d+n\d+$/.test(e));
    if (path) return path;
    await sleep(100);
  }
  throw new Error(`${ctrl} shows no namespace`);
}

for (const [transport, module] of [
  ["tcp", "nvme-tcp"],
  ["rdma", "nvme-rdma"],
]) {
  const { traddr, trsvcid } = fabrics[transport];
  const where = ["-t", transport, "-a", traddr, "-s", trsvcid];

  test(`${transport}: discovery lists both subsystems`, () => {
    sh("modprobe", module);
    const log = JSON.parse(sh("nvme", "discover", ...where, "-o", "json"));
    const nqns = log.records.map((r) => r.subnqn);
    assert.ok(nqns.includes(fabrics.nullNqn), `discovery log: ${nqns}`);
    assert.ok(nqns.includes(fabrics.fileNqn), `discovery log: ${nqns}`);
    assert.ok(log.records.every((r) => r.trtype === transport));
  });

  for (const nqn of [fabrics.nullNqn, fabrics.fileNqn]) {
    test(`${transport}: connect to ${nqn}, read its namespace, disconnect`, async () => {
      const { device } = JSON.parse(sh("nvme", "connect", ...where, "-n", nqn, "-o", "json"));
      try {
        assert.is(sh("cat", `/sys/class/nvme/${device}/transport`).trim(), transport);
        assert.is(sh("cat", `/sys/class/nvme/${device}/subsysnqn`).trim(), nqn);
        const head = (await namespacePath(device)).replace(/c\d+/, ""); // the multipath block device
        const dd = spawnSync(
          "dd",
          [`if=/dev/${head}`, "of=/dev/null", "bs=4096", "count=4", "iflag=direct"],
          {
            encoding: "utf8",
          },
        );
        assert.is(dd.status, 0, dd.stderr);
        assert.match(dd.stderr, /16384 bytes/);
      } finally {
        assert.match(sh("nvme", "disconnect", "-n", nqn), /disconnected 1 controller/);
      }
      assert.not.ok(existsSync(`/sys/class/nvme/${device}`), `${device} is gone after disconnect`);
    });
  }
}

test.run();
