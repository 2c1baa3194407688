// rig-config: default
// Identify through nvmekit equals what the Linux kernel's driver reports for the same controller
// (nvme-cli's JSON), and every namespace and LBA format round-trips random data at random LBAs.
import { execFileSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { attachVfio, bind, dmarFaults, randomFill, releaseControllers } from "./rig.js";

test("identify controller and namespaces agree with nvme-cli on the kernel driver", async () => {
  const bdf = bind("nvme");
  const dev = `/dev/${execFileSync("ls", [`/sys/bus/pci/devices/${bdf}/nvme`], { encoding: "utf8" }).trim()}`;
  const kernel = JSON.parse(execFileSync("nvme", ["id-ctrl", dev, "-o", "json"], { encoding: "utf8" }));
  const kns = JSON.parse(execFileSync("nvme", ["id-ns", `${dev}n2`, "-o", "json"], { encoding: "utf8" }));
  const { driver, ctrlr } = await attachVfio({}, bdf);
  const d = ctrlr.data;
  assert.equal(d.vid, kernel.vid);
  assert.equal(d.ssvid, kernel.ssvid);
  assert.equal(d.sn, kernel.sn.trim());
  assert.equal(d.mn, kernel.mn.trim());
  assert.equal(d.fr, kernel.fr.trim());
  assert.equal(d.mdts, kernel.mdts);
  assert.equal(d.cntlid, kernel.cntlid);
  assert.equal(d.ver, kernel.ver);
  assert.equal(d.oacs, kernel.oacs);
  assert.equal(d.oncs, kernel.oncs);
  assert.equal(d.nn, kernel.nn);
  assert.equal(d.sgls, kernel.sgls);
  assert.equal(d.subnqn, kernel.subnqn);
  const ns2 = ctrlr.getNamespace(2)!;
  assert.equal(Number(ns2.data.nsze), kns.nsze);
  assert.equal(ns2.data.flbas, kns.flbas);
  assert.equal(ns2.sectorSize, 2 ** kns.lbafs[kns.flbas & 0xf].ds);
  assert.equal(ctrlr.activeNamespaceIds(), [1, 2, 3]);
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test("random data at random LBAs on every namespace reads back byte-exact", async () => {
  const { driver, ctrlr } = await attachVfio();
  const qp = await ctrlr.allocIoQpair();
  let seed = 7;
  for (const nsid of ctrlr.activeNamespaceIds()) {
    const ns = ctrlr.getNamespace(nsid)!;
    for (let i = 0; i < 16; i++) {
      seed++;
      const count = 1 + (seed % 8);
      const lba = (seed * 7919) % (ns.numSectors - count);
      const out = ctrlr.allocBuffer(count * ns.sectorSize);
      const back = ctrlr.allocBuffer(count * ns.sectorSize);
      randomFill(out.bytes, seed);
      await ns.write(qp, out.bytes, lba, count);
      await ns.read(qp, back.bytes, lba, count);
      assert.equal(Buffer.compare(out.bytes, back.bytes), 0, `nsid ${nsid} lba ${lba} count ${count}`);
      ctrlr.freeBuffer(out);
      ctrlr.freeBuffer(back);
    }
  }
  await driver.detach(ctrlr);
  assert.equal(dmarFaults(), []);
});

test.after.each(releaseControllers);
test.run();
